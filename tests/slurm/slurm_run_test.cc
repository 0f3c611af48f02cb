// Copyright servebench authors.
//
// `servebench run --slurm` on a real Slurm: a one-node cluster on localhost that this test
// starts (tests/slurm/local_cluster.sh) before its tests and stops after them, whatever
// happened. The cells measure a KServe server in this test process (an external server), so
// that a local run and a Slurm run of the same config measure the same thing; the server-step
// test has servebench start the TF Serving double (tests/support/tfserving_double.py) itself.
// The cluster forgets ended jobs 2 s after their end, so the tests see what servebench reads
// from the job completion records once the controller no longer knows a job.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fake_kserve.h"
#include "servebench/bench/slurm_scheduler.h"
#include "test_http_server.h"

namespace servebench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::FakeKServe;
using testing::TestHttpServer;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Outcome {
  int status = -1;
  std::string out, err;
};

// Runs a shell command line with stdin from /dev/null; its output is kept.
Outcome Shell(const std::string& command, const fs::path& scratch) {
  const fs::path out = scratch / "stdout", err = scratch / "stderr";
  const std::string line = command + " </dev/null >" + out.string() + " 2>" + err.string();
  const int status = std::system(line.c_str());
  Outcome o;
  o.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  o.out = Slurp(out);
  o.err = Slurp(err);
  return o;
}

std::string Servebench() { return SERVEBENCH_BINARY; }

// The cluster, started once for all tests of this file (about 1.5 s) and stopped after them.
class SlurmCluster : public ::testing::Environment {
 public:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "servebench-slurm-XXXXXX";
    dir_ = ::mkdtemp(pattern.data());
    // The controller forgets an ended job 2 s after its end (MinJobAge; it looks every few
    // seconds): from then on only the job completion records (sacct --completion) know it,
    // which is what servebench status must read.
    const Outcome started =
        Shell("LOCAL_CLUSTER_MIN_JOB_AGE=2 " + std::string(SERVEBENCH_LOCAL_CLUSTER) + " start " +
                  dir_.string(),
              dir_);
    if (started.status != 0) {
      error_ = "the local Slurm cluster did not start (exit " + std::to_string(started.status) +
               "): " + started.err + started.out;
      return;
    }
    ::setenv("SLURM_CONF", (dir_ / "slurm.conf").c_str(), 1);
    up_ = true;
  }
  void TearDown() override {
    if (dir_.empty()) return;
    Shell(std::string(SERVEBENCH_LOCAL_CLUSTER) + " stop " + dir_.string(), dir_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static bool up() { return up_; }
  static const std::string& error() { return error_; }

 private:
  fs::path dir_;
  static inline bool up_ = false;
  static inline std::string error_;
};

const auto* const kCluster = ::testing::AddGlobalTestEnvironment(new SlurmCluster);

class TempDir {
 public:
  TempDir() {
    // Under the build tree's temp folder: the run folder must be a path every node sees.
    std::string pattern = ::testing::TempDir() + "servebench-slurm-run-XXXXXX";
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A model folder as the zoo writes it (an external server serves it; servebench checks it is
// there).
void MakeModel(const fs::path& dir) {
  fs::create_directories(dir / "1");
  std::ofstream(dir / "config.pbtxt") << "name: \"" << dir.filename().string() << "\"\n";
  std::ofstream(dir / "1" / "model.pt") << "";
}

// An experiment of four cells against the server at `port`; `levels` sets how long the first
// cell measures (about 0.8 s a level). The last cell's level is measured by two generator
// processes: local ones in a local run, job steps (srun) in a Slurm task.
fs::path WriteConfig(const fs::path& dir, int port, const std::string& levels) {
  MakeModel(dir / "repository" / "mlp");
  const fs::path path = dir / "experiment.yaml";
  std::ofstream(path) << "name: slurm-test\n"
                         "models:\n  repository: "
                      << (dir / "repository").string()
                      << "\n  variants: [mlp]\n"
                         "servers:\n  - {name: fake, kind: external, url: \"http://127.0.0.1:"
                      << port
                      << "\"}\n"
                         "scenarios:\n"
                         "  - {name: closed, kind: concurrency_sweep, levels: "
                      << levels
                      << "}\n"
                         "  - {name: poisson, kind: rate_sweep, rates: [100]}\n"
                         "  - {name: constant, kind: rate_sweep, rates: [50], arrival: constant}\n"
                         "  - {name: two, kind: concurrency_sweep, levels: [2], generators: 2}\n"
                         "measurement:\n"
                         "  warmup: 200ms\n  window: 200ms\n  min_duration: 600ms\n"
                         "  min_requests: 20\n  request_timeout: 2s\n  max_duration: 2s\n"
                         "slo:\n  percentile: 99\n  bound: 500ms\n";
  return path;
}

// An experiment whose server servebench starts itself: the tfserving launcher running the
// TF Serving test double (tests/support/tfserving_double.py, a Python HTTP server), one cell per
// entry of `scenarios` ("name: levels").
fs::path WriteDoubleConfig(const fs::path& dir, const std::vector<std::string>& scenarios,
                           const std::string& name) {
  const fs::path model = dir / "repository" / "digits-mlp";
  fs::create_directories(model / "1" / "model.savedmodel");
  std::ofstream(model / "1" / "model.savedmodel" / "saved_model.pb") << "double";
  std::ofstream(model / "1" / "model.pt") << "";
  std::ofstream(model / "config.pbtxt")
      << "name: \"digits-mlp\"\nplatform: \"pytorch_libtorch\"\nmax_batch_size: 128\n"
         "input [ { name: \"INPUT__0\" data_type: TYPE_FP32 dims: [ 64 ] } ]\n"
         "output [ { name: \"OUTPUT__0\" data_type: TYPE_FP32 dims: [ 10 ] } ]\n";
  const fs::path path = dir / name;
  std::ofstream out(path);
  out << "name: slurm-step-test\nmodels:\n  repository: " << (dir / "repository").string()
      << "\n  variants: [digits-mlp]\n"
         "servers:\n  - {name: tf, kind: tfserving, binary: "
      << SERVEBENCH_SOURCE_DIR << "/tests/support/tfserving_double.py}\nscenarios:\n";
  for (const std::string& scenario : scenarios) {
    const std::string scenario_name = scenario.substr(0, scenario.find(':'));
    out << "  - {name: " << scenario_name
        << ", kind: concurrency_sweep, levels: " << scenario.substr(scenario.find(':') + 1)
        << "}\n";
  }
  out << "measurement:\n"
         "  warmup: 200ms\n  window: 200ms\n  min_duration: 600ms\n"
         "  min_requests: 20\n  request_timeout: 2s\n  max_duration: 2s\n"
         "slo:\n  percentile: 99\n  bound: 500ms\n";
  return path;
}

// The pids of the running processes whose command line holds `text`.
std::vector<pid_t> ProcessesWith(const std::string& text) {
  std::vector<pid_t> found;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = Slurp(e.path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    const std::string stat = Slurp(e.path() / "stat");
    const size_t paren = stat.rfind(')');
    const bool zombie =
        paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
    if (!zombie && cmdline.find(text) != std::string::npos) found.push_back(std::stoi(name));
  }
  return found;
}

fs::path OnlyRunDir(const fs::path& runs) {
  std::vector<fs::path> found;
  for (const auto& e : fs::directory_iterator(runs)) found.push_back(e.path());
  return found.size() == 1 ? found[0] : fs::path();
}

std::string ArrayJobOf(const std::string& submit_output) {
  std::smatch m;
  std::regex pattern("Slurm job array ([0-9]+)");
  return std::regex_search(submit_output, m, pattern) ? m[1].str() : "";
}

// Waits (at most `seconds`) until the cluster has no job left: the array and the merge ended.
bool WaitForIdleQueue(const fs::path& scratch, int seconds) {
  for (int i = 0; i < seconds * 5; ++i) {
    const Outcome q = Shell("squeue -h -o %i", scratch);
    if (q.status == 0 && q.out.find_first_not_of(" \n") == std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

// Every key path of `j` ("levels[].load.requests.ok"), arrays' elements merged: the shape of a
// record, not its values. The node environment's inside is left out (null in a local run).
void KeyPaths(const json& j, const std::string& path, std::set<std::string>* out) {
  if (path == "environment") return;
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string child = path.empty() ? it.key() : path + "." + it.key();
      out->insert(child);
      KeyPaths(it.value(), child, out);
    }
  } else if (j.is_array()) {
    for (const json& e : j) KeyPaths(e, path + "[]", out);
  }
}

// Waits (at most `seconds`) until the controller no longer knows job `job_id` (MinJobAge has
// passed): what is said of it after comes from the job completion records.
bool WaitUntilControllerForgets(const std::string& job_id, const fs::path& scratch, int seconds) {
  for (int i = 0; i < seconds * 5; ++i) {
    const Outcome o = Shell("scontrol show job " + job_id, scratch);
    if (o.status != 0 && (o.err + o.out).find("Invalid job id") != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

std::string StatusOf(const std::string& status_output, const std::string& cell_id) {
  std::istringstream in(status_output);
  std::string line;
  while (std::getline(in, line)) {
    const size_t at = line.find(" " + cell_id + " ");
    if (at != std::string::npos) {
      std::string rest = line.substr(at + cell_id.size() + 2);
      return rest.substr(rest.find_first_not_of(' '));
    }
  }
  return "";
}

#define REQUIRE_CLUSTER() \
  if (!SlurmCluster::up()) FAIL() << SlurmCluster::error()

TEST(SlurmRunTest, ASlurmRunMeasuresTheSameCellsAsALocalRunWithTheSameSchema) {
  REQUIRE_CLUSTER();
  TempDir dir;
  TestHttpServer server(FakeKServe({}));
  const fs::path config = WriteConfig(dir.path(), server.port(), "[1, 2]");

  const Outcome local =
      Shell(Servebench() + " run " + config.string() + " --out " + (dir.path() / "local").string(),
            dir.path());
  ASSERT_EQ(local.status, 0) << local.err;
  const Outcome submitted = Shell(Servebench() + " run " + config.string() + " --out " +
                                      (dir.path() / "slurm").string() + " --slurm --time 5",
                                  dir.path());
  ASSERT_EQ(submitted.status, 0) << submitted.err << submitted.out;
  const std::string array = ArrayJobOf(submitted.out);
  ASSERT_FALSE(array.empty()) << submitted.out;
  ASSERT_TRUE(WaitForIdleQueue(dir.path(), 90)) << "the jobs did not end within 90 s";

  const fs::path local_run = OnlyRunDir(dir.path() / "local");
  const fs::path slurm_run = OnlyRunDir(dir.path() / "slurm");
  ASSERT_TRUE(fs::exists(slurm_run / "results.json"))
      << "the merge job wrote no results: " << submitted.out;
  const json a = json::parse(Slurp(local_run / "results.json"));
  const json b = json::parse(Slurp(slurm_run / "results.json"));
  std::set<std::string> top_a, top_b;
  for (auto it = a.begin(); it != a.end(); ++it) top_a.insert(it.key());
  for (auto it = b.begin(); it != b.end(); ++it) top_b.insert(it.key());
  EXPECT_EQ(top_a, top_b);
  ASSERT_EQ(a["cells"].size(), 4u);
  ASSERT_EQ(b["cells"].size(), a["cells"].size());
  std::set<std::string> ids_a, ids_b;
  for (size_t i = 0; i < a["cells"].size(); ++i) {
    const json& ca = a["cells"][i];
    ids_a.insert(ca["cell_id"].get<std::string>());
    const json* cb = nullptr;
    for (const json& c : b["cells"]) {
      if (c["cell_id"] == ca["cell_id"]) cb = &c;
    }
    ASSERT_NE(cb, nullptr) << ca["cell_id"];
    EXPECT_EQ(ca["status"], "ok") << ca.dump();
    EXPECT_EQ((*cb)["status"], "ok") << cb->dump();
    std::set<std::string> pa, pb;
    KeyPaths(ca, "", &pa);
    KeyPaths(*cb, "", &pb);
    EXPECT_EQ(pa, pb) << ca["cell_id"];
    EXPECT_EQ(ca["levels"].size(), (*cb)["levels"].size());
    // The Slurm cell recorded its node; the local one the run's environment only.
    EXPECT_TRUE(ca["environment"].is_null());
    ASSERT_TRUE((*cb)["environment"].is_object()) << cb->dump();
    EXPECT_FALSE((*cb)["environment"]["cpu_model"].get<std::string>().empty());
  }
  for (const json& c : b["cells"]) {
    ids_b.insert(c["cell_id"].get<std::string>());
    // Two generators measured the last cell's level, locally and as Slurm job steps alike.
    if (c["cell_id"] != "mlp/fake/two") continue;
    for (const json* cell : {&c, &a["cells"][3]}) {
      const json& level = (*cell)["levels"][0];
      ASSERT_EQ(level["generators"].size(), 2u) << level.dump();
      EXPECT_GT(level["load"]["requests"]["ok"].get<int64_t>(), 0);
      EXPECT_EQ(level["load"]["requests"]["errors"]["validation"], 0);
    }
  }
  EXPECT_EQ(ids_a, ids_b);
  // The merge wrote every output a local run writes.
  for (const char* file : {"results.csv", "summary.md", "report.html", "results.db"}) {
    EXPECT_TRUE(fs::exists(slurm_run / file)) << file;
  }
  // Each cell had a task journal of its own, and its Slurm output is where status says.
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(fs::exists(slurm_run / "slurm" / "tasks" / ("cell-" + std::to_string(i)) /
                           "journal.jsonl"));
    EXPECT_TRUE(fs::exists(slurm_run / "slurm" / "logs" /
                           ("cell-" + std::to_string(i) + "-job-" + array + ".log")));
  }
  const Outcome status = Shell(Servebench() + " status " + slurm_run.string(), dir.path());
  ASSERT_EQ(status.status, 0) << status.err;
  EXPECT_NE(status.out.find("4 cells: 4 done"), std::string::npos) << status.out;
}

TEST(SlurmRunTest, ACancelledTaskIsReportedFailedAndResumeSlurmCompletesIt) {
  REQUIRE_CLUSTER();
  TempDir dir;
  TestHttpServer server(FakeKServe({}));
  // The first cell measures eight levels (several seconds): long enough to be cancelled while
  // it runs.
  const fs::path config = WriteConfig(dir.path(), server.port(), "[1, 2, 3, 4, 1, 2, 3, 4]");
  const Outcome submitted = Shell(Servebench() + " run " + config.string() + " --out " +
                                      (dir.path() / "runs").string() + " --slurm --max-parallel 1",
                                  dir.path());
  ASSERT_EQ(submitted.status, 0) << submitted.err << submitted.out;
  const std::string array = ArrayJobOf(submitted.out);
  ASSERT_FALSE(array.empty()) << submitted.out;
  const fs::path run = OnlyRunDir(dir.path() / "runs");
  const std::string cell0 = "mlp/fake/closed";

  // Cancel cell 0's task once it has started measuring (its task journal says it started).
  const fs::path started = run / "slurm" / "tasks" / "cell-0" / "journal.jsonl";
  bool running = false;
  for (int i = 0; i < 300 && !running; ++i) {
    running = fs::exists(started) && Slurp(started).find("slurm_task") != std::string::npos;
    if (!running) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(running) << "cell 0 did not start within 30 s";
  const Outcome during = Shell(Servebench() + " status " + run.string(), dir.path());
  EXPECT_EQ(StatusOf(during.out, cell0).rfind("running on localnode", 0), 0u) << during.out;
  ASSERT_EQ(Shell("scancel " + array + "_0", dir.path()).status, 0);
  ASSERT_TRUE(WaitForIdleQueue(dir.path(), 90)) << "the jobs did not end within 90 s";
  // Status then reads the ended task from the job completion records, not from the controller.
  ASSERT_TRUE(WaitUntilControllerForgets(array, dir.path(), 30));

  // What the scheduler says of the four tasks and of the merge job, now that only the job
  // completion records know them: one cancelled, three completed with exit 0:0, each found by
  // the job id its task recorded at its start.
  std::map<int, std::string> job_ids;
  for (int i = 0; i < 4; ++i) {
    std::ifstream journal(run / "slurm" / "tasks" / ("cell-" + std::to_string(i)) /
                          "journal.jsonl");
    for (std::string record; std::getline(journal, record);) {
      const json r = json::parse(record, nullptr, false);
      if (!r.is_discarded() && r.value("record", "") == "slurm_task") {
        job_ids[i] = r.value("job_id", "");
      }
    }
  }
  ASSERT_EQ(job_ids.size(), 4u);
  std::map<int, SlurmTaskState> tasks;
  std::string error;
  ASSERT_TRUE(QueryArrayTasks(array, job_ids, &tasks, &error)) << error;
  ASSERT_EQ(tasks.size(), 4u);
  for (const auto& [index, task] : tasks) {
    EXPECT_EQ(task.state, index == 0 ? "CANCELLED" : "COMPLETED") << index;
    if (index != 0) {
      EXPECT_EQ(task.exit_code, "0:0") << index;
    }
    EXPECT_EQ(task.node, "localnode") << index;
    EXPECT_EQ(task.source, "sacct --completion") << index;
  }
  // Without the tasks' job ids nothing knows them any more: no answer is the controller's.
  ASSERT_TRUE(QueryArrayTasks(array, {}, &tasks, &error)) << error;
  EXPECT_TRUE(tasks.empty());
  std::smatch merge;
  ASSERT_TRUE(std::regex_search(submitted.out, merge, std::regex("results by job ([0-9]+)")))
      << submitted.out;
  SlurmTaskState merge_job;
  ASSERT_TRUE(QueryJob(merge[1].str(), &merge_job));
  // The merge ends as a run with a failed cell ends: exit status 1.
  EXPECT_EQ(merge_job.state, "FAILED");
  EXPECT_EQ(merge_job.exit_code, "1:0");
  EXPECT_EQ(merge_job.source, "sacct --completion");

  const Outcome status = Shell(Servebench() + " status " + run.string(), dir.path());
  ASSERT_EQ(status.status, 0) << status.err;
  const std::string line = StatusOf(status.out, cell0);
  EXPECT_EQ(line.rfind("failed", 0), 0u) << status.out;
  EXPECT_NE(line.find("CANCELLED"), std::string::npos) << status.out;
  EXPECT_NE(line.find("(sacct --completion)"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("log: " +
                            (run / "slurm" / "logs" / ("cell-0-job-" + array + ".log")).string()),
            std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find("4 cells: 3 done, 1 failed"), std::string::npos) << status.out;
  // The merge job recorded it failed in the results, and the others ok.
  json results = json::parse(Slurp(run / "results.json"));
  ASSERT_EQ(results["cells"].size(), 4u);
  for (const json& c : results["cells"]) {
    EXPECT_EQ(c["status"], c["cell_id"] == cell0 ? "failed" : "ok") << c["cell_id"];
    // The merge job ran once the array ended; it too read the task's end from sacct.
    if (c["cell_id"] == cell0) {
      const std::string why = c["failure"]["message"].get<std::string>();
      EXPECT_NE(why.find("CANCELLED"), std::string::npos) << why;
      EXPECT_NE(why.find("(sacct --completion)"), std::string::npos) << why;
    }
  }

  const Outcome resumed =
      Shell(Servebench() + " run --resume " + run.string() + " --slurm", dir.path());
  ASSERT_EQ(resumed.status, 0) << resumed.err << resumed.out;
  EXPECT_NE(resumed.out.find("1 cell left submitted"), std::string::npos) << resumed.out;
  ASSERT_TRUE(WaitForIdleQueue(dir.path(), 90)) << "the jobs did not end within 90 s";
  const Outcome after = Shell(Servebench() + " status " + run.string(), dir.path());
  EXPECT_NE(after.out.find("4 cells: 4 done"), std::string::npos) << after.out;
  results = json::parse(Slurp(run / "results.json"));
  ASSERT_EQ(results["cells"].size(), 4u);
  for (const json& c : results["cells"]) EXPECT_EQ(c["status"], "ok") << c.dump();
  EXPECT_NE(results["run"]["finished_at"], nullptr);
  // Nothing is left to submit.
  const Outcome again =
      Shell(Servebench() + " run --resume " + run.string() + " --slurm", dir.path());
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.out.find("nothing to submit"), std::string::npos) << again.out;
}

TEST(SlurmRunTest, TheServerRunsAsAJobStepOfItsOwnAndACancelledTaskLeavesNone) {
  REQUIRE_CLUSTER();
  TempDir dir;
  // Cell 0 ("short") runs to its end; cell 1 ("long", eight levels) is cancelled while its
  // server's step runs. One task at a time.
  const fs::path config = WriteDoubleConfig(
      dir.path(), {"short: [1, 2]", "long: [1, 2, 3, 4, 1, 2, 3, 4]"}, "experiment.yaml");
  const fs::path local_config = WriteDoubleConfig(dir.path(), {"short: [1, 2]"}, "local.yaml");
  const Outcome submitted = Shell(Servebench() + " run " + config.string() + " --out " +
                                      (dir.path() / "runs").string() + " --slurm --max-parallel 1",
                                  dir.path());
  ASSERT_EQ(submitted.status, 0) << submitted.err << submitted.out;
  const std::string array = ArrayJobOf(submitted.out);
  ASSERT_FALSE(array.empty()) << submitted.out;
  const fs::path run = OnlyRunDir(dir.path() / "runs");

  // While each task runs, its server is a step of its own named servebench-server, beside the
  // batch step, and the step's processes (scontrol listpids) are the TF Serving double.
  std::map<std::string, std::string> server_steps;  // "<array>_<i>" -> step
  bool cancelled = false;
  for (int i = 0; i < 600 && !cancelled; ++i) {
    const Outcome steps = Shell("squeue -h --steps -o '%i|%j|%A'", dir.path());
    std::istringstream lines(steps.out);
    std::string line;
    while (std::getline(lines, line)) {
      std::smatch m;
      if (!std::regex_match(
              line, m, std::regex("(" + array + "_[0-9]+)\\.([0-9]+)\\|servebench-server\\|.*"))) {
        continue;
      }
      const std::string task = m[1].str(), step = m[2].str();
      if (server_steps.count(task)) continue;
      // scontrol listpids wants the task's own job id: its journal has it.
      const std::string index = task.substr(task.find('_') + 1);
      std::string job_id;
      {
        std::ifstream journal(run / "slurm" / "tasks" / ("cell-" + index) / "journal.jsonl");
        for (std::string record; std::getline(journal, record);) {
          const json r = json::parse(record, nullptr, false);
          if (!r.is_discarded() && r.value("record", "") == "slurm_task") {
            job_id = r.value("job_id", "");
          }
        }
      }
      const Outcome pids = Shell("scontrol listpids " + job_id + "." + step, dir.path());
      bool double_in_step = false;
      std::istringstream rows(pids.out);
      for (std::string row; std::getline(rows, row);) {
        const int pid = std::atoi(row.c_str());
        if (pid > 0 &&
            Slurp("/proc/" + std::to_string(pid) + "/cmdline").find("tfserving_double.py") !=
                std::string::npos) {
          double_in_step = true;
        }
      }
      if (!double_in_step) continue;  // the step is starting: look again
      server_steps[task] = step;
      if (index == "1") {
        ASSERT_EQ(Shell("scancel " + task, dir.path()).status, 0);
        cancelled = true;
      }
    }
    if (!cancelled) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(cancelled) << "cell 1's server step did not show within 60 s";
  EXPECT_EQ(server_steps.count(array + "_0"), 1u) << "cell 0's server step was not seen";
  ASSERT_TRUE(WaitForIdleQueue(dir.path(), 90)) << "the jobs did not end within 90 s";
  // The cancelled task left no server: no process runs with the run folder on its command line
  // (the double's arguments name its config files there).
  std::vector<pid_t> left;
  for (int i = 0; i < 20; ++i) {
    left = ProcessesWith(run.string());
    if (left.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(left.empty()) << left.size() << " processes of the run still run, e.g. pid "
                            << (left.empty() ? 0 : left[0]);

  const json results = json::parse(Slurp(run / "results.json"));
  ASSERT_EQ(results["cells"].size(), 2u);
  const json* slurm_cell = nullptr;
  for (const json& c : results["cells"]) {
    if (c["cell_id"] == "digits-mlp/tf/short") slurm_cell = &c;
    if (c["cell_id"] == "digits-mlp/tf/long") {
      EXPECT_EQ(c["status"], "failed") << c.dump();
    }
  }
  ASSERT_NE(slurm_cell, nullptr);
  ASSERT_EQ((*slurm_cell)["status"], "ok") << slurm_cell->dump();

  // The same cell run locally (its server a child of servebench) has the same schema.
  const Outcome local = Shell(
      Servebench() + " run " + local_config.string() + " --out " + (dir.path() / "local").string(),
      dir.path());
  ASSERT_EQ(local.status, 0) << local.err;
  const json local_results = json::parse(Slurp(OnlyRunDir(dir.path() / "local") / "results.json"));
  ASSERT_EQ(local_results["cells"].size(), 1u);
  const json& local_cell = local_results["cells"][0];
  std::set<std::string> pa, pb;
  KeyPaths(local_cell, "", &pa);
  KeyPaths(*slurm_cell, "", &pb);
  EXPECT_EQ(pa, pb);
  // The server's resources are the double's own (a Python process busy with the load), not
  // srun's: measured from the step's task, found by its mark.
  for (const json& level : (*slurm_cell)["levels"]) {
    EXPECT_EQ(level["resources"]["processes_max"], 1) << level["resources"].dump();
    EXPECT_GT(level["resources"]["cpu_percent"]["mean"].get<double>(), 5.0)
        << level["resources"].dump();
  }
}

}  // namespace
}  // namespace servebench
