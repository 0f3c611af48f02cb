// Copyright servebench authors.
//
// `servebench run` end to end through each wire protocol beyond KServe v2 JSON: the C++ server
// and Triton over the REST binary extension (http-binary), TF Serving's REST API against the
// double of TF Serving started by the tfserving launcher (tfserving-rest), and a FastAPI service
// with a schema of its own (http-json). Each run measures a short concurrency sweep and, where
// the server runs the real model, the digits test split through it (accuracy): every request
// must succeed, pass the protocol's response check, and the accuracy must be the card's.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

extern char** environ;

namespace servebench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kRunTimeoutS = 240;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool WaitFor(const std::function<bool()>& condition, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

pid_t Spawn(const std::vector<std::string>& args, const fs::path& out, const fs::path& err) {
  std::vector<std::string> argv = args;
  std::vector<char*> c_argv;
  for (auto& a : argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, c_argv[0], &actions, nullptr, c_argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

class WireRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "servebench-wire-run-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    zoo_ = SERVEBENCH_QUICK_ZOO;
    ASSERT_TRUE(fs::exists(zoo_ / "digits-mlp" / "config.pbtxt"))
        << "the quick zoo (fixture zoo_quick) has no digits-mlp under " << zoo_;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // Runs servebench on `servers` (YAML list items) with `scenarios`; the results' cells.
  json Run(const std::string& repository, const std::string& servers,
           const std::string& scenarios) {
    std::ofstream(dir_ / "run.yaml")
        << "name: wire-e2e\nmodels:\n  repository: " << repository
        << "\n  variants: [digits-mlp]\nservers:\n"
        << servers << "scenarios:\n"
        << scenarios
        << "measurement:\n  warmup: 200ms\n  window: 200ms\n  min_duration: 600ms\n"
           "  min_requests: 20\n  max_duration: 1500ms\n  request_timeout: 5s\n"
           "slo: {percentile: 99, bound: 500ms}\n";
    const fs::path runs = dir_ / "runs";
    const pid_t pid =
        Spawn({SERVEBENCH_BINARY, "run", (dir_ / "run.yaml").string(), "--out", runs.string()},
              dir_ / "stdout", dir_ / "stderr");
    int status = 0;
    if (!WaitFor([&] { return waitpid(pid, &status, WNOHANG) == pid; }, kRunTimeoutS)) {
      kill(pid, SIGINT);
      waitpid(pid, &status, 0);
      ADD_FAILURE() << "servebench run did not end in " << kRunTimeoutS << " s";
      return json::array();
    }
    std::cout << Slurp(dir_ / "stdout") << std::endl;
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << Slurp(dir_ / "stderr");
    if (!fs::exists(runs)) return json::array();
    const fs::path run_dir = fs::directory_iterator(runs)->path();
    return json::parse(Slurp(run_dir / "results.json"))["cells"];
  }

  // Every cell ok; every level's requests all succeeded; accuracy as the card says.
  static void ExpectAllGood(const json& cells, size_t count) {
    ASSERT_EQ(cells.size(), count);
    for (const json& cell : cells) {
      ASSERT_EQ(cell["status"], "ok") << cell["failure"].dump(2);
      if (cell["scenario_kind"] == "accuracy") {
        const json& accuracy = cell["accuracy"];
        ASSERT_EQ(accuracy["status"], "measured") << accuracy;
        EXPECT_EQ(accuracy["samples"], accuracy["card_samples"]) << accuracy;
        EXPECT_LE(std::abs(accuracy["differs_by"].get<int>()), 1) << accuracy;
        continue;
      }
      if (cell["scenario_kind"] == "cold_start") continue;
      for (const json& level : cell["levels"]) {
        const json& requests = level["load"]["requests"];
        EXPECT_GT(requests["ok"].get<int64_t>(), 0) << requests;
        EXPECT_EQ(requests["ok"], requests["completed"]) << requests;
        for (const auto& [what, n] : requests["errors"].items()) {
          EXPECT_EQ(n, 0) << what << " in " << requests;
        }
      }
    }
  }

  fs::path dir_;
  fs::path zoo_;
};

const char kSweepAndAccuracy[] =
    "  - {name: conc, kind: concurrency_sweep, levels: [1, 4]}\n"
    "  - {name: acc, kind: accuracy, batch: 8}\n";

#ifdef SERVEBENCH_TS_SERVER_BINARY
TEST_F(WireRunTest, TorchScriptServerOverTheBinaryExtension) {
  const json cells =
      Run(zoo_.string(),
          "  - {name: ts-binary, kind: torchscript, protocol: http-binary, binary: " +
              std::string(SERVEBENCH_TS_SERVER_BINARY) + "}\n",
          std::string(kSweepAndAccuracy) + "  - {name: cold, kind: cold_start, repeats: 1}\n");
  ExpectAllGood(cells, 3);
}
#endif

TEST_F(WireRunTest, TritonOverTheBinaryExtension) {
  const fs::path triton =
      fs::path(SERVEBENCH_BINARY).parent_path() / "venv/triton/bin/tritonserver";
  if (access(triton.c_str(), X_OK) != 0) GTEST_SKIP() << "Triton is not installed: " << triton;
  const json cells =
      Run(zoo_.string(), "  - {name: triton-binary, kind: triton, protocol: http-binary}\n",
          kSweepAndAccuracy);
  ExpectAllGood(cells, 2);
}

TEST_F(WireRunTest, TfServingDoubleThroughTheLauncher) {
  // The zoo's digits-mlp (servebench checks its TorchScript file) with a SavedModel folder for
  // the double to find (it runs no model).
  const fs::path repo = dir_ / "repo";
  fs::create_directories(repo / "digits-mlp/1/model.savedmodel");
  std::ofstream(repo / "digits-mlp/1/model.savedmodel/saved_model.pb") << "double";
  fs::copy_file(zoo_ / "digits-mlp/config.pbtxt", repo / "digits-mlp/config.pbtxt");
  fs::create_symlink(zoo_ / "digits-mlp/1/model.pt", repo / "digits-mlp/1/model.pt");
  const std::string log = (dir_ / "double.log").string();
  setenv("SERVEBENCH_TFSERVING_DOUBLE_LOG", log.c_str(), 1);
  const json cells =
      Run(repo.string(),
          "  - {name: tf, kind: tfserving, binary: " + std::string(SERVEBENCH_SOURCE_DIR) +
              "/tests/support/tfserving_double.py}\n",
          "  - {name: conc, kind: concurrency_sweep, levels: [1, 2]}\n"
          "  - {name: cold, kind: cold_start, repeats: 1}\n");
  unsetenv("SERVEBENCH_TFSERVING_DOUBLE_LOG");
  ExpectAllGood(cells, 2);
  // The load went to TF Serving's predict path.
  EXPECT_NE(Slurp(log).find("\"path\": \"/v1/models/digits-mlp:predict\""), std::string::npos);
}

TEST_F(WireRunTest, FastApiServiceWithASchemaOfItsOwn) {
  const fs::path port_file = dir_ / "port";
  const pid_t app = Spawn(
      {"/usr/bin/python3", std::string(SERVEBENCH_SOURCE_DIR) + "/tests/support/json_api_app.py",
       "--model-pt", (zoo_ / "digits-mlp/1/model.pt").string(), "--port-file", port_file.string()},
      dir_ / "app.out", dir_ / "app.err");
  const bool up = WaitFor([&] { return fs::exists(port_file); }, 60);
  std::string port = Slurp(port_file);
  if (up) {
    const json cells =
        Run(zoo_.string(),
            "  - name: json-api\n    kind: external\n    url: http://127.0.0.1:" + port +
                "\n    protocol: http-json\n    protocol_options:\n"
                "      path: /api/{model}/predict\n"
                "      headers: {X-Api-Key: k1}\n"
                "      body: {data: {features: null}, meta: {client: servebench}}\n"
                "      input_pointer: /data/features\n      input_shape: [64]\n"
                "      output_pointer: /result/scores\n      output_shape: [10]\n"
                "      ready_path: /healthz\n",
            kSweepAndAccuracy);
    ExpectAllGood(cells, 2);
  } else {
    ADD_FAILURE() << "the FastAPI app did not start: " << Slurp(dir_ / "app.err");
  }
  kill(app, SIGTERM);
  int status = 0;
  if (!WaitFor([&] { return waitpid(app, &status, WNOHANG) == app; }, 10)) {
    kill(app, SIGKILL);
    waitpid(app, &status, 0);
  }
}

}  // namespace
}  // namespace servebench
