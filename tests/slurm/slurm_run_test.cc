// Copyright servebench authors.
//
// `servebench run --slurm` on a real Slurm: a one-node cluster on localhost that this test
// starts (tests/slurm/local_cluster.sh) before its tests and stops after them, whatever
// happened. The cells measure a KServe server in this test process (an external server), so
// that a local run and a Slurm run of the same config measure the same thing.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "fake_kserve.h"
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
    const Outcome started =
        Shell(std::string(SERVEBENCH_LOCAL_CLUSTER) + " start " + dir_.string(), dir_);
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

  const Outcome status = Shell(Servebench() + " status " + run.string(), dir.path());
  ASSERT_EQ(status.status, 0) << status.err;
  const std::string line = StatusOf(status.out, cell0);
  EXPECT_EQ(line.rfind("failed", 0), 0u) << status.out;
  EXPECT_NE(line.find("CANCELLED"), std::string::npos) << status.out;
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

}  // namespace
}  // namespace servebench
