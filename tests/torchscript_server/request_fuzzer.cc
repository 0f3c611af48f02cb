// libFuzzer target for the request-to-tensor path: arbitrary bytes as an HTTP body with an
// arbitrary Inference-Header-Content-Length, through the REST parser, validation against two
// models, and the response encoder. Built and run by run_fuzzer.sh (ctest).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "infer_request.h"
#include "rest_codec.h"

namespace ts = servebench::ts;

namespace {

ts::ModelSpec BatchingSpec() {
  ts::ModelSpec spec;
  spec.name = "m";
  spec.max_batch_size = 8;
  spec.inputs = {{"INPUT__0", ts::DataType::kFp32, {64}},
                 {"B", ts::DataType::kInt64, {-1}},
                 {"C", ts::DataType::kBool, {2}}};
  spec.outputs = {{"OUTPUT__0", ts::DataType::kFp32, {10}}, {"P", ts::DataType::kFp16, {1}}};
  return spec;
}

ts::ModelSpec FixedSpec() {
  ts::ModelSpec spec;
  spec.name = "f";
  spec.inputs = {{"X", ts::DataType::kFp32, {2, 3}}, {"Y", ts::DataType::kUint8, {-1}}};
  spec.outputs = {{"S", ts::DataType::kFp64, {2, 3}}};
  return spec;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // The first two bytes choose where the JSON ends; 0 means "no header": the whole body.
  size_t split = static_cast<size_t>(data[0]) | (static_cast<size_t>(data[1]) << 8);
  std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);
  size_t json_length = split == 0 ? body.size() : split - 1;
  static const ts::ModelSpec specs[] = {BatchingSpec(), FixedSpec()};
  for (const ts::ModelSpec& spec : specs) {
    ts::InferRequest request;
    if (!ts::ParseRestInferRequest(body, json_length, &request).ok()) return 0;
    ts::PreparedRequest prepared;
    if (!ts::PrepareRequest(spec, &request, &prepared).ok()) continue;
    // Echo the inputs through the encoder, as if they were outputs.
    std::vector<bool> binary;
    for (size_t i = 0; i < prepared.inputs.size(); ++i) binary.push_back(i % 2 == 1);
    size_t out_json = 0;
    std::string encoded =
        ts::EncodeRestInferResponse(spec.name, "1", request.id, prepared.inputs, binary, &out_json);
    if (out_json > encoded.size()) __builtin_trap();
  }
  return 0;
}
