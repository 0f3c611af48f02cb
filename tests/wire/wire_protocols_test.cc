// Copyright servebench authors.
//
// The wire protocols beyond KServe v2 JSON, without a real server: raw tensors and the split of a
// binary-extension body; the http-binary adapter's requests (checked against the JSON
// protocol's: the same tensors) and its reading of responses, good and bad; TF Serving's
// readiness answers and predict responses, including its error bodies; http-json's options,
// bodies and outputs.

#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "servebench/protocols/binary_tensor.h"
#include "servebench/protocols/protocol_adapter.h"
#include "test_http_server.h"

namespace servebench {
namespace {

using nlohmann::json;
using testing::TestHttpServer;

const char kMetadata[] = R"({
  "name": "mlp", "versions": ["1"], "platform": "pytorch_libtorch",
  "inputs": [{"name": "INPUT__0", "datatype": "FP32", "shape": [-1, 4]}],
  "outputs": [{"name": "OUTPUT__0", "datatype": "FP32", "shape": [-1, 3]}]
})";

std::string Floats(const std::vector<float>& values) {
  std::string bytes(values.size() * 4, '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

// A binary-extension response: the JSON header, then the bytes.
std::string BinaryResponse(const json& header, const std::string& bytes) {
  return header.dump() + bytes;
}

json OneBinaryOutput(int64_t batch, size_t size) {
  return {{"model_name", "mlp"},
          {"outputs", json::array({{{"name", "OUTPUT__0"},
                                    {"datatype", "FP32"},
                                    {"shape", {batch, 3}},
                                    {"parameters", {{"binary_data_size", size}}}}})}};
}

TEST(BinaryTensorTest, EncodesAndDecodesLittleEndianElements) {
  std::string bytes, error;
  ASSERT_TRUE(EncodeBinaryTensor("FP32", json::array({0.5, -2.0}), &bytes, &error)) << error;
  EXPECT_EQ(bytes, Floats({0.5f, -2.0f}));
  std::vector<double> values;
  ASSERT_TRUE(DecodeBinaryTensor("FP32", bytes, 2, &values, &error)) << error;
  EXPECT_EQ(values, (std::vector<double>{0.5, -2.0}));

  bytes.clear();
  ASSERT_TRUE(EncodeBinaryTensor("INT64", json::array({7, -1}), &bytes, &error));
  ASSERT_EQ(bytes.size(), 16u);
  int64_t first = 0;
  std::memcpy(&first, bytes.data(), 8);
  EXPECT_EQ(first, 7);
  bytes.clear();
  ASSERT_TRUE(EncodeBinaryTensor("BYTES", json::array({"ab"}), &bytes, &error));
  EXPECT_EQ(bytes, std::string("\x02\x00\x00\x00"
                               "ab",
                               6));
  bytes.clear();
  ASSERT_TRUE(EncodeBinaryTensor("BOOL", json::array({true, false}), &bytes, &error));
  EXPECT_EQ(bytes, std::string("\x01\x00", 2));

  EXPECT_FALSE(EncodeBinaryTensor("INT8", json::array({300}), &bytes, &error));
  EXPECT_NE(error.find("element 0 (300) is not a INT8 value"), std::string::npos) << error;
  EXPECT_FALSE(EncodeBinaryTensor("UINT8", json::array({1.5}), &bytes, &error));
  EXPECT_FALSE(EncodeBinaryTensor("FP16", json::array({1}), &bytes, &error));
  EXPECT_FALSE(DecodeBinaryTensor("FP32", std::string(7, '\0'), 2, &values, &error));
  EXPECT_NE(error.find("7 bytes for 2 FP32 elements (8 expected)"), std::string::npos) << error;
}

TEST(BinaryTensorTest, FindsTheJsonHeaderEndOutsideStrings) {
  const std::string header = R"( {"a": "}{\"]", "b": [1, {"c": 2}]})";
  EXPECT_EQ(JsonObjectLength(header + "\x7d\x00\xff" + "{"), header.size());
  EXPECT_EQ(JsonObjectLength(header), header.size());
  EXPECT_EQ(JsonObjectLength(R"({"a": 1)"), std::string_view::npos);
  EXPECT_EQ(JsonObjectLength("[1]"), std::string_view::npos);
  EXPECT_EQ(JsonObjectLength(""), std::string_view::npos);
}

TEST(HttpBinaryAdapterTest, SendsTheJsonProtocolsTensorsAsRawBytes) {
  TestHttpServer::Options options;
  options.path_bodies["/v2/models/mlp"] = kMetadata;
  TestHttpServer server(options);
  auto binary = NewProtocolAdapter(kKServeV2Binary);
  auto plain = NewProtocolAdapter(kKServeV2Rest);
  ASSERT_NE(binary, nullptr);
  EXPECT_EQ(binary->ServerReadyPath(), "/v2/health/ready");
  EXPECT_EQ(binary->ModelReadyPath("mlp"), "/v2/models/mlp/ready");
  HttpCall call, json_call;
  std::string error;
  ASSERT_TRUE(binary->BuildInferCall(server.url(""), "mlp", 3, &call, &error)) << error;
  ASSERT_TRUE(plain->BuildInferCall(server.url(""), "mlp", 3, &json_call, &error)) << error;
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.path, "/v2/models/mlp/infer");
  std::map<std::string, std::string> headers(call.headers.begin(), call.headers.end());
  EXPECT_EQ(headers["Content-Type"], "application/octet-stream");
  const size_t header_length = std::stoul(headers["Inference-Header-Content-Length"]);
  ASSERT_EQ(call.body.size(), header_length + 3 * 4 * 4);  // 3 samples of 4 FP32
  const json header = json::parse(call.body.substr(0, header_length));
  const json& input = header["inputs"][0];
  EXPECT_EQ(input["name"], "INPUT__0");
  EXPECT_EQ(input["datatype"], "FP32");
  EXPECT_EQ(input["shape"], json({3, 4}));
  EXPECT_EQ(input["parameters"]["binary_data_size"], 48);
  EXPECT_FALSE(input.contains("data"));
  EXPECT_EQ(header["outputs"],
            json::parse(R"([{"name": "OUTPUT__0", "parameters": {"binary_data": true}}])"));
  // The bytes are the JSON request's values as float32.
  std::vector<double> sent;
  ASSERT_TRUE(DecodeBinaryTensor("FP32", std::string_view(call.body).substr(header_length), 12,
                                 &sent, &error));
  const json json_data = json::parse(json_call.body)["inputs"][0]["data"];
  ASSERT_EQ(json_data.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(static_cast<float>(sent[i]), static_cast<float>(json_data[i].get<double>())) << i;
  }
}

TEST(HttpBinaryAdapterTest, SendsGivenDataInBatches) {
  TestHttpServer::Options options;
  options.path_bodies["/v2/models/mlp"] = kMetadata;
  TestHttpServer server(options);
  auto adapter = NewProtocolAdapter(kKServeV2Binary);
  TensorValues data{"", {3, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}};
  std::vector<HttpCall> calls;
  std::string error;
  ASSERT_TRUE(adapter->BuildInferCallsWithData(server.url(""), "mlp", data, 2, &calls, &error))
      << error;
  ASSERT_EQ(calls.size(), 2u);
  const size_t length = JsonObjectLength(calls[1].body);
  EXPECT_EQ(json::parse(calls[1].body.substr(0, length))["inputs"][0]["shape"], json({1, 4}));
  EXPECT_EQ(calls[1].body.substr(length), Floats({8, 9, 10, 11}));
}

TEST(HttpBinaryAdapterTest, ReadsAndChecksBinaryResponses) {
  auto adapter = NewProtocolAdapter(kKServeV2Binary);
  const std::string good = BinaryResponse(OneBinaryOutput(2, 24), Floats({1, 2, 3, 4, 5, 6}));
  std::string error;
  EXPECT_TRUE(adapter->CheckInferResponse(good, 2, &error)) << error;
  EXPECT_FALSE(adapter->CheckInferResponse(good, 3, &error));
  EXPECT_NE(error.find("does not start with batch 3"), std::string::npos) << error;
  std::vector<TensorValues> outputs;
  ASSERT_TRUE(adapter->ReadOutputs(good, &outputs, &error)) << error;
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0].name, "OUTPUT__0");
  EXPECT_EQ(outputs[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(outputs[0].values, (std::vector<double>{1, 2, 3, 4, 5, 6}));

  // A size that disagrees with the shape, bytes nothing accounts for, too few bytes, an error.
  for (const auto& [body, message] : std::vector<std::pair<std::string, std::string>>{
           {BinaryResponse(OneBinaryOutput(2, 20), Floats({1, 2, 3, 4, 5})),
            "20 bytes for 6 elements of FP32"},
           {good + "x", "1 bytes after the JSON header"},
           {BinaryResponse(OneBinaryOutput(2, 24), Floats({1, 2})), "binary_data_size 24 but 8"},
           {R"({"error": "model is not ready"})", "server error: \"model is not ready\""},
           {"garbage", "does not start with a JSON header"}}) {
    EXPECT_FALSE(adapter->CheckInferResponse(body, 2, &error)) << message;
    EXPECT_NE(error.find(message), std::string::npos) << error;
  }

  // The load check: the reference's outputs, binary; any other shape fails.
  auto check = adapter->NewResponseCheck(good, "the first response", &error);
  ASSERT_NE(check, nullptr) << error;
  auto checker = check->NewChecker();
  EXPECT_TRUE(checker->Check(good, nullptr));
  std::string why;
  EXPECT_FALSE(checker->Check(BinaryResponse(OneBinaryOutput(1, 12), Floats({1, 2, 3})), &why));
  EXPECT_NE(why.find("shape [1,3] binary, FP32 [2,3] binary expected"), std::string::npos) << why;
  EXPECT_FALSE(checker->Check(good.substr(0, good.size() - 1), &why));
}

TEST(TfServingRestAdapterTest, ReadinessNeedsTheVersionAvailable) {
  auto adapter = NewProtocolAdapter(kTfServingRest);
  ASSERT_NE(adapter, nullptr);
  EXPECT_EQ(adapter->ModelReadyPath("mlp"), "/v1/models/mlp");
  HttpCall unload, load;
  EXPECT_FALSE(adapter->ModelControlCalls("mlp", &unload, &load));
  EXPECT_FALSE(
      adapter->SaysReady(R"({"model_version_status": [{"version": "1", "state": "LOADING"}]})"));
  EXPECT_TRUE(adapter->SaysReady(
      R"({"model_version_status": [{"version": "1", "state": "AVAILABLE",
          "status": {"error_code": "OK", "error_message": ""}}]})"));
  EXPECT_FALSE(adapter->SaysReady("{}"));
  // The server readiness call's answer, the Prometheus page, is ready by its 2xx alone.
  EXPECT_TRUE(adapter->SaysReady("# TYPE :tensorflow:serving:request_count counter\n"));

  std::string error;
  auto versioned = NewProtocolAdapter(kTfServingRest, R"({"version": 2})", &error);
  ASSERT_NE(versioned, nullptr) << error;
  EXPECT_EQ(versioned->ModelReadyPath("mlp"), "/v1/models/mlp/versions/2");
  EXPECT_FALSE(versioned->SaysReady(
      R"({"model_version_status": [{"version": "1", "state": "AVAILABLE"},
                                   {"version": "2", "state": "LOADING"}]})"));
  EXPECT_TRUE(versioned->SaysReady(
      R"({"model_version_status": [{"version": "2", "state": "AVAILABLE"}]})"));
}

TEST(TfServingRestAdapterTest, ReadsBothResponseFormsAndErrorBodies) {
  auto adapter = NewProtocolAdapter(kTfServingRest);
  std::vector<TensorValues> outputs;
  std::string error;
  ASSERT_TRUE(
      adapter->ReadOutputs(R"({"predictions": [[1, 2], [3, 4], [5, 6]]})", &outputs, &error))
      << error;
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0].shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(outputs[0].values, (std::vector<double>{1, 2, 3, 4, 5, 6}));
  // Several outputs: one object per sample in rows, one entry per output in columns.
  ASSERT_TRUE(adapter->ReadOutputs(
      R"({"predictions": [{"a": [1, 2], "b": 7}, {"a": [3, 4], "b": 8}]})", &outputs, &error))
      << error;
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(outputs[0].name, "a");
  EXPECT_EQ(outputs[0].shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(outputs[1].shape, (std::vector<int64_t>{2}));
  ASSERT_TRUE(adapter->ReadOutputs(R"({"outputs": {"a": [[1], [2]]}})", &outputs, &error));
  EXPECT_EQ(outputs[0].shape, (std::vector<int64_t>{2, 1}));
  EXPECT_TRUE(adapter->CheckInferResponse(R"({"outputs": [[1, 2]]})", 1, &error)) << error;
  EXPECT_FALSE(adapter->CheckInferResponse(R"({"outputs": [[1, 2]]})", 2, &error));

  for (const auto& [body, message] : std::vector<std::pair<std::string, std::string>>{
           {R"j({"error": "Servable not found for request: Latest(mlp)"})j",
            "server error: Servable not found for request: Latest(mlp)"},
           {R"({"predictions": [[1, 2], [3]]})", "prediction 1 has shape [1], prediction 0 [2]"},
           {R"({"predictions": [[[1, 2], [3]]]})", "ragged"},
           {R"({"predictions": [["a"]]})", "not a number"},
           {R"({"result": 1})", "neither \"predictions\" nor \"outputs\""}}) {
    EXPECT_FALSE(adapter->ReadOutputs(body, &outputs, &error)) << body;
    EXPECT_NE(error.find(message), std::string::npos) << error;
  }
  auto check = adapter->NewResponseCheck(R"({"predictions": [[1, 2]]})", "ref", &error);
  ASSERT_NE(check, nullptr) << error;
  auto checker = check->NewChecker();
  EXPECT_TRUE(checker->Check(R"({"predictions": [[5, 6]]})", nullptr));
  EXPECT_FALSE(checker->Check(R"({"predictions": [[5, 6, 7]]})", nullptr));
  EXPECT_FALSE(checker->Check(R"({"error": "x"})", nullptr));
}

TEST(TfServingRestAdapterTest, RefusesBadOptions) {
  std::string error;
  EXPECT_EQ(NewProtocolAdapter(kTfServingRest, R"({"form": "rows"})", &error), nullptr);
  EXPECT_EQ(error,
            "protocol 'tfserving-rest': form must be \"instances\" or \"inputs\", not \"rows\"");
  EXPECT_EQ(NewProtocolAdapter(kTfServingRest, R"({"verison": 1})", &error), nullptr);
  EXPECT_NE(error.find("unknown option 'verison'"), std::string::npos) << error;
  EXPECT_EQ(NewProtocolAdapter(kKServeV2Binary, R"({"a": 1})", &error), nullptr);
  EXPECT_EQ(error, "protocol 'http-binary' takes no options");
}

const char kJsonOptions[] = R"({
  "path": "/api/{model}/predict", "headers": {"X-Api-Key": "k1"},
  "body": {"data": {"features": null}, "meta": {"id": 7}},
  "input_pointer": "/data/features", "input_shape": [2, 2],
  "output_pointer": "/result/scores", "output_shape": [3], "ready_path": "/healthz"})";

TEST(HttpJsonAdapterTest, PlacesTheInputAtThePointerOfTheTemplate) {
  std::string error;
  auto adapter = NewProtocolAdapter(kHttpJson, kJsonOptions, &error);
  ASSERT_NE(adapter, nullptr) << error;
  EXPECT_EQ(adapter->ServerReadyPath(), "/healthz");
  EXPECT_EQ(adapter->ModelReadyPath("m"), "/healthz");
  HttpCall call;
  ASSERT_TRUE(adapter->BuildInferCall("http://127.0.0.1:1", "digits", 2, &call, &error)) << error;
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.path, "/api/digits/predict");
  EXPECT_EQ(call.headers, (std::vector<std::pair<std::string, std::string>>{
                              {"X-Api-Key", "k1"}, {"Content-Type", "application/json"}}));
  const json body = json::parse(call.body);
  EXPECT_EQ(body["meta"], json({{"id", 7}}));
  const json& x = body["data"]["features"];
  ASSERT_EQ(x.size(), 2u);  // [2, 2, 2], nested
  ASSERT_EQ(x[1].size(), 2u);
  ASSERT_EQ(x[1][1].size(), 2u);
  EXPECT_TRUE(x[1][1][1].is_number_float());

  // Flat: one list of batch * 4 values; given data goes the same way.
  json flat = json::parse(kJsonOptions);
  flat["input_layout"] = "flat";
  auto flat_adapter = NewProtocolAdapter(kHttpJson, flat.dump(), &error);
  ASSERT_NE(flat_adapter, nullptr) << error;
  std::vector<HttpCall> calls;
  TensorValues data{"", {3, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}};
  ASSERT_TRUE(flat_adapter->BuildInferCallsWithData("", "m", data, 2, &calls, &error)) << error;
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(json::parse(calls[0].body)["data"]["features"], json({0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(json::parse(calls[1].body)["data"]["features"], json({8, 9, 10, 11}));
}

TEST(HttpJsonAdapterTest, ReadsTheOutputAtThePointerAndChecksItsShape) {
  std::string error;
  auto adapter = NewProtocolAdapter(kHttpJson, kJsonOptions, &error);
  ASSERT_NE(adapter, nullptr) << error;
  const std::string nested = R"({"result": {"scores": [[1, 2, 3], [4, 5, 6]]}})";
  EXPECT_TRUE(adapter->CheckInferResponse(nested, 2, &error)) << error;
  EXPECT_TRUE(
      adapter->CheckInferResponse(R"({"result": {"scores": [1, 2, 3, 4, 5, 6]}})", 2, &error))
      << error;
  EXPECT_FALSE(adapter->CheckInferResponse(nested, 3, &error));
  EXPECT_EQ(error, "output at /result/scores has shape [2,3], [3,3] (or 9 values flat) expected");
  EXPECT_FALSE(
      adapter->CheckInferResponse(R"({"result": {"scores": [[1, 2], [3, 4]]}})", 2, &error));
  EXPECT_FALSE(adapter->CheckInferResponse(R"({"detail": "Not Found"})", 2, &error));
  EXPECT_NE(error.find("response has nothing at /result/scores"), std::string::npos) << error;
  std::vector<TensorValues> outputs;
  ASSERT_TRUE(adapter->ReadOutputs(nested, &outputs, &error)) << error;
  EXPECT_EQ(outputs[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(outputs[0].values, (std::vector<double>{1, 2, 3, 4, 5, 6}));
  auto check = adapter->NewResponseCheck(nested, "ref", &error);
  ASSERT_NE(check, nullptr) << error;
  auto checker = check->NewChecker();
  EXPECT_TRUE(checker->Check(R"({"result": {"scores": [[0, 0, 0], [1, 1, 1]]}})", nullptr));
  EXPECT_FALSE(checker->Check(R"({"result": {"scores": [[0, 0, 0]]}})", nullptr));
}

TEST(HttpJsonAdapterTest, RefusesIncompleteOrWrongOptions) {
  std::string error;
  EXPECT_EQ(NewProtocolAdapter(kHttpJson, "", &error), nullptr);
  EXPECT_EQ(error, "protocol 'http-json': option 'path' is required");
  json options = json::parse(kJsonOptions);
  options["input_pointer"] = "/nowhere/x";
  EXPECT_EQ(NewProtocolAdapter(kHttpJson, options.dump(), &error), nullptr);
  EXPECT_EQ(error,
            "protocol 'http-json': input_pointer /nowhere/x: the body template has no object or "
            "list at its parent");
  options = json::parse(kJsonOptions);
  options["input_pointer"] = "features";
  EXPECT_EQ(NewProtocolAdapter(kHttpJson, options.dump(), &error), nullptr);
  EXPECT_NE(error.find("is not a JSON pointer"), std::string::npos) << error;
  options = json::parse(kJsonOptions);
  options["output_shape"] = json::array({0});
  EXPECT_EQ(NewProtocolAdapter(kHttpJson, options.dump(), &error), nullptr);
  EXPECT_NE(error.find("output_shape must hold sizes >= 1"), std::string::npos) << error;
  options = json::parse(kJsonOptions);
  options["input_typ"] = "int";
  EXPECT_EQ(NewProtocolAdapter(kHttpJson, options.dump(), &error), nullptr);
  EXPECT_NE(error.find("unknown option 'input_typ'"), std::string::npos) << error;
}

}  // namespace
}  // namespace servebench
