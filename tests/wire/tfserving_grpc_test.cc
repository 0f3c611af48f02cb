// Copyright servebench authors.
//
// The tfserving-grpc protocol: its messages against known bytes, written out here by hand from
// the published field numbers (tensorflow_serving/apis/*.proto, tensorflow/core/framework/
// tensor.proto), so that a wrong number in proto/tfserving_apis.proto fails; then the tfserving
// launcher with `protocol: tfserving-grpc` against tests/support/tfserving_double.py (a double of
// TF Serving, not TF Serving, whose gRPC side decodes the wire format by hand): readiness through
// GetModelStatus (LOADING, then AVAILABLE), the exact Predict bytes that reach the server, the
// answer read back against the double's known truth, and gRPC errors.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "servebench/core/clock.h"
#include "servebench/lifecycle/server_process.h"
#include "servebench/protocols/http_client.h"
#include "servebench/protocols/protocol_adapter.h"
#include "servebench/protocols/tfserving_grpc_tensors.h"
#include "servebench/systems/serving_system.h"

namespace servebench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

std::string Hex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::unique_ptr<ProtocolAdapter> Adapter(const std::string& options = "") {
  std::string error;
  auto adapter = NewProtocolAdapter(kTfServingGrpc, options, &error);
  EXPECT_NE(adapter, nullptr) << error;
  return adapter;
}

// ModelSpec{name "m", version {value 2}, signature_name "sig"}.
const std::string kSpec =
    Bytes({0x0a, 0x01, 'm', 0x12, 0x02, 0x08, 0x02, 0x1a, 0x03, 's', 'i', 'g'});

// A TensorProto{dtype, tensor_shape [1, n]} prefix: dtype 1, dims in field 2 of field 2.
std::string TensorHead(int dtype, int n) {
  return Bytes({0x08, dtype, 0x12, 0x08, 0x12, 0x02, 0x08, 0x01, 0x12, 0x02, 0x08, n});
}

TEST(TfServingGrpcMessagesTest, PredictRequestBytesFollowThePublishedFieldNumbers) {
  // model_spec = 1; inputs = 2 (entry: key 1, value 2); TensorProto: dtype 1 (DT_FLOAT = 1),
  // tensor_shape 2 (dim 2: size 1), tensor_content 4 (1.5f and -2.0f, little-endian).
  const json inputs = json::parse(R"([{"name": "x", "datatype": "FP32", "shape": [1, 2],
                                       "data": [1.5, -2]}])");
  std::string request, error;
  ASSERT_TRUE(EncodePredictRequest({"m", 2, "", "sig"}, inputs, &request, &error)) << error;
  const std::string tensor =
      TensorHead(1, 2) + Bytes({0x22, 0x08, 0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0});
  const std::string entry = Bytes({0x0a, 0x01, 'x', 0x12, 0x16}) + tensor;
  EXPECT_EQ(Hex(request), Hex(Bytes({0x0a, 0x0c}) + kSpec + Bytes({0x12, 0x1b}) + entry));

  // A version label takes field 4, in the oneof's place of the version; two inputs go in name
  // order, whatever the order given; INT64 bytes too.
  const json two = json::parse(R"([{"name": "z", "datatype": "INT64", "shape": [1, 1], "data": [7]},
                                    {"name": "a", "datatype": "BOOL", "shape": [1, 1],
                                     "data": [true]}])");
  ASSERT_TRUE(EncodePredictRequest({"m", 0, "l", ""}, two, &request, &error)) << error;
  const std::string a =
      Bytes({0x0a, 0x01, 'a', 0x12, 0x0f}) + TensorHead(10, 1) + Bytes({0x22, 0x01, 0x01});
  const std::string z = Bytes({0x0a, 0x01, 'z', 0x12, 0x16}) + TensorHead(9, 1) +
                        Bytes({0x22, 0x08, 7, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(Hex(request), Hex(Bytes({0x0a, 0x06, 0x0a, 0x01, 'm', 0x22, 0x01, 'l', 0x12, 0x14}) +
                              a + Bytes({0x12, 0x1b}) + z));
}

// PredictResponse{outputs (1): "b" DT_FLOAT [1, 2] float_val (5, packed) {0.5, 4}, "a" DT_INT64
// [1, 1] tensor_content {7}; model_spec (2): name "m"}, "b" first on the wire.
std::string KnownResponse(int b_width = 2) {
  std::string floats;
  for (int i = 0; i < b_width; ++i) {
    const float v = i == 0 ? 0.5f : 4.0f;
    char bytes[4];
    std::memcpy(bytes, &v, 4);
    floats.append(bytes, 4);
  }
  const std::string b =
      TensorHead(1, b_width) + Bytes({0x2a, static_cast<int>(floats.size())}) + floats;
  const std::string a = TensorHead(9, 1) + Bytes({0x22, 0x08, 7, 0, 0, 0, 0, 0, 0, 0});
  return Bytes({0x0a, static_cast<int>(5 + b.size()), 0x0a, 0x01, 'b', 0x12,
                static_cast<int>(b.size())}) +
         b + Bytes({0x0a, 0x1b, 0x0a, 0x01, 'a', 0x12, 0x16}) + a +
         Bytes({0x12, 0x03, 0x0a, 0x01, 'm'});
}

TEST(TfServingGrpcMessagesTest, ResponsesAreReadFromTypedFieldsAndTensorContent) {
  auto adapter = Adapter();
  std::vector<TensorValues> outputs;
  std::string error;
  ASSERT_TRUE(adapter->ReadOutputs(KnownResponse(), &outputs, &error)) << error;
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(outputs[0].name, "a");  // sorted by name
  EXPECT_EQ(outputs[0].shape, (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(outputs[0].values, (std::vector<double>{7}));
  EXPECT_EQ(outputs[1].name, "b");
  EXPECT_EQ(outputs[1].shape, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(outputs[1].values, (std::vector<double>{0.5, 4}));
  EXPECT_TRUE(adapter->CheckInferResponse(KnownResponse(), 1, &error)) << error;
  EXPECT_FALSE(adapter->CheckInferResponse(KnownResponse(), 2, &error));
  EXPECT_EQ(error, "output 'a': shape [1,1] does not start with the batch 2");
  EXPECT_FALSE(adapter->CheckInferResponse("\xff\xff", 1, &error));
  EXPECT_EQ(error, "the answer is not a PredictResponse");
}

TEST(TfServingGrpcMessagesTest, TheResponseCheckWantsTheReferencesOutputs) {
  auto adapter = Adapter();
  std::string error;
  auto check = adapter->NewResponseCheck(KnownResponse(), "ref", &error);
  ASSERT_NE(check, nullptr) << error;
  EXPECT_EQ(check->Describe(),
            "TF Serving gRPC Predict outputs as in ref: a DT_INT64 [1,1] b DT_FLOAT [1,2]");
  auto checker = check->NewChecker();
  std::string why;
  EXPECT_TRUE(checker->Check(KnownResponse(), &why)) << why;
  EXPECT_FALSE(checker->Check(KnownResponse(3), &why));
  EXPECT_EQ(why, "output 'b' is DT_FLOAT [1,3], expected DT_FLOAT [1,2]");
  EXPECT_FALSE(checker->Check("\x0a", &why));
  EXPECT_EQ(why, "the response is not a PredictResponse");
  // The right names and shapes, but too few values for the shape.
  std::string short_b = KnownResponse();
  short_b[1] = static_cast<char>(short_b[1] - 4);  // entry length
  short_b[6] = static_cast<char>(short_b[6] - 4);  // tensor length
  short_b[20] = 0x04;                              // float_val bytes
  short_b.erase(25, 4);
  EXPECT_FALSE(checker->Check(short_b, &why));
  EXPECT_EQ(why, "output 'b': 1 values for the 2 elements of shape [1,2]");
  EXPECT_TRUE(checker->Check(KnownResponse(), nullptr));  // checked again: the message is reused
  EXPECT_EQ(adapter->NewResponseCheck("", "empty", &error), nullptr);
  EXPECT_EQ(error,
            "empty is not a correct TF Serving predict response: the response has no outputs");
}

TEST(TfServingGrpcMessagesTest, ReadinessIsTheModelsStatus) {
  auto latest = Adapter();
  // GetModelStatusRequest{model_spec (1) {name "m"}}; with a version, version (2) {value 2}.
  HttpCall call = latest->ModelReadyCall("m");
  EXPECT_EQ(call.path, "/tensorflow.serving.ModelService/GetModelStatus");
  EXPECT_EQ(Hex(call.body), Hex(Bytes({0x0a, 0x03, 0x0a, 0x01, 'm'})));
  EXPECT_EQ(Hex(latest->ServerReadyCallFor("m").body), Hex(call.body));
  auto v2 = Adapter(R"({"version": 2})");
  EXPECT_EQ(Hex(v2->ModelReadyCall("m").body),
            Hex(Bytes({0x0a, 0x07, 0x0a, 0x01, 'm', 0x12, 0x02, 0x08, 0x02})));
  // model_version_status (1) {version 1, state 2: AVAILABLE = 30, LOADING = 20}.
  const std::string v1_available = Bytes({0x0a, 0x04, 0x08, 0x01, 0x10, 30});
  const std::string v1_loading = Bytes({0x0a, 0x04, 0x08, 0x01, 0x10, 20});
  EXPECT_TRUE(latest->SaysReady(v1_available));
  EXPECT_FALSE(latest->SaysReady(v1_loading));
  EXPECT_FALSE(latest->SaysReady(""));
  EXPECT_FALSE(v2->SaysReady(v1_available));  // version 2 was asked for
  EXPECT_TRUE(v2->SaysReady(v1_loading + Bytes({0x0a, 0x04, 0x08, 0x02, 0x10, 30})));
}

TEST(TfServingGrpcMessagesTest, OptionsAreCheckedByName) {
  std::string error;
  EXPECT_EQ(NewProtocolAdapter(kTfServingGrpc, R"({"form": "inputs"})", &error), nullptr);
  EXPECT_EQ(error,
            "protocol 'tfserving-grpc': unknown option 'form' (known: version, version_label, "
            "signature_name)");
  EXPECT_EQ(NewProtocolAdapter(kTfServingGrpc, R"({"version": 1, "version_label": "x"})", &error),
            nullptr);
  EXPECT_EQ(error,
            "protocol 'tfserving-grpc': give version or version_label, not both (ModelSpec holds "
            "one)");
  EXPECT_EQ(NewProtocolAdapter(kTfServingGrpc, R"({"version": 0})", &error), nullptr);
  EXPECT_NE(error.find("version must be a version number"), std::string::npos) << error;
}

// --- Through the launcher, against the double ---------------------------------------------

const std::string kDouble =
    std::string(SERVEBENCH_SOURCE_DIR) + "/tests/support/tfserving_double.py";

std::string Slurp(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class TfServingGrpcDoubleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "servebench-tfgrpc-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    for (const char* version : {"1", "2"}) {
      fs::create_directories(root_ / "repo/digits-mlp" / version / "model.savedmodel");
      std::ofstream(root_ / "repo/digits-mlp" / version / "model.savedmodel/saved_model.pb")
          << "pb";
    }
    std::ofstream(root_ / "repo/digits-mlp/config.pbtxt") << "name: \"digits-mlp\"\n";
    setenv("SERVEBENCH_TFSERVING_DOUBLE_LOG", (root_ / "double.log").c_str(), 1);
    setenv("SERVEBENCH_TFSERVING_DOUBLE_LOADING_S", "0.4", 1);
  }
  void TearDown() override {
    if (process_) process_->Stop(2 * kNanosPerSecond);
    unsetenv("SERVEBENCH_TFSERVING_DOUBLE_LOG");
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  // Plans the launcher with `keys` and starts the double through the plan; ready as servebench
  // run waits for it. The time from spawn to ready in *ready_s.
  bool Start(const std::string& keys, LaunchPlan* plan, double* ready_s) {
    const ServingSystem* system = FindServingSystem("tfserving");
    const YAML::Node node = YAML::Load(keys);
    const Fields fields(node, "servers[0]", system->keys());
    const ServerConfig server{"tf", "tfserving", {}, system->ReadSettings(fields, root_.string())};
    std::string error;
    if (!system->Plan(server, {"digits-mlp", (root_ / "repo").string()},
                      {"", SERVEBENCH_SOURCE_DIR}, (root_ / "work").string(), plan, &error)) {
      ADD_FAILURE() << error;
      return false;
    }
    adapter_ = NewProtocolAdapter(plan->protocol, plan->protocol_options, &error);
    if (adapter_ == nullptr) {
      ADD_FAILURE() << error;
      return false;
    }
    process_ = ServerProcess::Start(*plan, {}, (root_ / "server.log").string(), &error);
    int64_t ready_ns = 0;
    if (process_ == nullptr ||
        !process_->WaitReady(*adapter_, 20 * kNanosPerSecond, &ready_ns, &error)) {
      ADD_FAILURE() << error << "\n" << Slurp(root_ / "server.log");
      return false;
    }
    *ready_s = (ready_ns - process_->spawn_ns()) / 1e9;
    return true;
  }

  std::vector<json> Log() {
    std::vector<json> lines;
    std::istringstream in(Slurp(root_ / "double.log"));
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    return lines;
  }

  fs::path root_;
  std::unique_ptr<ProtocolAdapter> adapter_;
  std::unique_ptr<ServerProcess> process_;
};

TEST_F(TfServingGrpcDoubleTest, PredictsThroughTheGrpcPortWithTheExactBytes) {
  LaunchPlan plan;
  double ready_s = 0;
  ASSERT_TRUE(Start("{binary: " + kDouble + ", protocol: tfserving-grpc}", &plan, &ready_s));
  const std::string grpc_port = plan.argv[1].substr(std::strlen("--port="));
  EXPECT_EQ(plan.base_url, "grpc://127.0.0.1:" + grpc_port);
  EXPECT_EQ(plan.protocol, kTfServingGrpc);
  EXPECT_EQ(plan.metrics_url,
            "http://127.0.0.1:" + plan.argv[2].substr(16) + "/monitoring/prometheus/metrics");
  // Ready only once AVAILABLE: GetModelStatus answered OK with LOADING before.
  EXPECT_GE(ready_s, 0.4);
  int status_calls = 0;
  for (const json& line : Log()) {
    status_calls += line.value("grpc", "") == "/tensorflow.serving.ModelService/GetModelStatus";
  }
  EXPECT_GE(status_calls, 2) << "readiness stopped at the first OK (LOADING)";

  HttpCall call;
  std::string error;
  ASSERT_TRUE(adapter_->BuildInferCall(plan.base_url, "digits-mlp", 3, &call, &error)) << error;
  EXPECT_EQ(call.path, "/tensorflow.serving.PredictionService/Predict");
  HttpReply reply;
  ASSERT_TRUE(HttpFetch(call.method, plan.base_url + call.path, {}, call.body, 5 * kNanosPerSecond,
                        &reply, &error))
      << error;
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_TRUE(adapter_->CheckInferResponse(reply.body, 3, &error)) << error;
  std::vector<TensorValues> outputs;
  ASSERT_TRUE(adapter_->ReadOutputs(reply.body, &outputs, &error)) << error;
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0].name, "OUTPUT__0");
  ASSERT_EQ(outputs[0].shape, (std::vector<int64_t>{3, 10}));

  // The request as the double decoded it: INPUT__0 in tensor_content, 3 x 64 floats; the
  // double's truth (output j of a sample x is sum(x) * (j + 1) / 64) from those floats.
  tfserving::PredictRequest sent;
  ASSERT_TRUE(sent.ParseFromString(call.body));
  EXPECT_EQ(sent.model_spec().name(), "digits-mlp");
  EXPECT_FALSE(sent.model_spec().has_version());
  const tfserving::TensorProto& input = sent.inputs().at("INPUT__0");
  EXPECT_EQ(input.dtype(), tfserving::DT_FLOAT);
  ASSERT_EQ(input.tensor_content().size(), 3u * 64 * 4);
  for (int s = 0; s < 3; ++s) {
    double sum = 0;
    for (int k = 0; k < 64; ++k) {
      float v;
      std::memcpy(&v, input.tensor_content().data() + 4 * (s * 64 + k), 4);
      sum += v;
    }
    for (int j = 0; j < 10; ++j) {
      EXPECT_NEAR(outputs[0].values[s * 10 + j], sum * (j + 1) / 64, 1e-4 * (1 + std::abs(sum)));
    }
  }
  const std::vector<json> log = Log();
  ASSERT_GE(log.size(), 2u);
  EXPECT_EQ(log[log.size() - 2]["grpc"], "/tensorflow.serving.PredictionService/GetModelMetadata");
  EXPECT_EQ(log.back()["grpc"], "/tensorflow.serving.PredictionService/Predict");
  EXPECT_EQ(log.back()["body_hex"], Hex(call.body));  // byte for byte

  // gRPC errors as statuses: a model it does not serve (NOT_FOUND), a malformed input
  // (INVALID_ARGUMENT); the metadata call names itself.
  EXPECT_FALSE(adapter_->BuildInferCall(plan.base_url, "other", 1, &call, &error));
  EXPECT_NE(error.find("gRPC GetModelMetadata other at " + plan.base_url +
                       ": gRPC NOT_FOUND: Servable not found for request: Latest(other)"),
            std::string::npos)
      << error;
  sent.mutable_inputs()->at("INPUT__0").mutable_tensor_content()->resize(8);
  ASSERT_TRUE(HttpFetch("POST", plan.base_url + call.path, {}, sent.SerializeAsString(),
                        5 * kNanosPerSecond, &reply, &error));
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body, "gRPC INVALID_ARGUMENT: tensor_content has 8 bytes for 192 floats");
}

TEST_F(TfServingGrpcDoubleTest, AVersionAndASignatureGoInTheModelSpec) {
  LaunchPlan plan;
  double ready_s = 0;
  ASSERT_TRUE(
      Start("{binary: " + kDouble + ", protocol: tfserving-grpc, protocol_options: {version: 2}}",
            &plan, &ready_s));
  HttpCall call;
  std::string error;
  ASSERT_TRUE(adapter_->BuildInferCall(plan.base_url, "digits-mlp", 1, &call, &error)) << error;
  tfserving::PredictRequest sent;
  ASSERT_TRUE(sent.ParseFromString(call.body));
  EXPECT_EQ(sent.model_spec().version().value(), 2);
  HttpReply reply;
  ASSERT_TRUE(HttpFetch("POST", plan.base_url + call.path, {}, call.body, 5 * kNanosPerSecond,
                        &reply, &error));
  EXPECT_EQ(reply.status, 200) << reply.body;
  // A signature the model lacks: the server says so, and servebench passes it on.
  auto other = NewProtocolAdapter(kTfServingGrpc, R"({"signature_name": "other"})", &error);
  ASSERT_NE(other, nullptr) << error;
  EXPECT_FALSE(other->BuildInferCall(plan.base_url, "digits-mlp", 1, &call, &error));
  EXPECT_NE(error.find("gRPC INVALID_ARGUMENT: Serving signature key \"other\" not found."),
            std::string::npos)
      << error;
}

}  // namespace
}  // namespace servebench
