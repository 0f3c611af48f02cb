// Copyright servebench authors.
//
// The TorchServe REST adapter against the test HTTP server standing in for TorchServe with
// servebench's handler: the metadata the handler answers at GET /predictions/{m}, the
// management API's repository calls, and the KServe v2-like responses.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "servebench/protocols/protocol_adapter.h"
#include "test_http_server.h"

namespace servebench {
namespace {

using nlohmann::json;
using testing::TestHttpServer;

const char kMetadata[] = R"({
  "name": "mlp", "versions": ["1"], "platform": "pytorch_libtorch",
  "inputs": [{"name": "INPUT__0", "datatype": "FP32", "shape": [-1, 64]}],
  "outputs": [{"name": "OUTPUT__0", "datatype": "FP32", "shape": [-1, 10]}]
})";

TEST(TorchServeRestAdapterTest, ReadinessAndRepositoryCallsAreTorchServes) {
  auto adapter = NewProtocolAdapter(kTorchServeRest);
  ASSERT_NE(adapter, nullptr);
  EXPECT_EQ(adapter->name(), "torchserve-rest");
  EXPECT_EQ(adapter->ServerReadyPath(), "/ping");
  // The handler's metadata answer: it needs a worker serving the model.
  EXPECT_EQ(adapter->ModelReadyPath("mlp"), "/predictions/mlp");
  HttpCall unload, load;
  ASSERT_TRUE(adapter->ModelControlCalls("mlp", &unload, &load));
  EXPECT_EQ(unload.method, "DELETE");
  EXPECT_EQ(unload.path, "/models/mlp");
  EXPECT_EQ(load.method, "POST");
  EXPECT_EQ(load.path, "/models?url=mlp.mar&synchronous=true");
  // No JSON Content-Type on the management calls: TorchServe would parse the empty body.
  EXPECT_TRUE(unload.headers.empty());
  EXPECT_TRUE(load.headers.empty());
  EXPECT_TRUE(load.body.empty());
}

TEST(TorchServeRestAdapterTest, BuildsAPredictionFromTheHandlersMetadata) {
  TestHttpServer::Options options;
  options.body = R"({"error": "not the metadata path"})";
  options.path_bodies["/predictions/mlp"] = kMetadata;
  TestHttpServer server(options);
  auto adapter = NewProtocolAdapter(kTorchServeRest);
  HttpCall call;
  std::string error;
  ASSERT_TRUE(adapter->BuildInferCall(server.url(""), "mlp", 3, &call, &error)) << error;
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.path, "/predictions/mlp");
  ASSERT_EQ(call.headers.size(), 1u);
  EXPECT_EQ(call.headers[0].second, "application/json");
  const json body = json::parse(call.body);
  ASSERT_EQ(body["inputs"].size(), 1u);
  EXPECT_EQ(body["inputs"][0]["name"], "INPUT__0");
  EXPECT_EQ(body["inputs"][0]["datatype"], "FP32");
  EXPECT_EQ(body["inputs"][0]["shape"], json({3, 64}));
  EXPECT_EQ(body["inputs"][0]["data"].size(), 192u);

  // The same tensors as the KServe v2 adapter sends a KServe server with the same metadata.
  TestHttpServer::Options kserve_options;
  kserve_options.path_bodies["/v2/models/mlp"] = kMetadata;
  TestHttpServer kserve(kserve_options);
  HttpCall kserve_call;
  ASSERT_TRUE(NewProtocolAdapter(kKServeV2Rest)
                  ->BuildInferCall(kserve.url(""), "mlp", 3, &kserve_call, &error))
      << error;
  EXPECT_EQ(kserve_call.body, call.body);

  TestHttpServer::Options not_found;
  not_found.status = 404;
  not_found.body = R"({"code": 404, "message": "Model not found: mlp"})";
  TestHttpServer missing(not_found);
  EXPECT_FALSE(adapter->BuildInferCall(missing.url(""), "mlp", 1, &call, &error));
  EXPECT_NE(error.find("/predictions/mlp: HTTP 404"), std::string::npos) << error;
  EXPECT_NE(error.find("Model not found"), std::string::npos) << error;
}

TEST(TorchServeRestAdapterTest, ChecksTheHandlersResponses) {
  auto adapter = NewProtocolAdapter(kTorchServeRest);
  std::string error;
  EXPECT_TRUE(adapter->CheckInferResponse(
      R"({"model_name":"mlp","outputs":[{"name":"OUTPUT__0","datatype":"FP32","shape":[2,2],"data":[1,2,3,4]}]})",
      2, &error))
      << error;
  EXPECT_FALSE(adapter->CheckInferResponse(R"({"error": "input rows of shape [3]"})", 2, &error));
  EXPECT_NE(error.find("input rows of shape"), std::string::npos) << error;
  // The metadata answer is not an inference answer.
  EXPECT_FALSE(adapter->CheckInferResponse(kMetadata, 1, &error));
  EXPECT_NE(error.find("output 'OUTPUT__0' lacks shape or data"), std::string::npos) << error;
  EXPECT_FALSE(adapter->CheckInferResponse(
      R"({"outputs":[{"name":"O","shape":[1,10],"data":[1,2]}]})", 1, &error));
  EXPECT_NE(error.find("2 elements"), std::string::npos) << error;
}

}  // namespace
}  // namespace servebench
