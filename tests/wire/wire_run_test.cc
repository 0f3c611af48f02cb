// Copyright servebench authors.
//
// `servebench run` end to end through each wire protocol beyond KServe v2 JSON: the C++ server
// and Triton over the REST binary extension (http-binary), TF Serving's REST and gRPC APIs
// against the double of TF Serving started by the tfserving launcher (tfserving-rest,
// tfserving-grpc; over gRPC wrong answers too, which must count as errors), and a FastAPI service
// with a schema of its own (http-json). Each run measures a short concurrency sweep and, where
// the server runs the real model, the digits test split through it (accuracy): every request
// must succeed, pass the protocol's response check, and the accuracy must be the card's.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
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

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick), or -1.
int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), size) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

// Whether something accepts TCP connections on 127.0.0.1:port.
bool Listens(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return ok;
}

// Ends a child process when it goes out of scope: SIGTERM, then SIGKILL after 10 s.
class Stopper {
 public:
  explicit Stopper(pid_t pid) : pid_(pid) {}
  ~Stopper() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    if (!WaitFor([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, 10)) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
  }
  Stopper(const Stopper&) = delete;
  Stopper& operator=(const Stopper&) = delete;

 private:
  const pid_t pid_;
};

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

// The zoo's digits-mlp (servebench checks its TorchScript file) with a SavedModel folder for
// the double of TF Serving to find (it runs no model); the repository's path.
fs::path TfServingRepository(const fs::path& zoo, const fs::path& dir) {
  const fs::path repo = dir / "repo";
  fs::create_directories(repo / "digits-mlp/1/model.savedmodel");
  std::ofstream(repo / "digits-mlp/1/model.savedmodel/saved_model.pb") << "double";
  fs::copy_file(zoo / "digits-mlp/config.pbtxt", repo / "digits-mlp/config.pbtxt");
  fs::create_symlink(zoo / "digits-mlp/1/model.pt", repo / "digits-mlp/1/model.pt");
  return repo;
}

TEST_F(WireRunTest, TfServingDoubleThroughTheLauncher) {
  const fs::path repo = TfServingRepository(zoo_, dir_);
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

// TF Serving's gRPC API through the launcher: every answer passes the Predict check; then, with
// the double answering every third Predict wrongly (an output of the wrong shape), those answers
// are validation errors, not successes.
TEST_F(WireRunTest, TfServingDoubleOverGrpcWithEveryAnswerChecked) {
  const fs::path repo = TfServingRepository(zoo_, dir_);
  const std::string log = (dir_ / "double.log").string();
  const std::string server =
      "  - {name: tf-grpc, kind: tfserving, protocol: tfserving-grpc, binary: " +
      std::string(SERVEBENCH_SOURCE_DIR) + "/tests/support/tfserving_double.py}\n";
  setenv("SERVEBENCH_TFSERVING_DOUBLE_LOG", log.c_str(), 1);
  json cells = Run(repo.string(), server,
                   "  - {name: conc, kind: concurrency_sweep, levels: [1, 2]}\n"
                   "  - {name: cold, kind: cold_start, repeats: 1}\n");
  unsetenv("SERVEBENCH_TFSERVING_DOUBLE_LOG");
  ExpectAllGood(cells, 2);
  const std::string requests = Slurp(log);
  EXPECT_NE(requests.find("\"grpc\": \"/tensorflow.serving.PredictionService/Predict\""),
            std::string::npos);
  EXPECT_EQ(requests.find(":predict"), std::string::npos);  // nothing went over REST

  fs::remove_all(dir_ / "runs");
  setenv("SERVEBENCH_TFSERVING_DOUBLE_WRONG_EVERY", "3", 1);
  cells = Run(repo.string(), server, "  - {name: conc, kind: concurrency_sweep, levels: [1]}\n");
  unsetenv("SERVEBENCH_TFSERVING_DOUBLE_WRONG_EVERY");
  ASSERT_EQ(cells.size(), 1u);
  ASSERT_EQ(cells[0]["levels"].size(), 1u) << cells[0].dump(2);
  const json& counts = cells[0]["levels"][0]["load"]["requests"];
  const double completed = counts["completed"].get<double>();
  const double wrong = counts["errors"]["validation"].get<double>();
  ASSERT_GT(completed, 20) << counts;
  EXPECT_EQ(counts["ok"].get<double>() + wrong, completed) << counts;
  EXPECT_NEAR(wrong / completed, 1.0 / 3, 0.05) << counts;
  EXPECT_EQ(counts["first_validation_error"],
            "output 'OUTPUT__0' is DT_FLOAT [1,9], expected DT_FLOAT [1,10]");
}

// `servebench load --model --protocol tfserving-grpc` at the double, started by hand: the same
// Predict request and check (every fourth answer wrong here), counted by gRPC status; a protocol
// that does not fit the URL's scheme is refused.
TEST_F(WireRunTest, LoadCommandSpeaksTfServingGrpc) {
  fs::create_directories(dir_ / "versions/1");
  std::ofstream(dir_ / "versions/1/saved_model.pb") << "double";
  std::ofstream(dir_ / "models.config")
      << "model_config_list {\n  config {\n    name: \"digits-mlp\"\n    base_path: \""
      << (dir_ / "versions").string() << "\"\n    model_platform: \"tensorflow\"\n  }\n}\n";
  const int port = FreeLoopbackPort();
  const int rest_port = FreeLoopbackPort();
  ASSERT_GT(port, 0);
  ASSERT_GT(rest_port, 0);
  setenv("SERVEBENCH_TFSERVING_DOUBLE_WRONG_EVERY", "4", 1);
  setenv("SERVEBENCH_TFSERVING_DOUBLE_LOADING_S", "0", 1);
  const pid_t tfs =
      Spawn({std::string(SERVEBENCH_SOURCE_DIR) + "/tests/support/tfserving_double.py",
             "--port=" + std::to_string(port), "--rest_api_port=" + std::to_string(rest_port),
             "--model_config_file=" + (dir_ / "models.config").string()},
            dir_ / "tfs.out", dir_ / "tfs.err");
  unsetenv("SERVEBENCH_TFSERVING_DOUBLE_WRONG_EVERY");
  unsetenv("SERVEBENCH_TFSERVING_DOUBLE_LOADING_S");
  const Stopper stop_double(tfs);
  const std::string url = "grpc://127.0.0.1:" + std::to_string(port);
  auto load = [&](const std::string& protocol, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {SERVEBENCH_BINARY, "load",       url,      "--model",
                                     "digits-mlp",      "--protocol", protocol, "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    const pid_t pid = Spawn(args, dir_ / "load.out", dir_ / "load.err");
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  // The double opens its REST port after its gRPC one; no Predict before the load's first (the
  // reference, which must be a right answer).
  ASSERT_TRUE(WaitFor([&] { return Listens(rest_port); }, 20)) << Slurp(dir_ / "tfs.err");
  EXPECT_EQ(load("tfserving-grpc", {"--concurrency", "1", "--duration", "500ms", "--warmup", "0s",
                                    "--json", (dir_ / "load.json").string()}),
            0)
      << Slurp(dir_ / "load.err");
  const json counts = json::parse(Slurp(dir_ / "load.json"))["requests"];
  const double completed = counts["completed"].get<double>();
  ASSERT_GT(completed, 20) << counts;
  EXPECT_NEAR(counts["errors"]["validation"].get<double>() / completed, 0.25, 0.05) << counts;
  EXPECT_EQ(counts["grpc_status_codes"]["OK"], counts["completed"]) << counts;
  EXPECT_EQ(counts["first_validation_error"],
            "output 'OUTPUT__0' is DT_FLOAT [1,9], expected DT_FLOAT [1,10]");
  // tfserving-rest is not spoken at a grpc:// URL.
  EXPECT_NE(load("tfserving-rest", {}), 0);
  EXPECT_NE(
      Slurp(dir_ / "load.err").find("--protocol tfserving-rest speaks to http:// URLs, not " + url),
      std::string::npos)
      << Slurp(dir_ / "load.err");
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
