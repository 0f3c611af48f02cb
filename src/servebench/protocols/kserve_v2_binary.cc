// Copyright servebench authors.
//
// KServe v2 REST with the binary tensor data extension (`protocol: http-binary`), as Triton
// defines it and the C++ server implements it: the request body is a JSON header (each input's
// "parameters": {"binary_data_size": N}, no "data") followed by the inputs' raw bytes in order,
// with the header's length in Inference-Header-Content-Length; every output is asked for with
// "parameters": {"binary_data": true}, so the response is a JSON header whose outputs carry
// binary_data_size, followed by their bytes. The inputs hold the same deterministic values as
// the JSON protocol's (protocols/kserve_json.h), so both send the same tensors.
//
// Responses reach the adapter and the load engine's check without their headers, so the JSON
// header's end is found by matching its braces (protocols/binary_tensor.h); the sizes its
// outputs declare must then account for every byte after it. A server that answers an output
// as JSON "data" instead is accepted as the JSON path accepts it.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "servebench/core/clock.h"
#include "servebench/protocols/binary_tensor.h"
#include "servebench/protocols/http_client.h"
#include "servebench/protocols/kserve_json.h"
#include "servebench/protocols/metadata_inputs_adapter.h"
#include "servebench/protocols/protocol_adapter.h"
#include "servebench/protocols/shape_elements.h"

namespace servebench {

namespace {

using nlohmann::json;

std::string BinaryExcerpt(std::string_view body) {
  constexpr size_t kMax = 160;
  std::string text(body.substr(0, kMax));
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '.';
  }
  return body.size() <= kMax ? text : text + "...";
}

// One output of a response, its bytes (binary) or its JSON data.
struct BinaryOutput {
  std::string name;
  std::string datatype;
  std::vector<int64_t> shape;
  int64_t elements = 1;
  bool binary = false;
  std::string_view bytes;  // into the body, when binary
  json data;               // when not binary
};

// Splits and checks a binary-extension response: a JSON header without "error", a non-empty
// "outputs" array, each output named and shaped, binary outputs' sizes matching their
// datatype and shape and together every byte after the header, JSON outputs' data filling
// their shape.
bool ParseResponse(std::string_view body, std::vector<BinaryOutput>* outputs, std::string* error) {
  const size_t header_length = JsonObjectLength(body);
  if (header_length == std::string_view::npos) {
    *error = "response does not start with a JSON header: " + BinaryExcerpt(body);
    return false;
  }
  const json header = json::parse(body.substr(0, header_length), nullptr, false);
  if (header.is_discarded() || !header.is_object()) {
    *error = "response's JSON header is malformed: " + BinaryExcerpt(body);
    return false;
  }
  if (header.contains("error")) {
    *error = "server error: " + header["error"].dump();
    return false;
  }
  if (!header.contains("outputs") || !header["outputs"].is_array() || header["outputs"].empty()) {
    *error = "response has no \"outputs\"";
    return false;
  }
  std::string_view binary = body.substr(header_length);
  outputs->clear();
  for (const json& o : header["outputs"]) {
    BinaryOutput out;
    out.name = o.is_object() && o.contains("name") && o["name"].is_string()
                   ? o["name"].get<std::string>()
                   : "?";
    if (!o.is_object() || !o.contains("shape") || !o["shape"].is_array()) {
      *error = "output '" + out.name + "' has no shape";
      return false;
    }
    if (o.contains("datatype") && o["datatype"].is_string()) out.datatype = o["datatype"];
    for (const json& dim : o["shape"]) {
      if (!dim.is_number_integer() || dim.get<int64_t>() < 0) {
        *error = "output '" + out.name + "': bad shape " + o["shape"].dump();
        return false;
      }
      out.shape.push_back(dim.get<int64_t>());
      if (!MultiplyElements(out.shape.back(), &out.elements)) {
        *error = "output '" + out.name + "': shape " + o["shape"].dump() + " has too many elements";
        return false;
      }
    }
    const json* size = nullptr;
    if (o.contains("parameters") && o["parameters"].is_object() &&
        o["parameters"].contains("binary_data_size")) {
      size = &o["parameters"]["binary_data_size"];
    }
    if (size != nullptr) {
      if (!size->is_number_unsigned() || size->get<uint64_t>() > binary.size()) {
        *error = "output '" + out.name + "': binary_data_size " + size->dump() + " but " +
                 std::to_string(binary.size()) + " bytes left after the JSON header";
        return false;
      }
      const size_t n = static_cast<size_t>(size->get<uint64_t>());
      const int element_size = DatatypeSize(out.datatype);
      if (out.datatype != "BYTES" &&
          (element_size == 0 || n != static_cast<size_t>(out.elements * element_size))) {
        *error = "output '" + out.name + "': " + std::to_string(n) + " bytes for " +
                 std::to_string(out.elements) + " elements of " +
                 (out.datatype.empty() ? std::string("no datatype") : out.datatype);
        return false;
      }
      out.binary = true;
      out.bytes = binary.substr(0, n);
      binary.remove_prefix(n);
    } else {
      if (!o.contains("data") || !o["data"].is_array()) {
        *error = "output '" + out.name + "' has neither binary_data_size nor data";
        return false;
      }
      int64_t leaves = 0;
      CountLeaves(o["data"], &leaves);
      if (leaves != out.elements) {
        *error = "output '" + out.name + "': " + std::to_string(leaves) + " elements for shape " +
                 o["shape"].dump();
        return false;
      }
      out.data = o["data"];
    }
    outputs->push_back(std::move(out));
  }
  if (!binary.empty()) {
    *error = std::to_string(binary.size()) +
             " bytes after the JSON header that no output's binary_data_size accounts for";
    return false;
  }
  return true;
}

// The check of a load run: every response has the reference's outputs (names in any order,
// datatypes, shapes, binary or not) and is well formed as ParseResponse says.
class BinaryChecker final : public ResponseChecker {
 public:
  explicit BinaryChecker(const std::vector<BinaryOutput>& expected) : expected_(expected) {}

  bool Check(std::string_view body, std::string* why) override {
    std::string error;
    if (!ParseResponse(body, &outputs_, &error)) {
      if (why != nullptr) *why = error;
      return false;
    }
    if (outputs_.size() != expected_.size()) {
      if (why != nullptr) {
        *why = std::to_string(outputs_.size()) + " outputs, " + std::to_string(expected_.size()) +
               " expected";
      }
      return false;
    }
    for (const BinaryOutput& e : expected_) {
      const BinaryOutput* found = nullptr;
      for (const BinaryOutput& o : outputs_) {
        if (o.name == e.name) found = &o;
      }
      if (found == nullptr || found->datatype != e.datatype || found->shape != e.shape ||
          found->binary != e.binary) {
        if (why != nullptr) {
          *why = found == nullptr
                     ? "output '" + e.name + "' missing"
                     : "output '" + e.name + "': datatype " + found->datatype + " shape " +
                           json(found->shape).dump() + (found->binary ? " binary" : " JSON") +
                           ", " + e.datatype + " " + json(e.shape).dump() +
                           (e.binary ? " binary" : " JSON") + " expected";
        }
        return false;
      }
    }
    return true;
  }

 private:
  const std::vector<BinaryOutput>& expected_;
  std::vector<BinaryOutput> outputs_;
};

using BinaryCheck = ExpectedResponseCheck<BinaryChecker, std::vector<BinaryOutput>>;

class KServeV2BinaryAdapter : public MetadataInputsAdapter {
 public:
  std::string name() const override { return kKServeV2Binary; }

  std::string ServerReadyPath() const override { return "/v2/health/ready"; }

  std::string ModelReadyPath(const std::string& model) const override {
    return "/v2/models/" + model + "/ready";
  }

  bool ModelControlCalls(const std::string& model, HttpCall* unload,
                         HttpCall* load) const override {
    for (auto [call, action] : {std::pair{unload, "unload"}, std::pair{load, "load"}}) {
      call->method = "POST";
      call->path = "/v2/repository/models/" + model + "/" + action;
      call->headers = {{"Content-Type", "application/json"}};
      call->body = "{}";
    }
    return true;
  }

  bool CheckInferResponse(const std::string& body, int batch, std::string* error) const override {
    std::vector<BinaryOutput> outputs;
    if (!ParseResponse(body, &outputs, error)) return false;
    for (const BinaryOutput& o : outputs) {
      if (!CheckOutputStartsWithBatch(o.name, o.shape, batch, error)) return false;
    }
    return true;
  }

  bool ReadOutputs(const std::string& body, std::vector<TensorValues>* outputs,
                   std::string* error) const override {
    std::vector<BinaryOutput> parsed;
    if (!ParseResponse(body, &parsed, error)) return false;
    outputs->clear();
    for (const BinaryOutput& o : parsed) {
      TensorValues t;
      t.name = o.name;
      t.shape = o.shape;
      if (o.binary) {
        if (!DecodeBinaryTensor(o.datatype, o.bytes, o.elements, &t.values, error)) {
          *error = "output '" + o.name + "': " + *error;
          return false;
        }
      } else {
        // A JSON output among binary ones: read as the JSON protocol reads it.
        std::vector<TensorValues> one;
        const json wrapped = {
            {"outputs",
             json::array({json{{"name", o.name}, {"shape", o.shape}, {"data", o.data}}})}};
        if (!ReadKServeOutputs(wrapped.dump(), &one, error)) return false;
        t.values = std::move(one[0].values);
      }
      outputs->push_back(std::move(t));
    }
    return true;
  }

  std::shared_ptr<const ResponseCheck> NewResponseCheck(const std::string& reference,
                                                        const std::string& origin,
                                                        std::string* error) const override {
    std::vector<BinaryOutput> expected;
    if (!ParseResponse(reference, &expected, error)) {
      *error = origin + " is not a correct binary-extension inference response: " + *error;
      return nullptr;
    }
    std::string description = "KServe v2 binary outputs as in " + origin + ":";
    for (BinaryOutput& e : expected) {
      description += " " + e.name + " " + e.datatype + " " + json(e.shape).dump();
      e.bytes = {};  // the reference's text does not outlive this call
      e.data = nullptr;
    }
    return std::make_shared<BinaryCheck>(std::move(expected), std::move(description));
  }

 private:
  bool FetchMetadata(const std::string& base_url, const std::string& model, std::string* metadata,
                     std::string* origin, std::string* error) const override {
    return HttpGetDocument(base_url + "/v2/models/" + model, kMetadataTimeoutNs, metadata, origin,
                           error);
  }

  // The request: the inputs' data moved into the binary part, every output the metadata names
  // asked for as binary data.
  bool MakeInferCall(const std::string& model, const std::string& metadata, json inputs,
                     HttpCall* call, std::string* error) const override {
    std::string binary;
    for (json& input : inputs) {
      const size_t before = binary.size();
      const std::string datatype = input["datatype"].get<std::string>();
      if (!EncodeBinaryTensor(datatype, input["data"], &binary, error)) {
        *error =
            "model '" + model + "': input '" + input["name"].get<std::string>() + "': " + *error;
        return false;
      }
      input.erase("data");
      input["parameters"] = {{"binary_data_size", binary.size() - before}};
    }
    json request = {{"inputs", std::move(inputs)}};
    const json meta = json::parse(metadata, nullptr, false);
    json outputs = json::array();
    if (meta.is_object() && meta.contains("outputs") && meta["outputs"].is_array()) {
      for (const json& o : meta["outputs"]) {
        if (o.is_object() && o.contains("name") && o["name"].is_string()) {
          outputs.push_back({{"name", o["name"]}, {"parameters", {{"binary_data", true}}}});
        }
      }
    }
    if (outputs.empty()) {
      request["parameters"] = {{"binary_data_output", true}};  // every output, as binary
    } else {
      request["outputs"] = std::move(outputs);
    }
    const std::string header = request.dump();
    call->method = "POST";
    call->path = "/v2/models/" + model + "/infer";
    call->headers = {{"Content-Type", "application/octet-stream"},
                     {"Inference-Header-Content-Length", std::to_string(header.size())}};
    call->body = header + binary;
    return true;
  }
};

const ProtocolRegistration kKServeV2BinaryRegistration(kKServeV2Binary, [] {
  return std::make_unique<KServeV2BinaryAdapter>();
});

}  // namespace

}  // namespace servebench
