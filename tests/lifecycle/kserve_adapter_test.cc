// Copyright servebench authors.
//
// The KServe v2 REST adapter and the control-plane HTTP client it uses, against the test HTTP
// server serving fixed metadata.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "servebench/core/clock.h"
#include "servebench/protocols/http_client.h"
#include "servebench/protocols/protocol_adapter.h"
#include "test_http_server.h"

namespace servebench {
namespace {

using nlohmann::json;
using testing::TestHttpServer;

TEST(HttpClientTest, FetchesStatusAndBody) {
  TestHttpServer::Options options;
  options.status = 404;
  options.body = "missing";
  TestHttpServer server(options);
  HttpReply reply;
  std::string error;
  ASSERT_TRUE(HttpFetch("POST", server.url("/x"), {{"Content-Type", "text/plain"}}, "hello",
                        kNanosPerSecond, &reply, &error))
      << error;
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.body, "missing");
}

TEST(HttpClientTest, ConnectionRefusedIsAnError) {
  HttpReply reply;
  std::string error;
  const std::string url =
      "http://127.0.0.1:" + std::to_string(testing::UnusedLoopbackPort()) + "/v2/health/ready";
  EXPECT_FALSE(HttpFetch("GET", url, {}, "", kNanosPerSecond, &reply, &error));
  EXPECT_NE(error.find("connect"), std::string::npos) << error;
  EXPECT_FALSE(HttpFetch("GET", "https://example.com/", {}, "", kNanosPerSecond, &reply, &error));
}

TEST(HttpClientTest, GivesUpAtTheTimeout) {
  TestHttpServer::Options options;
  options.delay_ns = [](int64_t) { return 2 * kNanosPerSecond; };
  TestHttpServer server(options);
  HttpReply reply;
  std::string error;
  const int64_t start = MonotonicNanos();
  EXPECT_FALSE(HttpFetch("GET", server.url("/slow"), {}, "", 200 * kNanosPerMilli, &reply, &error));
  const int64_t took = MonotonicNanos() - start;
  EXPECT_NE(error.find("timed out"), std::string::npos) << error;
  EXPECT_GE(took, 200 * kNanosPerMilli);
  EXPECT_LT(took, 600 * kNanosPerMilli);
}

const char kMetadata[] = R"({
  "name": "mlp", "versions": ["1"], "platform": "pytorch_libtorch",
  "inputs": [
    {"name": "INPUT__0", "datatype": "FP32", "shape": [-1, 4, 2]},
    {"name": "IDS", "datatype": "INT64", "shape": [-1, 3, -1]}
  ],
  "outputs": [{"name": "OUTPUT__0", "datatype": "FP32", "shape": [-1, 10]}]
})";

TEST(KServeV2RestAdapterTest, BuildsAnInferCallFromMetadata) {
  TestHttpServer::Options options;
  options.path_bodies["/v2/models/mlp"] = kMetadata;
  TestHttpServer server(options);
  auto adapter = NewProtocolAdapter(kKServeV2Rest);
  EXPECT_EQ(adapter->ModelReadyPath("mlp"), "/v2/models/mlp/ready");

  HttpCall call;
  std::string error;
  ASSERT_TRUE(adapter->BuildInferCall(server.url(""), "mlp", 3, &call, &error)) << error;
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.path, "/v2/models/mlp/infer");
  ASSERT_EQ(call.headers.size(), 1u);
  EXPECT_EQ(call.headers[0].first, "Content-Type");
  EXPECT_EQ(call.headers[0].second, "application/json");

  const json body = json::parse(call.body);
  ASSERT_EQ(body["inputs"].size(), 2u);
  const json& x = body["inputs"][0];
  EXPECT_EQ(x["name"], "INPUT__0");
  EXPECT_EQ(x["datatype"], "FP32");
  EXPECT_EQ(x["shape"], json({3, 4, 2}));
  ASSERT_EQ(x["data"].size(), 24u);
  for (const json& v : x["data"]) {
    ASSERT_TRUE(v.is_number_float() || v.is_number_integer());
    EXPECT_GE(v.get<double>(), 0);
    EXPECT_LT(v.get<double>(), 1);
  }
  const json& ids = body["inputs"][1];
  EXPECT_EQ(ids["shape"], json({3, 3, 1}));  // a variable inner dimension gets size 1
  ASSERT_EQ(ids["data"].size(), 9u);
  for (const json& v : ids["data"]) EXPECT_TRUE(v.is_number_integer());

  // Deterministic: the same bytes on every call.
  HttpCall again;
  ASSERT_TRUE(adapter->BuildInferCall(server.url(""), "mlp", 3, &again, &error)) << error;
  EXPECT_EQ(again.body, call.body);
}

TEST(KServeV2RestAdapterTest, MetadataFailuresAreExplained) {
  auto adapter = NewProtocolAdapter(kKServeV2Rest);
  HttpCall call;
  std::string error;

  TestHttpServer::Options missing;
  missing.status = 400;
  missing.body = R"({"error":"unknown model"})";
  TestHttpServer not_found(missing);
  EXPECT_FALSE(adapter->BuildInferCall(not_found.url(""), "mlp", 1, &call, &error));
  EXPECT_NE(error.find("HTTP 400"), std::string::npos) << error;

  TestHttpServer::Options garbage;
  garbage.body = "not json";
  TestHttpServer bad(garbage);
  EXPECT_FALSE(adapter->BuildInferCall(bad.url(""), "mlp", 1, &call, &error));
  EXPECT_NE(error.find("inputs"), std::string::npos) << error;

  TestHttpServer::Options unbatched;
  unbatched.body = R"({"inputs":[{"name":"X","datatype":"FP32","shape":[2,3]}]})";
  TestHttpServer fixed(unbatched);
  EXPECT_FALSE(adapter->BuildInferCall(fixed.url(""), "pair", 4, &call, &error));
  EXPECT_NE(error.find("no batch dimension"), std::string::npos) << error;
  ASSERT_TRUE(adapter->BuildInferCall(fixed.url(""), "pair", 1, &call, &error)) << error;
  EXPECT_EQ(json::parse(call.body)["inputs"][0]["shape"], json({2, 3}));

  TestHttpServer::Options odd;
  odd.body = R"({"inputs":[{"name":"X","datatype":"COMPLEX","shape":[-1,3]}]})";
  TestHttpServer odd_type(odd);
  EXPECT_FALSE(adapter->BuildInferCall(odd_type.url(""), "m", 1, &call, &error));
  EXPECT_NE(error.find("COMPLEX"), std::string::npos) << error;
}

TEST(KServeV2RestAdapterTest, ChecksInferResponses) {
  auto adapter = NewProtocolAdapter(kKServeV2Rest);
  std::string error;
  const std::string good = R"({"model_name":"mlp","outputs":[
      {"name":"OUTPUT__0","datatype":"FP32","shape":[2,3],"data":[1,2,3,4,5,6]},
      {"name":"NESTED","datatype":"FP32","shape":[2,2],"data":[[1,2],[3,4]]}]})";
  EXPECT_TRUE(adapter->CheckInferResponse(good, 2, &error)) << error;

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"not json", "not a JSON object"},
      {R"({"error":"model not ready"})", "model not ready"},
      {R"({"outputs":[]})", "no \"outputs\""},
      {R"({"outputs":[{"name":"O","shape":[2,3]}]})", "lacks shape or data"},
      {R"({"outputs":[{"name":"O","shape":[3,2],"data":[1,2,3,4,5,6]}]})", "batch 2"},
      {R"({"outputs":[{"name":"O","shape":[2,3],"data":[1,2,3,4,5]}]})", "5 elements"},
      {R"({"outputs":[{"name":"O","shape":[2,-3],"data":[]}]})", "bad shape"},
      // 2 * 2^32 * 2^32 wraps to 0 in int64, which the empty data would have matched.
      {R"({"outputs":[{"name":"O","shape":[2,4294967296,4294967296],"data":[]}]})",
       "has too many elements"},
  };
  for (const auto& [body, expected] : bad) {
    EXPECT_FALSE(adapter->CheckInferResponse(body, 2, &error)) << body;
    EXPECT_NE(error.find(expected), std::string::npos) << body << " -> " << error;
  }
}

TEST(KServeV2RestAdapterTest, SendsGivenDataInBatches) {
  TestHttpServer::Options options;
  options.path_bodies["/v2/models/cnn"] =
      R"({"inputs":[{"name":"INPUT__0","datatype":"FP32","shape":[-1,2,2]}]})";
  TestHttpServer server(options);
  auto adapter = NewProtocolAdapter(kKServeV2Rest);
  TensorValues data;
  data.shape = {5, 2, 2};
  for (int i = 0; i < 20; ++i) data.values.push_back(static_cast<float>(i) * 0.1f - 0.7f);
  std::vector<HttpCall> calls;
  std::string error;
  ASSERT_TRUE(adapter->BuildInferCallsWithData(server.url(""), "cnn", data, 2, &calls, &error))
      << error;
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(server.requests(), 1);  // the metadata, once
  size_t next = 0;
  for (size_t k = 0; k < calls.size(); ++k) {
    EXPECT_EQ(calls[k].method, "POST");
    EXPECT_EQ(calls[k].path, "/v2/models/cnn/infer");
    const json input = json::parse(calls[k].body)["inputs"][0];
    EXPECT_EQ(input["name"], "INPUT__0");
    EXPECT_EQ(input["datatype"], "FP32");
    EXPECT_EQ(input["shape"], json({k < 2 ? 2 : 1, 2, 2}));
    for (const json& v : input["data"]) {
      // Exactly the float that was given, once the server parses it as FP32.
      EXPECT_EQ(static_cast<float>(v.get<double>()), static_cast<float>(data.values[next])) << next;
      ++next;
    }
  }
  EXPECT_EQ(next, 20u);
}

TEST(KServeV2RestAdapterTest, GivenDataMustFitTheModel) {
  auto adapter = NewProtocolAdapter(kKServeV2Rest);
  std::vector<HttpCall> calls;
  std::string error;
  TensorValues data;
  data.shape = {2, 3};
  data.values = {1, 2, 3, 4, 5, 6};
  const auto build = [&](const std::string& metadata, int batch) {
    TestHttpServer::Options options;
    options.body = metadata;
    TestHttpServer server(options);
    return adapter->BuildInferCallsWithData(server.url(""), "m", data, batch, &calls, &error);
  };
  EXPECT_FALSE(build(kMetadata, 1));
  EXPECT_NE(error.find("has 2 inputs; given data fills exactly one"), std::string::npos) << error;
  EXPECT_FALSE(build(R"({"inputs":[{"name":"X","datatype":"FP32","shape":[-1,4]}]})", 1));
  EXPECT_NE(error.find("samples of shape [3] do not fit it"), std::string::npos) << error;
  EXPECT_FALSE(build(R"({"inputs":[{"name":"X","datatype":"BYTES","shape":[-1,3]}]})", 1));
  EXPECT_NE(error.find("BYTES, not a numeric type"), std::string::npos) << error;
  EXPECT_FALSE(build(R"({"inputs":[{"name":"X","datatype":"FP32","shape":[3]}]})", 2));
  EXPECT_NE(error.find("no batch dimension"), std::string::npos) << error;
  // Without a batch dimension each sample goes alone, shaped as the model's input.
  ASSERT_TRUE(build(R"({"inputs":[{"name":"X","datatype":"FP32","shape":[3]}]})", 1)) << error;
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(json::parse(calls[1].body)["inputs"][0]["shape"], json({3}));
  // A variable dimension takes the data's size; integer inputs get integers.
  ASSERT_TRUE(build(R"({"inputs":[{"name":"I","datatype":"INT64","shape":[-1,-1]}]})", 2)) << error;
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(json::parse(calls[0].body)["inputs"][0]["data"], json({1, 2, 3, 4, 5, 6}));
  data.values[4] = 5.5;
  EXPECT_FALSE(build(R"({"inputs":[{"name":"I","datatype":"INT64","shape":[-1,3]}]})", 1));
  EXPECT_NE(error.find("value 4 of the data is not an integer"), std::string::npos) << error;
  data.values.pop_back();
  EXPECT_FALSE(build(R"({"inputs":[{"name":"X","datatype":"FP32","shape":[-1,3]}]})", 1));
  EXPECT_NE(error.find("is not a list of samples"), std::string::npos) << error;
}

TEST(KServeV2RestAdapterTest, ReadsOutputsBack) {
  auto adapter = NewProtocolAdapter(kKServeV2Rest);
  std::vector<TensorValues> outputs;
  std::string error;
  ASSERT_TRUE(adapter->ReadOutputs(R"({"model_name":"mlp","outputs":[
      {"name":"OUTPUT__0","datatype":"FP32","shape":[2,3],"data":[1.5,-2,3,4,5,6e-3]},
      {"name":"NESTED","datatype":"BOOL","shape":[2,1],"data":[[true],[false]]}]})",
                                   &outputs, &error))
      << error;
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(outputs[0].name, "OUTPUT__0");
  EXPECT_EQ(outputs[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(outputs[0].values, (std::vector<double>{1.5, -2, 3, 4, 5, 6e-3}));
  EXPECT_EQ(outputs[1].name, "NESTED");
  EXPECT_EQ(outputs[1].values, (std::vector<double>{1, 0}));

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"not json", "not a JSON object"},
      {R"({"error":"model not ready"})", "model not ready"},
      {R"({"outputs":[]})", "no \"outputs\""},
      {R"({"outputs":[{"name":"O","shape":[2]}]})", "lacks shape or data"},
      {R"({"outputs":[{"name":"O","shape":[2,3],"data":[1,2,3,4,5]}]})", "5 elements"},
      {R"({"outputs":[{"name":"O","shape":[2],"data":["a","b"]}]})", "not numbers"},
      {R"({"outputs":[{"name":"O","shape":[-2],"data":[]}]})", "bad shape"},
      {R"({"outputs":[{"name":"O","shape":[4294967296,4294967296],"data":[]}]})",
       "has too many elements"},
  };
  for (const auto& [body, expected] : bad) {
    EXPECT_FALSE(adapter->ReadOutputs(body, &outputs, &error)) << body;
    EXPECT_NE(error.find(expected), std::string::npos) << body << " -> " << error;
  }
}

// An adapter that implements only what it must: sending given data is refused, with its name.
class MinimalAdapter : public ProtocolAdapter {
 public:
  std::string name() const override { return "minimal"; }
  std::string ServerReadyPath() const override { return "/"; }
  std::string ModelReadyPath(const std::string&) const override { return "/"; }
  bool BuildInferCall(const std::string&, const std::string&, int, HttpCall*,
                      std::string*) const override {
    return true;
  }
  bool CheckInferResponse(const std::string&, int, std::string*) const override { return true; }
  std::shared_ptr<const ResponseCheck> NewResponseCheck(const std::string&, const std::string&,
                                                        std::string*) const override {
    return nullptr;
  }
};

TEST(ProtocolAdapterTest, GivenDataIsNotSupportedByDefault) {
  MinimalAdapter adapter;
  std::vector<HttpCall> calls;
  std::vector<TensorValues> outputs;
  std::string error;
  EXPECT_FALSE(adapter.BuildInferCallsWithData("http://127.0.0.1:1", "m", {}, 1, &calls, &error));
  EXPECT_EQ(error, "protocol 'minimal' cannot send given data (no BuildInferCallsWithData)");
  EXPECT_FALSE(adapter.ReadOutputs("{}", &outputs, &error));
  EXPECT_EQ(error, "protocol 'minimal' cannot read outputs back (no ReadOutputs)");
}

}  // namespace
}  // namespace servebench
