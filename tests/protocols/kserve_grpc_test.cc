// Copyright servebench authors.
//
// KServe v2 gRPC tensors and the response check, against messages built here by hand with the
// generated protobuf classes: the request carries the JSON inputs' values as little-endian raw
// bytes, outputs read back as written, and the check accepts the reference's outputs and
// rejects every kind of wrong response with a reason.

#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "proto/grpc_predict_v2.pb.h"
#include "servebench/protocols/kserve_grpc_tensors.h"
#include "servebench/protocols/kserve_v2_grpc_response_check.h"
#include "servebench/protocols/protocol_adapter.h"

namespace servebench {
namespace {

using nlohmann::json;

template <typename T>
std::string Raw(std::initializer_list<T> values) {
  std::string out;
  for (T v : values) out.append(reinterpret_cast<const char*>(&v), sizeof v);
  return out;
}

// A response like the C++ server's for digits-mlp at batch `batch`: OUTPUT__0 FP32 [batch, 10].
std::string Response(int batch, int elements = -1, const std::string& name = "OUTPUT__0") {
  inference::ModelInferResponse r;
  r.set_model_name("digits-mlp");
  auto* out = r.add_outputs();
  out->set_name(name);
  out->set_datatype("FP32");
  out->add_shape(batch);
  out->add_shape(10);
  const int n = elements >= 0 ? elements : batch * 10;
  std::string raw(static_cast<size_t>(n) * 4, '\0');
  for (int i = 0; i < n; ++i) {
    const float v = 0.5f * i;
    std::memcpy(raw.data() + 4 * i, &v, 4);
  }
  r.add_raw_output_contents(raw);
  return r.SerializeAsString();
}

TEST(KServeGrpcTensorsTest, RequestCarriesTheInputsAsRawLittleEndianBytes) {
  const json inputs = json::parse(R"([
    {"name": "x", "datatype": "FP32", "shape": [2, 2], "data": [[0.5, 1], [2, -3]]},
    {"name": "ids", "datatype": "INT64", "shape": [3], "data": [1, 2, 3]},
    {"name": "h", "datatype": "FP16", "shape": [2], "data": [1.0, -2.5]},
    {"name": "b", "datatype": "BOOL", "shape": [2], "data": [true, false]},
    {"name": "s", "datatype": "BYTES", "shape": [1], "data": ["ab"]}])");
  std::string bytes, error;
  ASSERT_TRUE(EncodeGrpcInferRequest("m", inputs, &bytes, &error)) << error;
  inference::ModelInferRequest request;
  ASSERT_TRUE(request.ParseFromString(bytes));
  EXPECT_EQ(request.model_name(), "m");
  ASSERT_EQ(request.inputs_size(), 5);
  ASSERT_EQ(request.raw_input_contents_size(), 5);
  EXPECT_EQ(request.inputs(0).name(), "x");
  EXPECT_EQ(request.inputs(0).datatype(), "FP32");
  EXPECT_EQ(request.inputs(0).shape_size(), 2);
  EXPECT_FALSE(request.inputs(0).has_contents());  // raw only
  EXPECT_EQ(request.raw_input_contents(0), Raw<float>({0.5f, 1, 2, -3}));
  EXPECT_EQ(request.raw_input_contents(1), Raw<int64_t>({1, 2, 3}));
  EXPECT_EQ(request.raw_input_contents(2), Raw<uint16_t>({0x3c00, 0xc100}));  // IEEE half
  EXPECT_EQ(request.raw_input_contents(3), std::string("\x01\x00", 2));
  EXPECT_EQ(request.raw_input_contents(4), Raw<uint32_t>({2}) + "ab");
}

TEST(KServeGrpcTensorsTest, RequestErrorsNameTheInput) {
  std::string bytes, error;
  EXPECT_FALSE(EncodeGrpcInferRequest(
      "m", json::parse(R"([{"name": "x", "datatype": "FP32", "shape": [3], "data": [1, 2]}])"),
      &bytes, &error));
  EXPECT_NE(error.find("input 'x': 2 data elements for shape [3]"), std::string::npos) << error;
  EXPECT_FALSE(EncodeGrpcInferRequest(
      "m", json::parse(R"([{"name": "i", "datatype": "INT32", "shape": [1], "data": [1.5]}])"),
      &bytes, &error));
  EXPECT_NE(error.find("input 'i': a INT32 element must be an integer"), std::string::npos)
      << error;
  EXPECT_FALSE(EncodeGrpcInferRequest(
      "m", json::parse(R"([{"name": "q", "datatype": "FP8", "shape": [1], "data": [1]}])"), &bytes,
      &error));
  EXPECT_NE(error.find("'FP8' is not a KServe v2 datatype"), std::string::npos) << error;
}

TEST(KServeGrpcTensorsTest, OutputsReadBackAsWritten) {
  std::vector<TensorValues> outputs;
  std::string error;
  ASSERT_TRUE(ReadGrpcOutputs(Response(2), &outputs, &error)) << error;
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0].name, "OUTPUT__0");
  EXPECT_EQ(outputs[0].shape, (std::vector<int64_t>{2, 10}));
  ASSERT_EQ(outputs[0].values.size(), 20u);
  EXPECT_EQ(outputs[0].values[7], 3.5);
  // Typed contents instead of raw bytes read the same.
  inference::ModelInferResponse typed;
  auto* out = typed.add_outputs();
  out->set_name("y");
  out->set_datatype("INT64");
  out->add_shape(2);
  out->mutable_contents()->add_int64_contents(-4);
  out->mutable_contents()->add_int64_contents(9);
  ASSERT_TRUE(ReadGrpcOutputs(typed.SerializeAsString(), &outputs, &error)) << error;
  EXPECT_EQ(outputs[0].values, (std::vector<double>{-4, 9}));
}

TEST(KServeGrpcTensorsTest, MetadataReadsAsTheRestDocument) {
  inference::ModelMetadataResponse m;
  m.set_name("digits-mlp");
  auto* in = m.add_inputs();
  in->set_name("INPUT__0");
  in->set_datatype("FP32");
  in->add_shape(-1);
  in->add_shape(64);
  std::string text, error;
  ASSERT_TRUE(GrpcMetadataAsJson(m.SerializeAsString(), "here", &text, &error)) << error;
  const json doc = json::parse(text);
  EXPECT_EQ(doc["inputs"][0]["shape"], json::parse("[-1, 64]"));
  EXPECT_EQ(doc["inputs"][0]["datatype"], "FP32");
  EXPECT_FALSE(GrpcMetadataAsJson("\xff\xff", "here", &text, &error));
  EXPECT_NE(error.find("here"), std::string::npos);
}

TEST(KServeGrpcResponseCheckTest, AcceptsTheReferenceAndRejectsWrongResponses) {
  std::string error;
  auto check = NewKServeV2GrpcResponseCheck(Response(1), "ref", &error);
  ASSERT_NE(check, nullptr) << error;
  auto checker = check->NewChecker();
  auto rejects = [&](const std::string& body, const std::string& reason) {
    std::string padded = body + std::string(64, '\0');
    std::string why;
    EXPECT_FALSE(checker->Check(std::string_view(padded.data(), body.size()), &why)) << reason;
    EXPECT_NE(why.find(reason), std::string::npos) << why;
  };
  const std::string good = Response(1);
  EXPECT_TRUE(checker->Check(good, nullptr));
  rejects(Response(1, 9), "36 raw bytes for 10 FP32 elements");
  rejects(Response(2), "output 0 is 'OUTPUT__0' FP32 [2,10]");
  rejects(Response(1, -1, "logits"), "output 0 is 'logits'");
  rejects("\x0a\xff", "not a ModelInferResponse");
  inference::ModelInferResponse none;
  rejects(none.SerializeAsString(), "0 outputs, expected 1");
  EXPECT_EQ(NewKServeV2GrpcResponseCheck(none.SerializeAsString(), "ref", &error), nullptr);
  EXPECT_NE(error.find("ref: the response has no outputs"), std::string::npos) << error;
}

TEST(KServeGrpcAdapterTest, ReadinessIsTheReplysReadyFlag) {
  std::string error_;
  auto adapter = NewProtocolAdapter(kKServeV2Grpc);
  ASSERT_NE(adapter, nullptr);
  inference::ModelReadyResponse ready;
  ready.set_ready(true);
  EXPECT_TRUE(adapter->SaysReady(ready.SerializeAsString()));
  ready.set_ready(false);
  EXPECT_FALSE(adapter->SaysReady(ready.SerializeAsString()));
  const HttpCall call = adapter->ModelReadyCall("digits-mlp");
  EXPECT_EQ(call.path, "/inference.GRPCInferenceService/ModelReady");
  inference::ModelReadyRequest request;
  ASSERT_TRUE(request.ParseFromString(call.body));
  EXPECT_EQ(request.name(), "digits-mlp");
  // Triton's repository calls carry the model's name in field 2 (model_name).
  HttpCall unload, load;
  ASSERT_TRUE(adapter->ModelControlCalls("m1", &unload, &load));
  EXPECT_EQ(load.path, "/inference.GRPCInferenceService/RepositoryModelLoad");
  EXPECT_EQ(load.body, std::string("\x12\x02m1", 4));
  EXPECT_TRUE(adapter->CheckInferResponse(Response(4), 4, &error_));
  EXPECT_FALSE(adapter->CheckInferResponse(Response(4), 2, &error_));
  EXPECT_NE(error_.find("not the batch 2"), std::string::npos) << error_;
}

}  // namespace
}  // namespace servebench
