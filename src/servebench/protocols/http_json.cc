// Copyright servebench authors.
//
// Any JSON-over-HTTP inference API (`protocol: http-json`), such as a user's own FastAPI or
// Flask service, shaped by the server's protocol_options:
//
//   path            the inference path; "{model}" in it becomes the model's name (required)
//   method          default POST
//   headers         a mapping of request headers (Content-Type is application/json unless set)
//   body            the request body's template, a JSON value (default {})
//   input_pointer   where the input tensor goes in the body (RFC 6901), e.g. /features (required)
//   input_shape     one sample's shape, e.g. [64] (required)
//   input_type      float (default) or int
//   input_layout    nested (default: lists nested as the shape) or flat (one list)
//   batched         true (default): the tensor's first dimension is the batch; false: the body
//                   holds one sample as it is, so only batch 1 can be sent
//   output_pointer  where the output tensor is in a response (required)
//   output_shape    one sample's output shape, e.g. [10] (required): a response's tensor must
//                   have the batch and then this shape, nested, or as many values flat
//   ready_path      GET path that answers 2xx once the service can serve (default /)
//
// The input holds the same deterministic values as the KServe protocols (protocols/
// kserve_json.h) for a KServe input of that shape and type, so every protocol sends the same
// numbers.

#include <cstdint>
#include <nlohmann/json.hpp>

#include "servebench/protocols/kserve_json.h"
#include "servebench/protocols/nested_tensor.h"
#include "servebench/protocols/protocol_adapter.h"

namespace servebench {

namespace {

using nlohmann::json;

struct Options {
  std::string path;
  std::string method = "POST";
  std::vector<std::pair<std::string, std::string>> headers;
  json body = json::object();
  json::json_pointer input_pointer;
  std::string input_pointer_text;
  std::vector<int64_t> input_shape;
  std::string input_type = "FP32";
  bool flat_input = false;
  bool batched = true;
  json::json_pointer output_pointer;
  std::string output_pointer_text;
  std::vector<int64_t> output_shape;
  std::string ready_path = "/";
};

// The output tensor of `body` at the pointer, shaped [batch, output_shape...] (or output_shape
// when not batched); `batch` < 0: any batch. Flat values are accepted when they number as many.
bool ReadOutput(const Options& o, const std::string& body, int64_t batch, TensorValues* out,
                std::string* error) {
  const json response = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (response.is_discarded()) {
    *error = "response is not JSON: " + body.substr(0, 200);
    return false;
  }
  if (!response.contains(o.output_pointer)) {
    *error = "response has nothing at " + o.output_pointer_text + ": " + body.substr(0, 200);
    return false;
  }
  std::vector<int64_t> shape;
  out->name = o.output_pointer_text;
  if (!UnnestTensor(response[o.output_pointer], &shape, &out->values, error)) {
    *error = "output at " + o.output_pointer_text + ": " + *error;
    return false;
  }
  int64_t per_sample = 1;
  for (int64_t n : o.output_shape) per_sample *= n;
  if (batch < 0) {  // the batch the response holds: nested, its first size; flat, its count
    if (!o.batched) {
      batch = 1;
    } else if (shape.size() == o.output_shape.size() + 1) {
      batch = shape[0];
    } else if (shape.size() == 1 && static_cast<int64_t>(out->values.size()) % per_sample == 0) {
      batch = static_cast<int64_t>(out->values.size()) / per_sample;
    }
  }
  std::vector<int64_t> expected = o.output_shape;
  if (o.batched) expected.insert(expected.begin(), batch);
  const int64_t count = (o.batched ? batch : 1) * per_sample;
  const bool nested_ok = shape == expected;
  const bool flat_ok = shape.size() == 1 && static_cast<int64_t>(out->values.size()) == count;
  if (batch < 0 || (!nested_ok && !flat_ok)) {
    *error = "output at " + o.output_pointer_text + " has shape " + json(shape).dump() + ", " +
             json(expected).dump() + " (or " + std::to_string(count) + " values flat) expected";
    return false;
  }
  out->shape = expected;
  return true;
}

class ShapeChecker final : public ResponseChecker {
 public:
  ShapeChecker(const Options& options, int64_t batch) : options_(options), batch_(batch) {}
  bool Check(std::string_view body, std::string* why) override {
    std::string error;
    if (!ReadOutput(options_, std::string(body), batch_, &scratch_, &error)) {
      if (why != nullptr) *why = error;
      return false;
    }
    return true;
  }

 private:
  const Options& options_;
  const int64_t batch_;
  TensorValues scratch_;
};

class ShapeCheck final : public ResponseCheck {
 public:
  ShapeCheck(Options options, int64_t batch, std::string description)
      : options_(std::move(options)), batch_(batch), description_(std::move(description)) {}
  std::unique_ptr<ResponseChecker> NewChecker() const override {
    return std::make_unique<ShapeChecker>(options_, batch_);
  }
  std::string Describe() const override { return description_; }

 private:
  const Options options_;
  const int64_t batch_;
  const std::string description_;
};

class HttpJsonAdapter : public ProtocolAdapter {
 public:
  explicit HttpJsonAdapter(Options options) : o_(std::move(options)) {}

  std::string name() const override { return kHttpJson; }
  std::string ServerReadyPath() const override { return o_.ready_path; }
  std::string ModelReadyPath(const std::string&) const override { return o_.ready_path; }

  bool BuildInferCall(const std::string&, const std::string& model, int batch, HttpCall* call,
                      std::string* error) const override {
    json inputs;
    if (!KServeInputsFromMetadata(Metadata(), "the protocol options", model, batch, &inputs,
                                  error)) {
      return false;
    }
    *call = Call(model, inputs[0]);
    return true;
  }

  bool BuildInferCallsWithData(const std::string&, const std::string& model,
                               const TensorValues& data, int batch, std::vector<HttpCall>* calls,
                               std::string* error) const override {
    std::vector<json> inputs_per_request;
    if (!KServeInputsFromData(Metadata(), "the protocol options", model, data, batch,
                              &inputs_per_request, error)) {
      return false;
    }
    calls->clear();
    for (const json& inputs : inputs_per_request) calls->push_back(Call(model, inputs[0]));
    return true;
  }

  bool CheckInferResponse(const std::string& body, int batch, std::string* error) const override {
    TensorValues out;
    return ReadOutput(o_, body, batch, &out, error);
  }

  bool ReadOutputs(const std::string& body, std::vector<TensorValues>* outputs,
                   std::string* error) const override {
    TensorValues out;
    if (!ReadOutput(o_, body, -1, &out, error)) return false;
    outputs->assign(1, std::move(out));
    return true;
  }

  std::shared_ptr<const ResponseCheck> NewResponseCheck(const std::string& reference,
                                                        const std::string& origin,
                                                        std::string* error) const override {
    TensorValues out;
    if (!ReadOutput(o_, reference, -1, &out, error)) {
      *error = origin + " is not a correct response: " + *error;
      return nullptr;
    }
    const int64_t batch = o_.batched ? out.shape[0] : 1;
    return std::make_shared<ShapeCheck>(o_, batch,
                                        "JSON output at " + o_.output_pointer_text + " of shape " +
                                            json(out.shape).dump() + " as in " + origin);
  }

 private:
  // The input as a KServe v2 metadata document, for the shared data generator.
  std::string Metadata() const {
    std::vector<int64_t> shape = o_.input_shape;
    if (o_.batched) shape.insert(shape.begin(), -1);
    return json{{"inputs", json::array({json{
                               {"name", "input"}, {"datatype", o_.input_type}, {"shape", shape}}})}}
        .dump();
  }

  HttpCall Call(const std::string& model, const json& input) const {
    json body = o_.body;
    std::vector<int64_t> shape = input["shape"].get<std::vector<int64_t>>();
    body[o_.input_pointer] = o_.flat_input ? input["data"] : NestTensor(input["data"], shape);
    HttpCall call;
    call.method = o_.method;
    call.path = o_.path;
    for (size_t at; (at = call.path.find("{model}")) != std::string::npos;) {
      call.path.replace(at, 7, model);
    }
    call.headers = o_.headers;
    bool has_type = false;
    for (const auto& [name, value] : call.headers) {
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      has_type = has_type || lower == "content-type";
    }
    if (!has_type) call.headers.emplace_back("Content-Type", "application/json");
    call.body = body.dump();
    return call;
  }

  const Options o_;
};

bool ReadShape(const json& value, const std::string& key, std::vector<int64_t>* shape,
               std::string* error) {
  if (!value.is_array()) {
    *error = key + " must be a list of sizes, e.g. [64], not " + value.dump();
    return false;
  }
  shape->clear();
  for (const json& n : value) {
    if (!n.is_number_integer() || n.get<int64_t>() < 1) {
      *error = key + " must hold sizes >= 1, not " + value.dump();
      return false;
    }
    shape->push_back(n.get<int64_t>());
  }
  return true;
}

bool ReadPointer(const json& value, const std::string& key, json::json_pointer* pointer,
                 std::string* text, std::string* error) {
  if (!value.is_string()) {
    *error = key + " must be a JSON pointer string such as \"/features\", not " + value.dump();
    return false;
  }
  try {
    *pointer = json::json_pointer(value.get<std::string>());
  } catch (const json::exception& e) {
    *error = key + " " + value.dump() + " is not a JSON pointer (RFC 6901): " + e.what();
    return false;
  }
  *text = value.get<std::string>();
  return true;
}

bool ReadPath(const json& value, const std::string& key, std::string* path, std::string* error) {
  if (!value.is_string() || value.get<std::string>().empty() ||
      value.get<std::string>()[0] != '/') {
    *error = key + " must be a path starting with '/', not " + value.dump();
    return false;
  }
  *path = value.get<std::string>();
  return true;
}

std::unique_ptr<ProtocolAdapter> MakeHttpJsonAdapter(const json& options, std::string* error) {
  Options o;
  bool has_input = false, has_output = false, has_input_shape = false, has_output_shape = false;
  for (const auto& [key, value] : options.items()) {
    bool ok = true;
    if (key == "path") {
      ok = ReadPath(value, key, &o.path, error);
    } else if (key == "ready_path") {
      ok = ReadPath(value, key, &o.ready_path, error);
    } else if (key == "method") {
      ok = value.is_string() && !value.get<std::string>().empty();
      if (ok)
        o.method = value.get<std::string>();
      else
        *error = "method must be an HTTP method such as POST, not " + value.dump();
    } else if (key == "headers") {
      ok = value.is_object();
      for (const auto& [name, v] : value.items()) {
        if (!v.is_string() && !v.is_number()) ok = false;
        if (ok) o.headers.emplace_back(name, v.is_string() ? v.get<std::string>() : v.dump());
      }
      if (!ok) *error = "headers must map header names to strings, not " + value.dump();
    } else if (key == "body") {
      o.body = value;
    } else if (key == "input_pointer") {
      ok = ReadPointer(value, key, &o.input_pointer, &o.input_pointer_text, error);
      has_input = ok;
    } else if (key == "output_pointer") {
      ok = ReadPointer(value, key, &o.output_pointer, &o.output_pointer_text, error);
      has_output = ok;
    } else if (key == "input_shape") {
      ok = has_input_shape = ReadShape(value, key, &o.input_shape, error);
    } else if (key == "output_shape") {
      ok = has_output_shape = ReadShape(value, key, &o.output_shape, error);
    } else if (key == "input_type") {
      ok = value == "float" || value == "int";
      if (ok)
        o.input_type = value == "float" ? "FP32" : "INT64";
      else
        *error = "input_type must be \"float\" or \"int\", not " + value.dump();
    } else if (key == "input_layout") {
      ok = value == "nested" || value == "flat";
      if (ok)
        o.flat_input = value == "flat";
      else
        *error = "input_layout must be \"nested\" or \"flat\", not " + value.dump();
    } else if (key == "batched") {
      ok = value.is_boolean();
      if (ok)
        o.batched = value.get<bool>();
      else
        *error = "batched must be true or false, not " + value.dump();
    } else {
      *error = "unknown option '" + key +
               "' (known: path, method, headers, body, input_pointer, input_shape, input_type, "
               "input_layout, batched, output_pointer, output_shape, ready_path)";
      return nullptr;
    }
    if (!ok) return nullptr;
  }
  for (const auto& [key, present] :
       {std::pair{"path", !o.path.empty()}, std::pair{"input_pointer", has_input},
        std::pair{"input_shape", has_input_shape}, std::pair{"output_pointer", has_output},
        std::pair{"output_shape", has_output_shape}}) {
    if (!present) {
      *error = std::string("option '") + key + "' is required";
      return nullptr;
    }
  }
  // The body must have room at the pointer: its parent must exist in the template (or be the
  // root), so that the input does not silently land elsewhere.
  if (o.input_pointer.empty()) {
    *error = "input_pointer must point into the body, not be the whole body (\"\")";
    return nullptr;
  }
  const json::json_pointer parent = o.input_pointer.parent_pointer();
  if (!o.body.contains(parent) || !(o.body[parent].is_object() || o.body[parent].is_array())) {
    *error = "input_pointer " + o.input_pointer_text +
             ": the body template has no object or list at its parent";
    return nullptr;
  }
  return std::make_unique<HttpJsonAdapter>(std::move(o));
}

const ProtocolRegistration kHttpJsonRegistration(kHttpJson,
                                                 ConfiguredProtocolFactory(MakeHttpJsonAdapter));

}  // namespace

}  // namespace servebench
