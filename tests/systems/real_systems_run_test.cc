// Copyright servebench authors.
//
// `servebench run` end to end with each real serving system (Triton, TorchServe, MLServer) that
// scripts/setup installed: servebench plans, starts, loads, measures and tears down the system
// itself, on digits-mlp from the quick zoo. Each test runs a cold start (one repeat) and a
// short concurrency sweep, and checks the cells' status, the requests, the cold start's steps,
// and that no process of the system outlives the run. A system that is not installed is skipped
// with the reason setup recorded.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace servebench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// One test's bound: a cold start (two starts) and two short levels take 10-30 s here.
constexpr int kRunTimeoutS = 240;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "servebench-real-systems-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp " << pattern;
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

bool WaitFor(const std::function<bool()>& condition, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

// Runs servebench with `args` to its end (killed after kRunTimeoutS); stdout and stderr in
// `dir`, and its TMPDIR there too (TorchServe's plan may leave a link in it). Returns its exit
// status, or -1 when it had to be killed.
int RunServebench(const std::vector<std::string>& args, const fs::path& dir) {
  std::vector<std::string> argv = {SERVEBENCH_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> c_argv;
  for (auto& a : argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  fs::create_directories(dir / "tmp");
  std::vector<std::string> env = {"TMPDIR=" + (dir / "tmp").string()};
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string(*e).rfind("TMPDIR=", 0) != 0) env.push_back(*e);
  }
  std::vector<char*> c_env;
  for (auto& v : env) c_env.push_back(v.data());
  c_env.push_back(nullptr);
  const std::string out = (dir / "stdout").string(), err = (dir / "stderr").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, c_argv[0], &actions, nullptr, c_argv.data(), c_env.data()), 0);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  const bool ended = WaitFor([&] { return waitpid(pid, &status, WNOHANG) == pid; }, kRunTimeoutS);
  if (!ended) {
    // SIGINT first: servebench then stops its servers, which SIGKILL would leave to their
    // death signal.
    kill(pid, SIGINT);
    if (!WaitFor([&] { return waitpid(pid, &status, WNOHANG) == pid; }, 30)) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Live processes (not zombies) whose command line, environment or working folder mentions
// `text`: a server servebench started keeps its run folder in at least one of them (the work
// folder is in Triton's and MLServer's arguments, in TorchServe's TMPDIR, and is every one's
// working folder).
std::vector<std::string> ProcessesMentioning(const std::string& text) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = Slurp(entry.path() / "stat");
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos || (paren + 2 < stat.size() && stat[paren + 2] == 'Z')) {
      continue;
    }
    std::error_code ec;
    const std::string cwd = fs::read_symlink(entry.path() / "cwd", ec).string();
    std::string cmdline = Slurp(entry.path() / "cmdline");
    if (cmdline.find(text) != std::string::npos || cwd.find(text) != std::string::npos ||
        Slurp(entry.path() / "environ").find(text) != std::string::npos) {
      std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
      found.push_back(pid + ": " + cmdline);
    }
  }
  return found;
}

// The program setup installs for `system`, or "" with *why when it is not installed.
bool Installed(const std::string& system, const std::string& program, std::string* why) {
  const fs::path venv = fs::path(SERVEBENCH_BINARY).parent_path() / "venv";
  if (access((venv / system / "bin" / program).c_str(), X_OK) == 0) return true;
  const std::string reason = Slurp(venv / (system + ".missing"));
  *why = system + " is not installed (" + (venv / system / "bin" / program).string() +
         "): " + (reason.empty() ? "run scripts/setup" : reason);
  return false;
}

void RunSystem(const std::string& kind, const std::string& program, const std::string& settings) {
  std::string why;
  if (!Installed(kind, program, &why)) GTEST_SKIP() << why;
  const fs::path zoo = SERVEBENCH_QUICK_ZOO;
  ASSERT_TRUE(fs::exists(zoo / "digits-mlp" / "config.pbtxt"))
      << "the quick zoo (fixture zoo_quick) has no digits-mlp under " << zoo;
  TempDir dir;
  std::ofstream(dir.path() / "run.yaml")
      << "name: " << kind << "-e2e\n"
      << "models:\n  repository: " << zoo.string() << "\n  variants: [digits-mlp]\n"
      << "servers:\n  - {name: " << kind << ", kind: " << kind << settings << "}\n"
      << "scenarios:\n"
         "  - {name: cold, kind: cold_start, repeats: 1}\n"
         "  - {name: conc, kind: concurrency_sweep, levels: [1, 4]}\n"
         "  - {name: acc, kind: accuracy, batch: 8}\n"
         "measurement:\n  warmup: 200ms\n  window: 200ms\n  min_duration: 600ms\n"
         "  min_requests: 20\n  max_duration: 1500ms\n  request_timeout: 5s\n"
         "slo: {percentile: 99, bound: 200ms}\n"
         "cost: {hourly_price: 0.2}\n";
  const fs::path runs = dir.path() / "runs";
  const auto start = std::chrono::steady_clock::now();
  const int status = RunServebench(
      {"run", (dir.path() / "run.yaml").string(), "--out", runs.string()}, dir.path());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "servebench run with " << kind << ": " << seconds << " s\n"
            << Slurp(dir.path() / "stdout") << std::endl;
  ASSERT_EQ(status, 0) << Slurp(dir.path() / "stderr");
  ASSERT_EQ(std::distance(fs::directory_iterator(runs), fs::directory_iterator()), 1);
  const fs::path run_dir = fs::directory_iterator(runs)->path();

  const json results = json::parse(Slurp(run_dir / "results.json"));
  ASSERT_EQ(results["cells"].size(), 3u);
  for (const json& cell : results["cells"]) {
    const std::string id = cell["cell_id"];
    ASSERT_EQ(cell["status"], "ok") << cell["failure"].dump(2);
    EXPECT_EQ(cell["server_kind"], kind);
    if (cell["scenario_kind"] == "cold_start") {
      ASSERT_EQ(cell["cold_start"]["repeats"].size(), 1u) << id;
      const json& r = cell["cold_start"]["repeats"][0];
      EXPECT_GT(r["spawn_to_ready_s"].get<double>(), 0) << r;
      EXPECT_GE(r["ready_to_first_inference_s"].get<double>(), 0) << r;
      EXPECT_NEAR(
          r["spawn_to_first_inference_s"].get<double>(),
          r["spawn_to_ready_s"].get<double>() + r["ready_to_first_inference_s"].get<double>(), 1e-6)
          << r;
      // Spawn -> ready -> model ready -> first inference, each step timed.
      ASSERT_TRUE(r.contains("ready_to_model_ready_s")) << r;
      ASSERT_TRUE(r.contains("model_ready_to_first_inference_s")) << r;
      EXPECT_NEAR(r["ready_to_first_inference_s"].get<double>(),
                  r["ready_to_model_ready_s"].get<double>() +
                      r["model_ready_to_first_inference_s"].get<double>(),
                  1e-6)
          << r;
      if (kind == "torchserve") {
        // TorchServe's /ping answers before a worker has loaded the model: the worker's start
        // (a Python process importing torch, then loading the model) is the model-ready step,
        // and the first inference follows at once.
        EXPECT_GT(r["ready_to_model_ready_s"].get<double>(), 0.2) << r;
        EXPECT_GT(r["ready_to_model_ready_s"].get<double>(),
                  r["model_ready_to_first_inference_s"].get<double>())
            << r;
      } else {
        // Triton (--strict-readiness) and MLServer say ready once the model is.
        EXPECT_LT(r["ready_to_model_ready_s"].get<double>(), 0.5) << r;
      }
      // Every one of them has a repository API (TorchServe's on its management port).
      ASSERT_TRUE(r.contains("model_load_s")) << r;
      EXPECT_GT(r["model_load_s"].get<double>(), 0) << r;
      continue;
    }
    if (cell["scenario_kind"] == "accuracy") {
      // The digits test split through the real server answers as the card (Python's forward of
      // the same file) says, within the one-sample leeway of docs/metrics.md.
      const json& accuracy = cell["accuracy"];
      ASSERT_EQ(accuracy["status"], "measured") << accuracy;
      EXPECT_EQ(accuracy["samples"], accuracy["card_samples"]) << accuracy;
      EXPECT_LE(std::abs(accuracy["differs_by"].get<int>()), 1) << accuracy;
      EXPECT_TRUE(accuracy["warning"].is_null()) << accuracy;
      continue;
    }
    ASSERT_EQ(cell["levels"].size(), 2u) << id;
    for (const json& level : cell["levels"]) {
      const json& requests = level["load"]["requests"];
      EXPECT_GT(requests["ok"].get<int64_t>(), 0) << requests;
      EXPECT_EQ(requests["ok"], requests["completed"]) << requests;
      for (const auto& [what, count] : requests["errors"].items()) {
        EXPECT_EQ(count, 0) << what << " in " << requests;
      }
      EXPECT_GT(level["load"]["throughput_rps"].get<double>(), 0);
      EXPECT_GT(level["resources"]["samples"].get<int>(), 0);
      if (kind == "triton") {  // its nv_inference_* metrics give the server-side split
        EXPECT_FALSE(level["server_side"].is_null()) << level;
      }
    }
  }
  // servebench stopped every process of every start.
  std::vector<std::string> left;
  EXPECT_TRUE(WaitFor(
      [&] {
        left = ProcessesMentioning(run_dir.string());
        return left.empty();
      },
      5))
      << "left behind: " << ::testing::PrintToString(left);
}

TEST(RealSystemsRunTest, Triton) {
  RunSystem("triton", "tritonserver",
            ", dynamic_batching: true, max_batch_size: 8, max_queue_delay_us: 500");
}

TEST(RealSystemsRunTest, TorchServe) {
  RunSystem("torchserve", "torchserve",
            ", dynamic_batching: true, max_batch_size: 8, max_queue_delay_us: 1000");
}

TEST(RealSystemsRunTest, MlServer) {
  RunSystem("mlserver", "mlserver",
            ", dynamic_batching: true, max_batch_size: 8, max_queue_delay_us: 1000");
}

// The same over KServe v2 gRPC: readiness, cold start with the repository calls, the load and
// the accuracy pass all through the system's gRPC port.
TEST(RealSystemsRunTest, TritonOverGrpc) {
  RunSystem("triton", "tritonserver", ", protocol: grpc");
}

TEST(RealSystemsRunTest, MlServerOverGrpc) {
  RunSystem("mlserver", "mlserver", ", protocol: grpc");
}

}  // namespace
}  // namespace servebench
