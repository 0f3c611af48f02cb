// Copyright servebench authors.
//
// The tfserving launcher and the tfserving-rest protocol against tests/support/tfserving_double.py,
// a double of TF Serving's model server written from its published API (not TF Serving): the
// launcher's command line and generated models.config, monitoring.config and batching.config; a
// start of the double through the plan, where readiness must wait out the LOADING state that
// the status call answers with 200; the exact requests the adapter sends (logged by the double);
// its responses, known truths, read back in both request forms; and error bodies.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "servebench/core/clock.h"
#include "servebench/lifecycle/server_process.h"
#include "servebench/protocols/http_client.h"
#include "servebench/protocols/protocol_adapter.h"
#include "servebench/systems/serving_system.h"

namespace servebench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kDouble =
    std::string(SERVEBENCH_SOURCE_DIR) + "/tests/support/tfserving_double.py";

std::string Slurp(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class TfServingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "servebench-tfserving-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    // A zoo model with SavedModels in versions 1 and 2 (Triton's layout), a TorchScript-only 3.
    for (const char* version : {"1", "2"}) {
      fs::create_directories(root_ / "repo/digits-mlp" / version / "model.savedmodel/variables");
      std::ofstream(root_ / "repo/digits-mlp" / version / "model.savedmodel/saved_model.pb")
          << "pb";
    }
    fs::create_directories(root_ / "repo/digits-mlp/3");
    std::ofstream(root_ / "repo/digits-mlp/3/model.pt") << "pt";
    std::ofstream(root_ / "repo/digits-mlp/config.pbtxt") << "name: \"digits-mlp\"\n";
    setenv("SERVEBENCH_TFSERVING_DOUBLE_LOG", (root_ / "double.log").c_str(), 1);
    setenv("SERVEBENCH_TFSERVING_DOUBLE_LOADING_S", "0.4", 1);
  }
  void TearDown() override {
    unsetenv("SERVEBENCH_TFSERVING_DOUBLE_LOG");
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  ServerConfig Server(const std::string& keys) {
    const ServingSystem* system = FindServingSystem("tfserving");
    EXPECT_NE(system, nullptr);
    const YAML::Node node = YAML::Load(keys);
    const Fields fields(node, "servers[0]", system->keys());
    return {"tf", "tfserving", {}, system->ReadSettings(fields, root_.string())};
  }

  bool Plan(const ServerConfig& server, LaunchPlan* plan, std::string* error) {
    return FindServingSystem("tfserving")
        ->Plan(server, {"digits-mlp", (root_ / "repo").string()}, {"", SERVEBENCH_SOURCE_DIR},
               (root_ / "work").string(), plan, error);
  }

  // The double's log: its start line, then one line per request.
  std::vector<json> Log() {
    std::vector<json> lines;
    std::istringstream in(Slurp(root_ / "double.log"));
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    return lines;
  }

  fs::path root_;
};

TEST_F(TfServingTest, PlansTheCommandLineAndConfigFiles) {
  LaunchPlan plan;
  std::string error;
  ASSERT_TRUE(Plan(Server("{binary: " + kDouble +
                          ", dynamic_batching: true, max_batch_size: 8, max_queue_delay_us: 300,"
                          " preferred_batch_sizes: [4, 2], intra_op_threads: 2}"),
                   &plan, &error))
      << error;
  const fs::path work = root_ / "work";
  ASSERT_EQ(plan.argv.size(), 9u) << json(plan.argv).dump();
  const std::string rest = plan.base_url.substr(plan.base_url.rfind(':') + 1);
  EXPECT_EQ(plan.argv[0], kDouble);
  EXPECT_EQ(plan.argv[1].rfind("--port=", 0), 0u);
  EXPECT_NE(plan.argv[1], "--port=" + rest);
  EXPECT_EQ(plan.argv[2], "--rest_api_port=" + rest);
  EXPECT_EQ(plan.argv[3], "--model_config_file=" + (work / "models.config").string());
  EXPECT_EQ(plan.argv[4], "--monitoring_config_file=" + (work / "monitoring.config").string());
  EXPECT_EQ(plan.argv[5], "--file_system_poll_wait_seconds=0");
  EXPECT_EQ(plan.argv[6], "--enable_batching=true");
  EXPECT_EQ(plan.argv[7], "--batching_parameters_file=" + (work / "batching.config").string());
  EXPECT_EQ(plan.argv[8], "--tensorflow_intra_op_parallelism=2");
  EXPECT_EQ(plan.base_url, "http://127.0.0.1:" + rest);
  EXPECT_EQ(plan.protocol, kTfServingRest);
  EXPECT_EQ(plan.metrics_url, plan.base_url + "/monitoring/prometheus/metrics");
  EXPECT_FALSE(plan.has_repository_api);
  EXPECT_EQ(plan.model, "digits-mlp");
  EXPECT_EQ(Slurp(work / "models.config"),
            "# Written by servebench for server tf.\n"
            "model_config_list {\n  config {\n    name: \"digits-mlp\"\n    base_path: \"" +
                (work / "models/digits-mlp").string() +
                "\"\n    model_platform: \"tensorflow\"\n  }\n}\n");
  EXPECT_EQ(Slurp(work / "monitoring.config"),
            "prometheus_config {\n  enable: true\n  path: \"/monitoring/prometheus/metrics\"\n}\n");
  EXPECT_EQ(Slurp(work / "batching.config"),
            "max_batch_size { value: 8 }\nbatch_timeout_micros { value: 300 }\n"
            "allowed_batch_sizes: 2\nallowed_batch_sizes: 4\nallowed_batch_sizes: 8\n");
  // TF Serving's layout: <base_path>/<version>/saved_model.pb, versions with a SavedModel only.
  EXPECT_TRUE(fs::is_regular_file(work / "models/digits-mlp/1/saved_model.pb"));
  EXPECT_TRUE(fs::is_regular_file(work / "models/digits-mlp/2/saved_model.pb"));
  EXPECT_FALSE(fs::exists(work / "models/digits-mlp/3"));

  // Without batching or threads: no batching flags, no batching file.
  ASSERT_TRUE(Plan(Server("{binary: " + kDouble + "}"), &plan, &error)) << error;
  EXPECT_EQ(plan.argv.size(), 6u);
  EXPECT_FALSE(fs::exists(work / "batching.config"));
}

TEST_F(TfServingTest, RefusesAMissingProgramAndAModelWithoutSavedModel) {
  const ServerConfig missing =
      Server("{binary: " + (root_ / "no/tensorflow_model_server").string() + "}");
  std::string error;
  EXPECT_FALSE(FindServingSystem("tfserving")->Available(missing, {}, &error));
  EXPECT_NE(error.find("TF Serving's tensorflow_model_server is not installed here"),
            std::string::npos)
      << error;
  // On PATH by default: a PATH without it names the program.
  const std::string path = getenv("PATH");
  setenv("PATH", root_.c_str(), 1);
  EXPECT_FALSE(FindServingSystem("tfserving")->Available(Server("{}"), {}, &error));
  setenv("PATH", path.c_str(), 1);
  EXPECT_NE(error.find("tensorflow_model_server"), std::string::npos) << error;

  fs::remove_all(root_ / "repo/digits-mlp/1");
  fs::remove_all(root_ / "repo/digits-mlp/2");
  LaunchPlan plan;
  EXPECT_FALSE(Plan(Server("{binary: " + kDouble + "}"), &plan, &error));
  EXPECT_NE(error.find("model 'digits-mlp': no TF SavedModel"), std::string::npos) << error;

  EXPECT_THROW(Server("{protocol: kserve-v2-rest}"), ConfigError);
  EXPECT_THROW(Server("{protocol_options: {form: rows}}"), ConfigError);
  EXPECT_THROW(Server("{instances: 2}"), ConfigError);
}

// Starts the double through the plan and waits for readiness as the runner does.
class RunningDouble {
 public:
  RunningDouble(const LaunchPlan& plan, const fs::path& log, const ProtocolAdapter& adapter)
      : plan_(plan) {
    std::string error;
    process_ = ServerProcess::Start(plan, {}, log.string(), &error);
    EXPECT_NE(process_, nullptr) << error;
    if (process_ == nullptr) return;
    int64_t ready_ns = 0;
    EXPECT_TRUE(process_->WaitReady(adapter, 20 * kNanosPerSecond, &ready_ns, &error)) << error;
    ready_ = PollUntilOk(process_.get(), "model ready", plan.base_url,
                         adapter.ModelReadyCall(plan.model), kNanosPerSecond, 20 * kNanosPerSecond,
                         20 * kNanosPerMilli, &ready_ns, &error, &adapter);
    EXPECT_TRUE(ready_) << error;
    ready_after_s_ = (ready_ns - process_->spawn_ns()) / 1e9;
  }
  ~RunningDouble() {
    if (process_) process_->Stop(2 * kNanosPerSecond);
  }
  bool ready() const { return ready_; }
  double ready_after_s() const { return ready_after_s_; }

 private:
  LaunchPlan plan_;
  std::unique_ptr<ServerProcess> process_;
  bool ready_ = false;
  double ready_after_s_ = 0;
};

// The double's known truth: output j of sample x is sum(x) * (j + 1) / 64.
std::vector<double> Truth(const json& samples) {
  std::vector<double> out;
  for (const json& s : samples) {
    double sum = 0;
    for (const json& v : s) sum += v.get<double>();
    for (int j = 0; j < 10; ++j) out.push_back(sum * (j + 1) / 64);
  }
  return out;
}

TEST_F(TfServingTest, ServesThroughThePlanWithTheExactRequestsOfTheRestApi) {
  LaunchPlan plan;
  std::string error;
  ASSERT_TRUE(Plan(Server("{binary: " + kDouble + "}"), &plan, &error)) << error;
  auto adapter = NewProtocolAdapter(plan.protocol, plan.protocol_options, &error);
  ASSERT_NE(adapter, nullptr) << error;
  RunningDouble server(plan, root_ / "server.log", *adapter);
  ASSERT_TRUE(server.ready()) << Slurp(root_ / "server.log");
  // Ready only once AVAILABLE: the status call answered 200 with LOADING before.
  EXPECT_GE(server.ready_after_s(), 0.4);
  std::vector<json> log = Log();
  ASSERT_GE(log.size(), 3u);
  EXPECT_EQ(log[0]["argv"], json(std::vector<std::string>(plan.argv.begin() + 1, plan.argv.end())));
  EXPECT_EQ(log[0]["models_config"], Slurp(root_ / "work/models.config"));
  int status_calls = 0;
  for (const json& line : log) status_calls += line.value("path", "") == "/v1/models/digits-mlp";
  EXPECT_GE(status_calls, 2) << "readiness stopped at the first 200 (LOADING)";

  HttpCall call;
  ASSERT_TRUE(adapter->BuildInferCall(plan.base_url, "digits-mlp", 3, &call, &error)) << error;
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.path, "/v1/models/digits-mlp:predict");
  const json request = json::parse(call.body);
  ASSERT_TRUE(request.contains("instances"));
  EXPECT_EQ(request.size(), 1u);  // serving_default needs no signature_name
  ASSERT_EQ(request["instances"].size(), 3u);
  EXPECT_EQ(request["instances"][2].size(), 64u);
  HttpReply reply;
  ASSERT_TRUE(HttpFetch(call.method, plan.base_url + call.path, call.headers, call.body,
                        5 * kNanosPerSecond, &reply, &error))
      << error;
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_TRUE(adapter->CheckInferResponse(reply.body, 3, &error)) << error;
  std::vector<TensorValues> outputs;
  ASSERT_TRUE(adapter->ReadOutputs(reply.body, &outputs, &error)) << error;
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0].shape, (std::vector<int64_t>{3, 10}));
  const std::vector<double> truth = Truth(request["instances"]);
  ASSERT_EQ(outputs[0].values.size(), truth.size());
  for (size_t i = 0; i < truth.size(); ++i) EXPECT_NEAR(outputs[0].values[i], truth[i], 1e-9);

  // What reached the server, byte for byte: the metadata call, then the predict call.
  log = Log();
  const json& metadata = log[log.size() - 2];
  EXPECT_EQ(metadata["method"], "GET");
  EXPECT_EQ(metadata["path"], "/v1/models/digits-mlp/metadata");
  const json& predict = log.back();
  EXPECT_EQ(predict["method"], "POST");
  EXPECT_EQ(predict["path"], "/v1/models/digits-mlp:predict");
  EXPECT_EQ(predict["headers"]["Content-Type"], "application/json");
  EXPECT_EQ(predict["headers"]["Content-Length"], std::to_string(call.body.size()));
  EXPECT_EQ(predict["body"], call.body);
}

TEST_F(TfServingTest, ColumnarFormAVersionAndErrorBodies) {
  LaunchPlan plan;
  std::string error;
  ASSERT_TRUE(
      Plan(Server("{binary: " + kDouble + ", protocol_options: {form: inputs, version: 2}}"), &plan,
           &error))
      << error;
  EXPECT_EQ(json::parse(plan.protocol_options), json::parse(R"({"form": "inputs", "version": 2})"));
  auto adapter = NewProtocolAdapter(plan.protocol, plan.protocol_options, &error);
  ASSERT_NE(adapter, nullptr) << error;
  RunningDouble server(plan, root_ / "server.log", *adapter);
  ASSERT_TRUE(server.ready()) << Slurp(root_ / "server.log");
  HttpCall call;
  ASSERT_TRUE(adapter->BuildInferCall(plan.base_url, "digits-mlp", 2, &call, &error)) << error;
  EXPECT_EQ(call.path, "/v1/models/digits-mlp/versions/2:predict");
  const json request = json::parse(call.body);
  ASSERT_TRUE(request.contains("inputs"));
  ASSERT_EQ(request["inputs"].size(), 2u);
  HttpReply reply;
  ASSERT_TRUE(HttpFetch("POST", plan.base_url + call.path, call.headers, call.body,
                        5 * kNanosPerSecond, &reply, &error));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_TRUE(json::parse(reply.body).contains("outputs"));
  std::vector<TensorValues> outputs;
  ASSERT_TRUE(adapter->ReadOutputs(reply.body, &outputs, &error)) << error;
  EXPECT_EQ(outputs[0].values, Truth(request["inputs"]));

  // The server's error bodies, parsed into the message: a version it lacks, a malformed input.
  ASSERT_TRUE(HttpFetch("POST", plan.base_url + "/v1/models/digits-mlp/versions/9:predict",
                        call.headers, call.body, 5 * kNanosPerSecond, &reply, &error));
  EXPECT_EQ(reply.status, 404);
  EXPECT_FALSE(adapter->CheckInferResponse(reply.body, 2, &error));
  EXPECT_EQ(error, "server error: Could not find version 9 of model digits-mlp");
  ASSERT_TRUE(HttpFetch("POST", plan.base_url + call.path, call.headers, R"({"inputs": [[1]]})",
                        5 * kNanosPerSecond, &reply, &error));
  EXPECT_EQ(reply.status, 400);
  EXPECT_FALSE(adapter->CheckInferResponse(reply.body, 1, &error));
  EXPECT_NE(error.find("server error: input must be samples of 64 numbers"), std::string::npos)
      << error;
  // A model it does not serve: its metadata call fails, naming the call.
  EXPECT_FALSE(adapter->BuildInferCall(plan.base_url, "other", 1, &call, &error));
  EXPECT_NE(error.find("/v1/models/other/versions/2/metadata: HTTP 404"), std::string::npos)
      << error;
}

}  // namespace
}  // namespace servebench
