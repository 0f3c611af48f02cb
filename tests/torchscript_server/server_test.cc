// End-to-end tests of build/servebench-torchscript on the models make_test_models.py writes:
// answers equal a direct libtorch forward over REST JSON, REST binary and gRPC; bad input gets
// its status and the server stays up; dynamic batching batches and still answers each request
// with its own result; the repository API loads and unloads; SIGTERM drains; idle connections
// are closed and running out of descriptors neither spins nor stops the server.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "server_process.h"

namespace servebench::ts::testing {
namespace {

using nlohmann::json;

struct Reference {
  std::vector<std::vector<float>> inputs;
  std::vector<std::vector<float>> outputs;
  std::vector<std::vector<float>> int8_outputs;  // mlp_int8 under qnnpack
};

const Reference& Ref() {
  static const Reference ref = [] {
    std::ifstream in(ModelsDir() + "/reference.json");
    json j = json::parse(in);
    Reference r;
    r.inputs = j["inputs"].get<std::vector<std::vector<float>>>();
    r.outputs = j["outputs"].get<std::vector<std::vector<float>>>();
    r.int8_outputs = j["int8_outputs"].get<std::vector<std::vector<float>>>();
    return r;
  }();
  return ref;
}

// Same libtorch, same weights; batched GEMMs may round differently in the last bits.
void ExpectClose(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5) << "element " << i;
}

std::string MlpBody(const std::vector<int>& rows, bool nested) {
  json data = json::array();
  for (int r : rows) {
    if (nested) {
      data.push_back(Ref().inputs[r]);
    } else {
      for (float v : Ref().inputs[r]) data.push_back(v);
    }
  }
  json body = {{"inputs",
                {{{"name", "INPUT__0"},
                  {"datatype", "FP32"},
                  {"shape", {rows.size(), 64}},
                  {"data", data}}}}};
  return body.dump();
}

std::string BinaryOf(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

std::vector<float> FloatsOf(const std::string& bytes) {
  std::vector<float> v(bytes.size() / sizeof(float));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return v;
}

class TorchScriptServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess({"--max-request-bytes", "1048576"});
    ASSERT_TRUE(server_->started()) << "server did not start";
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->Terminate(), 0);
    delete server_;
  }
  void TearDown() override { EXPECT_TRUE(server_->Running()) << "the server went down"; }

  static ServerProcess* server_;
};

ServerProcess* TorchScriptServerTest::server_ = nullptr;

TEST_F(TorchScriptServerTest, HealthMetadataAndIndex) {
  EXPECT_EQ(server_->Http("GET", "/v2/health/live").status, 200);
  EXPECT_EQ(server_->Http("GET", "/v2/health/ready").status, 200);
  json meta = json::parse(server_->Http("GET", "/v2").body);
  EXPECT_EQ(meta["name"], "servebench-torchscript");
  HttpResult model = server_->Http("GET", "/v2/models/mlp");
  ASSERT_EQ(model.status, 200);
  json m = json::parse(model.body);
  EXPECT_EQ(m["inputs"][0]["shape"], json({-1, 64}));
  EXPECT_EQ(m["outputs"][0]["datatype"], "FP32");
  EXPECT_EQ(json::parse(server_->Http("GET", "/v2/models/adder").body)["versions"],
            json({"1", "2"}));
  EXPECT_EQ(server_->Http("GET", "/v2/models/mlp/ready").status, 200);
  EXPECT_EQ(server_->Http("GET", "/v2/models/mlp/versions/1/ready").status, 200);

  // The model with a bad config is not loaded; the others are, and the index says why.
  EXPECT_EQ(server_->Http("GET", "/v2/models/broken/ready").status, 400);
  json index = json::parse(server_->Http("POST", "/v2/repository/index").body);
  bool found = false;
  for (const auto& e : index) {
    if (e["name"] == "broken") {
      found = true;
      EXPECT_EQ(e["state"], "UNAVAILABLE");
      std::string reason = e["reason"];
      EXPECT_NE(reason.find("config.pbtxt"), std::string::npos) << reason;
      EXPECT_NE(reason.find("bogus_field"), std::string::npos) << reason;
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(TorchScriptServerTest, RestJsonEqualsDirectForward) {
  for (bool nested : {false, true}) {
    for (int row = 0; row < 8; ++row) {
      HttpResult r = server_->Http("POST", "/v2/models/mlp/infer", MlpBody({row}, nested));
      ASSERT_EQ(r.status, 200) << r.body;
      json j = json::parse(r.body);
      EXPECT_EQ(j["outputs"][0]["shape"], json({1, 10}));
      ExpectClose(j["outputs"][0]["data"].get<std::vector<float>>(), Ref().outputs[row]);
    }
  }
  // A batch of four in one request comes back as four rows, each its own.
  HttpResult r = server_->Http("POST", "/v2/models/mlp/infer", MlpBody({3, 1, 4, 1}, true));
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<float> all = json::parse(r.body)["outputs"][0]["data"].get<std::vector<float>>();
  ASSERT_EQ(all.size(), 40u);
  int rows[] = {3, 1, 4, 1};
  for (int i = 0; i < 4; ++i) {
    ExpectClose(std::vector<float>(all.begin() + i * 10, all.begin() + i * 10 + 10),
                Ref().outputs[rows[i]]);
  }
}

TEST_F(TorchScriptServerTest, QuantizedModelRunsOnTheEngineItsConfigNames) {
  // mlp_int8 was packed for qnnpack (QUANTIZED_ENGINE), which is not torch's default here:
  // its answers equal Python's forward under qnnpack.
  for (int row = 0; row < 8; ++row) {
    HttpResult r = server_->Http("POST", "/v2/models/mlp_int8/infer", MlpBody({row}, false));
    ASSERT_EQ(r.status, 200) << r.body;
    ExpectClose(json::parse(r.body)["outputs"][0]["data"].get<std::vector<float>>(),
                Ref().int8_outputs[row]);
  }
}

TEST(TorchScriptQuantizedEngineTest, ASecondEngineIsRefusedNamingTheFirst) {
  namespace fs = std::filesystem;
  fs::path repo = fs::temp_directory_path() / ("ts-engines-" + std::to_string(::getpid()));
  fs::remove_all(repo);
  std::string config;
  {
    std::ifstream in(ModelsDir() + "/repository/mlp_int8/config.pbtxt");
    config.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  auto write = [&](const std::string& name, const std::string& engine) {
    fs::create_directories(repo / name / "1");
    fs::copy_file(ModelsDir() + "/repository/mlp_int8/1/model.pt", repo / name / "1" / "model.pt");
    std::string c = config;
    c.replace(c.find("name: \"mlp_int8\""), 16, "name: \"" + name + "\"");
    c.replace(c.find("\"qnnpack\""), 9, "\"" + engine + "\"");
    std::ofstream(repo / name / "config.pbtxt") << c;
  };
  write("a_int8", "qnnpack");  // loaded first (the repository loads in name order)
  write("b_int8", "onednn");
  {
    ServerProcess server({"--model-repository", repo.string()});
    ASSERT_TRUE(server.started());
    EXPECT_EQ(server.Http("GET", "/v2/models/a_int8/ready").status, 200);
    EXPECT_EQ(server.Http("GET", "/v2/models/b_int8/ready").status, 400);
    json index = json::parse(server.Http("POST", "/v2/repository/index").body);
    std::string reason;
    for (const auto& e : index) {
      if (e["name"] == "b_int8") reason = e.value("reason", "");
    }
    EXPECT_NE(reason.find("conflicts with 'qnnpack'"), std::string::npos) << reason;
    EXPECT_NE(reason.find("a_int8"), std::string::npos) << reason;
    HttpResult r = server.Http("POST", "/v2/models/a_int8/infer", MlpBody({0}, false));
    ASSERT_EQ(r.status, 200) << r.body;
    ExpectClose(json::parse(r.body)["outputs"][0]["data"].get<std::vector<float>>(),
                Ref().int8_outputs[0]);
  }
  fs::remove_all(repo);
}

TEST_F(TorchScriptServerTest, RestBinaryEqualsDirectForward) {
  for (int row = 0; row < 4; ++row) {
    std::string raw = BinaryOf(Ref().inputs[row]);
    json header = {{"inputs",
                    {{{"name", "INPUT__0"},
                      {"datatype", "FP32"},
                      {"shape", {1, 64}},
                      {"parameters", {{"binary_data_size", raw.size()}}}}}},
                   {"outputs", {{{"name", "OUTPUT__0"}, {"parameters", {{"binary_data", true}}}}}}};
    std::string h = header.dump();
    HttpResult r = server_->Http("POST", "/v2/models/mlp/infer", h + raw,
                                 {{"Inference-Header-Content-Length", std::to_string(h.size())}});
    ASSERT_EQ(r.status, 200) << r.body;
    size_t json_len = std::stoul(r.headers["inference-header-content-length"]);
    json j = json::parse(r.body.substr(0, json_len));
    EXPECT_EQ(j["outputs"][0]["parameters"]["binary_data_size"], 40);
    ExpectClose(FloatsOf(r.body.substr(json_len)), Ref().outputs[row]);
  }
}

TEST_F(TorchScriptServerTest, GrpcEqualsDirectForward) {
  auto stub = server_->GrpcStub();
  {
    grpc::ClientContext ctx;
    inference::ServerLiveResponse live;
    ASSERT_TRUE(stub->ServerLive(&ctx, {}, &live).ok());
    EXPECT_TRUE(live.live());
  }
  {
    grpc::ClientContext ctx;
    inference::ServerReadyResponse ready;
    ASSERT_TRUE(stub->ServerReady(&ctx, {}, &ready).ok());
    EXPECT_TRUE(ready.ready());
  }
  {
    grpc::ClientContext ctx;
    inference::ModelReadyRequest req;
    req.set_name("mlp");
    inference::ModelReadyResponse ready;
    ASSERT_TRUE(stub->ModelReady(&ctx, req, &ready).ok());
    EXPECT_TRUE(ready.ready());
  }
  {
    grpc::ClientContext ctx;
    inference::ServerMetadataResponse meta;
    ASSERT_TRUE(stub->ServerMetadata(&ctx, {}, &meta).ok());
    EXPECT_EQ(meta.name(), "servebench-torchscript");
  }
  {
    grpc::ClientContext ctx;
    inference::ModelMetadataRequest req;
    req.set_name("mlp");
    inference::ModelMetadataResponse meta;
    ASSERT_TRUE(stub->ModelMetadata(&ctx, req, &meta).ok());
    ASSERT_EQ(meta.inputs_size(), 1);
    EXPECT_EQ(meta.inputs(0).shape(1), 64);
  }
  for (bool raw : {true, false}) {
    for (int row = 0; row < 4; ++row) {
      grpc::ClientContext ctx;
      inference::ModelInferRequest req;
      req.set_model_name("mlp");
      auto* in = req.add_inputs();
      in->set_name("INPUT__0");
      in->set_datatype("FP32");
      in->add_shape(1);
      in->add_shape(64);
      if (raw) {
        req.add_raw_input_contents(BinaryOf(Ref().inputs[row]));
      } else {
        for (float v : Ref().inputs[row]) in->mutable_contents()->add_fp32_contents(v);
      }
      inference::ModelInferResponse resp;
      grpc::Status st = stub->ModelInfer(&ctx, req, &resp);
      ASSERT_TRUE(st.ok()) << st.error_message();
      ASSERT_EQ(resp.raw_output_contents_size(), 1);
      EXPECT_EQ(resp.outputs(0).name(), "OUTPUT__0");
      ExpectClose(FloatsOf(resp.raw_output_contents(0)), Ref().outputs[row]);
    }
  }
  // Typed INT32 contents, default (latest) version.
  grpc::ClientContext ctx;
  inference::ModelInferRequest req;
  req.set_model_name("adder");
  auto* in = req.add_inputs();
  in->set_name("A");
  in->set_datatype("INT32");
  in->add_shape(1);
  in->add_shape(4);
  for (int v : {1, 2, 3, 4}) in->mutable_contents()->add_int_contents(v);
  inference::ModelInferResponse resp;
  ASSERT_TRUE(stub->ModelInfer(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.model_version(), "2");
  std::vector<int32_t> out(4);
  std::memcpy(out.data(), resp.raw_output_contents(0).data(), 16);
  EXPECT_EQ(out, (std::vector<int32_t>{3, 4, 5, 6}));
}

TEST_F(TorchScriptServerTest, VersionsAndMultipleInputsOutputs) {
  std::string body =
      R"({"inputs":[{"name":"A","datatype":"INT32","shape":[1,4],"data":[1,2,3,4]}]})";
  json latest = json::parse(server_->Http("POST", "/v2/models/adder/infer", body).body);
  EXPECT_EQ(latest["model_version"], "2");
  EXPECT_EQ(latest["outputs"][0]["data"], json({3, 4, 5, 6}));
  json v1 = json::parse(server_->Http("POST", "/v2/models/adder/versions/1/infer", body).body);
  EXPECT_EQ(v1["outputs"][0]["data"], json({2, 3, 4, 5}));

  // Inputs in any order; outputs as requested.
  std::string pair = R"({"id":"q\"1","inputs":[
    {"name":"Y","datatype":"FP32","shape":[2,3],"data":[[1,2,3],[4,5,6]]},
    {"name":"X","datatype":"FP32","shape":[2,3],"data":[1,1,1,1,1,1]}],
    "outputs":[{"name":"DIFF"},{"name":"SUM"}]})";
  HttpResult r = server_->Http("POST", "/v2/models/pair/infer", pair);
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["id"], "q\"1");
  EXPECT_EQ(j["outputs"][0]["name"], "DIFF");
  EXPECT_EQ(j["outputs"][0]["data"], json({0, -1, -2, -3, -4, -5}));
  EXPECT_EQ(j["outputs"][1]["data"], json({2, 3, 4, 5, 6, 7}));
}

// Returns the status and checks that the error message mentions every one of `words`.
int ErrorStatus(const HttpResult& r, std::initializer_list<const char*> words) {
  if (r.status != 200) {
    json j = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.body;
    std::string msg = j.is_discarded() ? "" : j.value("error", "");
    for (const char* w : words) EXPECT_NE(msg.find(w), std::string::npos) << msg << " / " << w;
  }
  return r.status;
}

TEST_F(TorchScriptServerTest, BadRestInputGetsItsStatusAndTheServerStaysUp) {
  auto post = [](const std::string& target, const std::string& body,
                 const std::map<std::string, std::string>& headers = {}) {
    return server_->Http("POST", target, body, headers);
  };
  std::string good = MlpBody({0}, false);
  EXPECT_EQ(ErrorStatus(post("/v2/models/nope/infer", good), {"nope"}), 404);
  EXPECT_EQ(ErrorStatus(post("/v2/models/mlp/versions/7/infer", good), {"7"}), 404);
  EXPECT_EQ(ErrorStatus(server_->Http("GET", "/v2/models/nope"), {"nope"}), 404);
  EXPECT_EQ(ErrorStatus(post("/v2/models/mlp/versions/1/infer/more/parts", good), {"endpoint"}),
            404);
  // Wrong datatype, shape, element count and input name: 400 naming expected and received.
  std::string ints = R"({"inputs":[{"name":"INPUT__0","datatype":"INT32","shape":[1,64],"data":[)";
  for (int i = 0; i < 64; ++i) ints += (i ? ",1" : "1");
  ints += "]}]}";
  EXPECT_EQ(ErrorStatus(post("/v2/models/mlp/infer", ints), {"FP32", "INT32"}), 400);
  std::string floats63 =
      R"({"inputs":[{"name":"INPUT__0","datatype":"FP32","shape":[1,63],"data":[)";
  for (int i = 0; i < 63; ++i) floats63 += (i ? ",1" : "1");
  floats63 += "]}]}";
  EXPECT_EQ(ErrorStatus(post("/v2/models/mlp/infer", floats63), {"[-1,64]", "[1,63]"}), 400);
  std::string short_data =
      R"({"inputs":[{"name":"INPUT__0","datatype":"FP32","shape":[1,64],"data":[1,2,3]}]})";
  EXPECT_EQ(ErrorStatus(post("/v2/models/mlp/infer", short_data), {"64", "3"}), 400);
  std::string wrong_name = good;
  wrong_name.replace(wrong_name.find("INPUT__0"), 8, "INPUT__9");
  EXPECT_EQ(ErrorStatus(post("/v2/models/mlp/infer", wrong_name), {"INPUT__9", "INPUT__0"}), 400);
  std::string too_big_batch = MlpBody(std::vector<int>(65, 0), false);
  EXPECT_EQ(ErrorStatus(post("/v2/models/mlp/infer", too_big_batch), {"65"}), 400);
  // Malformed JSON and binary headers.
  EXPECT_EQ(ErrorStatus(post("/v2/models/mlp/infer", "{\"inputs\": [}"), {"JSON"}), 400);
  EXPECT_EQ(ErrorStatus(post("/v2/models/mlp/infer", "[1,2]"), {}), 400);
  EXPECT_EQ(ErrorStatus(post("/v2/models/mlp/infer", good,
                             {{"Inference-Header-Content-Length", "99999999"}}),
                        {"Inference-Header-Content-Length"}),
            400);
  EXPECT_EQ(ErrorStatus(
                post("/v2/models/mlp/infer", good, {{"Inference-Header-Content-Length", "12abc"}}),
                {"Inference-Header-Content-Length"}),
            400);
  std::string bin_header =
      R"({"inputs":[{"name":"INPUT__0","datatype":"FP32","shape":[1,64],"parameters":{"binary_data_size":256}}]})";
  EXPECT_EQ(
      ErrorStatus(post("/v2/models/mlp/infer", bin_header + std::string(100, 'x'),
                       {{"Inference-Header-Content-Length", std::to_string(bin_header.size())}}),
                  {"binary_data_size"}),
      400);
  // Over the body limit (1 MiB here): 413 from the headers alone, the body never sent.
  HttpResult big = RawHttp(server_->http_port(),
                           "POST /v2/models/mlp/infer HTTP/1.1\r\nHost: x\r\n"
                           "Content-Length: 104857600\r\n\r\n");
  EXPECT_EQ(big.status, 413);
  // A model that throws: 500 with its message; the server keeps serving.
  std::string negative =
      R"({"inputs":[{"name":"X","datatype":"FP32","shape":[1,4],"data":[1,2,3,-4]}]})";
  EXPECT_EQ(ErrorStatus(post("/v2/models/thrower/infer", negative), {"negative input refused"}),
            500);
  std::string positive =
      R"({"inputs":[{"name":"X","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]}]})";
  EXPECT_EQ(post("/v2/models/thrower/infer", positive).status, 200);
  // Garbage that is not HTTP at all.
  EXPECT_EQ(RawHttp(server_->http_port(), "\x01\x02 nonsense\r\n\r\n").status, 400);
  EXPECT_EQ(post("/v2/models/mlp/infer", good).status, 200);
}

TEST_F(TorchScriptServerTest, BadGrpcInputGetsItsStatus) {
  auto stub = server_->GrpcStub();
  auto infer = [&](const std::string& model, const std::string& dtype, std::vector<int64_t> shape,
                   const std::string& raw) {
    grpc::ClientContext ctx;
    inference::ModelInferRequest req;
    req.set_model_name(model);
    auto* in = req.add_inputs();
    in->set_name(model == "thrower" ? "X" : "INPUT__0");
    in->set_datatype(dtype);
    for (int64_t d : shape) in->add_shape(d);
    req.add_raw_input_contents(raw);
    inference::ModelInferResponse resp;
    return stub->ModelInfer(&ctx, req, &resp);
  };
  std::string row = BinaryOf(Ref().inputs[0]);
  EXPECT_EQ(infer("nope", "FP32", {1, 64}, row).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(infer("mlp", "INT32", {1, 64}, row).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(infer("mlp", "FP32", {1, 63}, row).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(infer("mlp", "FP32", {1, 64}, row.substr(4)).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::Status thrown = infer("thrower", "FP32", {1, 4}, BinaryOf({1, 2, 3, -4}));
  EXPECT_EQ(thrown.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_NE(thrown.error_message().find("negative input refused"), std::string::npos);
  EXPECT_TRUE(infer("mlp", "FP32", {1, 64}, row).ok());
}

TEST_F(TorchScriptServerTest, DynamicBatchingBatchesAndAnswersEachRequestItsOwn) {
  constexpr int kThreads = 32;
  constexpr int kPerThread = 12;
  std::atomic<int> ok{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        int row = (t * kPerThread + i) % 64;
        HttpResult r = server_->Http("POST", "/v2/models/mlp_batched/infer", MlpBody({row}, false));
        if (r.status != 200) {
          ++wrong;
          continue;
        }
        std::vector<float> got =
            json::parse(r.body)["outputs"][0]["data"].get<std::vector<float>>();
        bool same = got.size() == 10;
        for (size_t k = 0; same && k < 10; ++k) {
          same = std::abs(got[k] - Ref().outputs[row][k]) < 1e-5;
        }
        (same ? ok : wrong)++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  json stats = json::parse(server_->Http("GET", "/v2/models/mlp_batched/stats").body);
  const json& s = stats["model_stats"][0];
  uint64_t inferences = s["inference_count"];
  uint64_t executions = s["execution_count"];
  EXPECT_EQ(inferences, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_LT(executions, inferences) << "no request was batched with another";
  EXPECT_EQ(s["inference_stats"]["success"]["count"], kThreads * kPerThread);
}

TEST_F(TorchScriptServerTest, StatisticsAndPrometheusMetrics) {
  json before = json::parse(server_->Http("GET", "/v2/models/pair/stats").body)["model_stats"][0];
  std::string body = R"({"inputs":[
    {"name":"X","datatype":"FP32","shape":[2,3],"data":[1,1,1,1,1,1]},
    {"name":"Y","datatype":"FP32","shape":[2,3],"data":[1,1,1,1,1,1]}]})";
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(server_->Http("POST", "/v2/models/pair/infer", body).status, 200);
  ASSERT_EQ(server_->Http("POST", "/v2/models/pair/infer", "{}").status, 400);
  json after = json::parse(server_->Http("GET", "/v2/models/pair/stats").body)["model_stats"][0];
  auto delta = [&](const char* stat) {
    return after["inference_stats"][stat]["count"].get<int>() -
           before["inference_stats"][stat]["count"].get<int>();
  };
  EXPECT_EQ(delta("success"), 3);
  EXPECT_EQ(delta("fail"), 1);
  EXPECT_EQ(delta("queue"), 3);
  EXPECT_EQ(delta("compute_infer"), 3);
  for (const char* k : {"success", "queue", "compute_input", "compute_infer", "compute_output"}) {
    EXPECT_GT(after["inference_stats"][k]["ns"].get<uint64_t>(), 0u) << k;
  }
  EXPECT_EQ(after["execution_count"].get<int>() - before["execution_count"].get<int>(), 3);

  HttpResult metrics = server_->Metrics();
  ASSERT_EQ(metrics.status, 200);
  for (const char* name :
       {"nv_inference_request_success", "nv_inference_request_failure", "nv_inference_count",
        "nv_inference_exec_count", "nv_inference_request_duration_us",
        "nv_inference_queue_duration_us", "nv_inference_compute_infer_duration_us"}) {
    EXPECT_NE(metrics.body.find(std::string(name) + "{model=\"pair\",version=\"1\"}"),
              std::string::npos)
        << name;
  }
  std::string line = "nv_inference_request_success{model=\"pair\",version=\"1\"} " +
                     std::to_string(after["inference_stats"]["success"]["count"].get<int>());
  EXPECT_NE(metrics.body.find(line), std::string::npos) << metrics.body;
}

TEST(TorchScriptRepositoryTest, ExplicitLoadAndUnloadAreReflectedInReadiness) {
  ServerProcess server({"--model-control-mode", "explicit", "--load-model", "mlp"});
  ASSERT_TRUE(server.started());
  EXPECT_EQ(server.Http("GET", "/v2/models/mlp/ready").status, 200);
  EXPECT_EQ(server.Http("GET", "/v2/models/adder/ready").status, 400);
  std::string body =
      R"({"inputs":[{"name":"A","datatype":"INT32","shape":[1,4],"data":[1,2,3,4]}]})";
  EXPECT_EQ(server.Http("POST", "/v2/models/adder/infer", body).status, 404);

  EXPECT_EQ(server.Http("POST", "/v2/repository/models/adder/load").status, 200);
  EXPECT_EQ(server.Http("GET", "/v2/models/adder/ready").status, 200);
  EXPECT_EQ(server.Http("POST", "/v2/models/adder/infer", body).status, 200);
  auto stub = server.GrpcStub();
  {
    grpc::ClientContext ctx;
    inference::ModelReadyRequest req;
    req.set_name("adder");
    inference::ModelReadyResponse ready;
    ASSERT_TRUE(stub->ModelReady(&ctx, req, &ready).ok());
    EXPECT_TRUE(ready.ready());
  }

  EXPECT_EQ(server.Http("POST", "/v2/repository/models/adder/unload").status, 200);
  EXPECT_EQ(server.Http("GET", "/v2/models/adder/ready").status, 400);
  EXPECT_EQ(server.Http("POST", "/v2/models/adder/infer", body).status, 404);
  {
    grpc::ClientContext ctx;
    inference::ModelReadyRequest req;
    req.set_name("adder");
    inference::ModelReadyResponse ready;
    ASSERT_TRUE(stub->ModelReady(&ctx, req, &ready).ok());
    EXPECT_FALSE(ready.ready());
  }
  EXPECT_EQ(server.Http("POST", "/v2/repository/models/broken/load").status, 400);
  EXPECT_EQ(server.Http("POST", "/v2/repository/models/nope/load").status, 404);
  json index = json::parse(server.Http("POST", "/v2/repository/index").body);
  for (const auto& e : index) {
    if (e["name"] == "mlp") {
      EXPECT_EQ(e["state"], "READY");
    }
    if (e["name"] == "adder") {
      EXPECT_EQ(e["state"], "UNAVAILABLE");
    }
  }
  EXPECT_EQ(server.Terminate(), 0);
}

TEST(TorchScriptRepositoryTest, LoadIsRefusedWithoutExplicitControl) {
  ServerProcess server;
  ASSERT_TRUE(server.started());
  EXPECT_EQ(server.Http("POST", "/v2/repository/models/adder/unload").status, 400);
  EXPECT_EQ(server.Http("GET", "/v2/models/adder/ready").status, 200);
  EXPECT_EQ(server.Terminate(), 0);
}

TEST(TorchScriptShutdownTest, SigtermDrainsInFlightRequestsAndExitsZero) {
  ServerProcess server;
  ASSERT_TRUE(server.started());
  // slow_batched holds requests up to 300 ms for a batch: they are in flight at SIGTERM.
  constexpr int kRequests = 8;
  std::atomic<int> ok{0};
  std::atomic<int> sent{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&, i] {
      ++sent;
      if (server.Http("POST", "/v2/models/slow_batched/infer", MlpBody({i}, false)).status == 200) {
        ++ok;
      }
    });
  }
  while (sent.load() < kRequests) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(server.Terminate(), 0);
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kRequests);
}

// A plain blocking TCP client for the connection-level tests.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    timeval tv{10, 0};  // no test waits longer for the server
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~RawConnection() { ::close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& bytes) const {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  // The bytes of one read: "" when the server closed the connection, "timeout" when nothing
  // came within 10 s.
  std::string Receive() const {
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n < 0) return "timeout";
    return std::string(buf, static_cast<size_t>(n));
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

TEST(TorchScriptConnectionTest, IdleAndStalledConnectionsAreClosedActiveOnesAreNot) {
  ServerProcess server({"--http-idle-timeout-secs", "1"});
  ASSERT_TRUE(server.started());
  auto t0 = std::chrono::steady_clock::now();
  RawConnection silent(server.http_port());
  RawConnection stalled(server.http_port());
  RawConnection active(server.http_port());
  ASSERT_TRUE(silent.connected() && stalled.connected() && active.connected());
  // A header that never ends, and a body that never comes.
  stalled.Send("POST /v2/models/mlp/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n");
  // The active connection makes a request every 300 ms for 3 s: never idle for a second.
  std::string last;
  for (int i = 0; i < 10; ++i) {
    active.Send("GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n");
    last = active.Receive();
    ASSERT_EQ(last.rfind("HTTP/1.1 200", 0), 0u) << "request " << i << ": " << last;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  // The sweep runs once a second: idle for more than 1 s, closed within 2 s of the last byte.
  EXPECT_EQ(silent.Receive(), "");
  EXPECT_EQ(stalled.Receive(), "");
  EXPECT_LT(Seconds(t0), 6.0);
  EXPECT_TRUE(server.Running());
  EXPECT_EQ(server.Http("GET", "/v2/health/live").status, 200);
}

TEST(TorchScriptConnectionTest, OutOfDescriptorsNeitherSpinsNorStopsTheServer) {
  ServerProcess server;
  ASSERT_TRUE(server.started());
  std::string fd_dir = "/proc/" + std::to_string(server.pid()) + "/fd";
  int open_fds = 0;
  for (const auto& e : std::filesystem::directory_iterator(fd_dir)) {
    (void)e;
    ++open_fds;
  }
  rlimit original{};
  ASSERT_EQ(::prlimit(server.pid(), RLIMIT_NOFILE, nullptr, &original), 0);
  rlimit tight = original;
  tight.rlim_cur = static_cast<rlim_t>(open_fds + 4);
  ASSERT_EQ(::prlimit(server.pid(), RLIMIT_NOFILE, &tight, nullptr), 0);

  // More connections than descriptors left: the kernel completes them, accept() fails.
  std::vector<std::unique_ptr<RawConnection>> connections;
  for (int i = 0; i < 16; ++i) {
    connections.push_back(std::make_unique<RawConnection>(server.http_port()));
    ASSERT_TRUE(connections.back()->connected());
  }
  auto cpu_ticks = [&] {
    std::ifstream stat("/proc/" + std::to_string(server.pid()) + "/stat");
    std::string line;
    std::getline(stat, line);
    std::istringstream fields(line.substr(line.rfind(')') + 2));
    std::string f;
    long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> f; ++i) {
      if (i == 14) utime = std::stoll(f);
      if (i == 15) stime = std::stoll(f);
    }
    return utime + stime;
  };
  long long before = cpu_ticks();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  double cpu_s =
      static_cast<double>(cpu_ticks() - before) / static_cast<double>(sysconf(_SC_CLK_TCK));
  // Retrying a failing accept() at once would keep a core busy the whole second.
  EXPECT_LT(cpu_s, 0.3) << "the server spent " << cpu_s << " s of CPU while out of descriptors";

  connections.clear();
  ASSERT_EQ(::prlimit(server.pid(), RLIMIT_NOFILE, &original, nullptr), 0);
  // Once descriptors are free again the server accepts and answers.
  auto t0 = std::chrono::steady_clock::now();
  int status = 0;
  while (status != 200 && Seconds(t0) < 5) status = server.Http("GET", "/v2/health/live").status;
  EXPECT_EQ(status, 200);
  EXPECT_TRUE(server.Running());
}

}  // namespace
}  // namespace servebench::ts::testing
