// Copyright servebench authors.
//
// TensorFlow Serving's REST API (`protocol: tfserving-rest`), as its published API documents
// describe it:
//
//   GET  /v1/models/{m}[/versions/{v}]           model status: {"model_version_status": [{
//                                                "version": "1", "state": "AVAILABLE", ...}]}
//   GET  /v1/models/{m}[/versions/{v}]/metadata  the signatures: {"metadata": {"signature_def":
//                                                {"signature_def": {"serving_default": {
//                                                "inputs": {NAME: {"dtype": "DT_FLOAT",
//                                                "tensor_shape": {"dim": [{"size": "-1"}, ...]}}},
//                                                "outputs": {...}}}}}}
//   POST /v1/models/{m}[/versions/{v}]:predict   {"signature_name": S, "instances": [...]} (the
//                                                row form: one entry per sample) or {"inputs":
//                                                ...} (the columnar form: whole tensors); the
//                                                answer is {"predictions": [...]} or {"outputs":
//                                                ...} in the same form, {"error": "..."} on failure
//
// The status call answers 200 as soon as TF Serving tracks a version, also while it is still
// LOADING, so a model is ready only when the answer lists the version asked for (any version
// when none is) as AVAILABLE (SaysReady). TF Serving has no server health route; the
// tfserving launcher turns on its Prometheus endpoint, which answers once the REST server is up,
// and that is the server readiness path (an external TF Serving is polled for model readiness
// only). Model loads go through TF Serving's gRPC ModelService, so this protocol has no
// repository calls.
//
// Requests hold the same deterministic values as the KServe protocols (protocols/kserve_json.h),
// shaped from the signature's inputs (a leading -1 is the batch dimension), nested as lists.
//
// Options (protocol_options): "form": "instances" (the default) or "inputs"; "version": a
// version number to address; "signature_name": the signature (default "serving_default").

#include <cstdint>
#include <nlohmann/json.hpp>

#include "servebench/core/clock.h"
#include "servebench/protocols/http_client.h"
#include "servebench/protocols/kserve_json.h"
#include "servebench/protocols/metadata_inputs_adapter.h"
#include "servebench/protocols/nested_tensor.h"
#include "servebench/protocols/protocol_adapter.h"

namespace servebench {

namespace {

using nlohmann::json;

// TF's DataType names as KServe v2 datatypes, so that the KServe data generator fills them.
std::string KServeDatatype(const std::string& dtype) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {"DT_FLOAT", "FP32"},    {"DT_DOUBLE", "FP64"},   {"DT_HALF", "FP16"},
      {"DT_INT8", "INT8"},     {"DT_INT16", "INT16"},   {"DT_INT32", "INT32"},
      {"DT_INT64", "INT64"},   {"DT_UINT8", "UINT8"},   {"DT_UINT16", "UINT16"},
      {"DT_UINT32", "UINT32"}, {"DT_UINT64", "UINT64"}, {"DT_BOOL", "BOOL"},
      {"DT_STRING", "BYTES"}};
  for (const auto& [tf, kserve] : kTypes) {
    if (dtype == tf) return kserve;
  }
  return "";
}

// A dimension size as TF Serving's JSON writes it: int64 fields are strings in proto3 JSON.
bool DimSize(const json& dim, int64_t* size) {
  if (!dim.is_object()) return false;
  if (!dim.contains("size")) {
    *size = 0;  // proto3 JSON leaves out a zero
    return true;
  }
  const json& s = dim["size"];
  if (s.is_number_integer()) {
    *size = s.get<int64_t>();
    return true;
  }
  if (!s.is_string()) return false;
  try {
    size_t used = 0;
    *size = std::stoll(s.get<std::string>(), &used);
    return used == s.get<std::string>().size();
  } catch (const std::exception&) {
    return false;
  }
}

// One output of a predict response: its name (the signature's output name when the response
// names none) and its tensor.
struct Output {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<double> values;
};

// Stacks per-sample values ("instances" answers) into one tensor with the batch first.
bool Stack(const std::vector<const json*>& samples, const std::string& name, Output* out,
           std::string* error) {
  out->name = name;
  out->shape.clear();
  out->values.clear();
  std::vector<int64_t> first;
  for (size_t i = 0; i < samples.size(); ++i) {
    std::vector<int64_t> shape;
    std::vector<double> values;
    if (!UnnestTensor(*samples[i], &shape, &values, error)) {
      *error = "prediction " + std::to_string(i) + (name.empty() ? "" : " '" + name + "'") + ": " +
               *error;
      return false;
    }
    if (i == 0) first = shape;
    if (shape != first) {
      *error = "prediction " + std::to_string(i) + " has shape " + json(shape).dump() +
               ", prediction 0 " + json(first).dump();
      return false;
    }
    out->values.insert(out->values.end(), values.begin(), values.end());
  }
  out->shape.push_back(static_cast<int64_t>(samples.size()));
  out->shape.insert(out->shape.end(), first.begin(), first.end());
  return true;
}

// The outputs of a predict response, in either form; false with *error for an error answer
// ({"error": ...}) or a malformed one. A single unnamed output is called "predictions" or
// "outputs" after the key that held it.
bool ParsePredictResponse(const std::string& body, std::vector<Output>* outputs,
                          std::string* error) {
  const json response = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (response.is_discarded() || !response.is_object()) {
    *error = "response is not a JSON object: " + body.substr(0, 200);
    return false;
  }
  if (response.contains("error")) {
    *error =
        "server error: " + (response["error"].is_string() ? response["error"].get<std::string>()
                                                          : response["error"].dump());
    return false;
  }
  outputs->clear();
  if (response.contains("predictions")) {
    const json& p = response["predictions"];
    if (!p.is_array() || p.empty()) {
      *error = "\"predictions\" is not a non-empty list";
      return false;
    }
    if (p[0].is_object()) {  // several outputs: one object per sample, an entry per output
      for (const auto& [name, unused] : p[0].items()) {
        std::vector<const json*> samples;
        for (const json& sample : p) {
          if (!sample.is_object() || !sample.contains(name)) {
            *error = "a prediction lacks output '" + name + "'";
            return false;
          }
          samples.push_back(&sample[name]);
        }
        Output out;
        if (!Stack(samples, name, &out, error)) return false;
        outputs->push_back(std::move(out));
      }
    } else {
      std::vector<const json*> samples;
      for (const json& sample : p) samples.push_back(&sample);
      Output out;
      if (!Stack(samples, "predictions", &out, error)) return false;
      outputs->push_back(std::move(out));
    }
    return true;
  }
  if (response.contains("outputs")) {
    const json& o = response["outputs"];
    std::vector<std::pair<std::string, const json*>> tensors;
    if (o.is_object()) {
      for (const auto& [name, value] : o.items()) tensors.emplace_back(name, &value);
    } else {
      tensors.emplace_back("outputs", &o);
    }
    for (const auto& [name, value] : tensors) {
      Output out;
      out.name = name;
      if (!UnnestTensor(*value, &out.shape, &out.values, error)) {
        *error = "output '" + name + "': " + *error;
        return false;
      }
      outputs->push_back(std::move(out));
    }
    return !outputs->empty() || (*error = "\"outputs\" is empty", false);
  }
  *error = "response has neither \"predictions\" nor \"outputs\": " + body.substr(0, 200);
  return false;
}

// A load run's check: every response parses as ParsePredictResponse says, with the
// reference's outputs and shapes. Values are not compared.
class RestPredictChecker final : public ResponseChecker {
 public:
  explicit RestPredictChecker(const std::vector<Output>& expected) : expected_(expected) {}
  bool Check(std::string_view body, std::string* why) override {
    std::string error;
    if (!ParsePredictResponse(std::string(body), &outputs_, &error)) {
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
    for (size_t i = 0; i < expected_.size(); ++i) {
      if (outputs_[i].name != expected_[i].name || outputs_[i].shape != expected_[i].shape) {
        if (why != nullptr) {
          *why = "output '" + outputs_[i].name + "' of shape " + json(outputs_[i].shape).dump() +
                 ", '" + expected_[i].name + "' of shape " + json(expected_[i].shape).dump() +
                 " expected";
        }
        return false;
      }
    }
    return true;
  }

 private:
  const std::vector<Output>& expected_;
  std::vector<Output> outputs_;
};

using RestPredictCheck = ExpectedResponseCheck<RestPredictChecker, std::vector<Output>>;

// A JSON object (not the Prometheus text page of server readiness) is a model status answer.
bool LooksLikeStatus(const std::string& body) {
  const size_t first = body.find_first_not_of(" \t\r\n");
  return first != std::string::npos && body[first] == '{';
}

class TfServingRestAdapter : public MetadataInputsAdapter {
 public:
  TfServingRestAdapter(bool columnar, std::string version, std::string signature)
      : columnar_(columnar), version_(std::move(version)), signature_(std::move(signature)) {}

  std::string name() const override { return kTfServingRest; }

  std::string ServerReadyPath() const override { return "/monitoring/prometheus/metrics"; }

  std::string ModelReadyPath(const std::string& model) const override { return ModelPath(model); }

  // A model status answer says ready when it lists the version asked for (any, when none is)
  // as AVAILABLE. Any other 2xx answer is the server readiness call's Prometheus page.
  bool SaysReady(const std::string& body) const override {
    std::string why;
    return !LooksLikeStatus(body) || Available(body, &why);
  }

  // Whether a model status answer lists the version as AVAILABLE; the states it lists in *why.
  bool Available(const std::string& body, std::string* why) const {
    const json status = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!status.is_object() || !status.contains("model_version_status") ||
        !status["model_version_status"].is_array()) {
      *why = "no model_version_status in the answer";
      return false;
    }
    std::string states;
    for (const json& v : status["model_version_status"]) {
      if (!v.is_object()) continue;
      const std::string version = !v.contains("version")     ? "?"
                                  : v["version"].is_string() ? v["version"].get<std::string>()
                                                             : v["version"].dump();
      const std::string state =
          v.contains("state") && v["state"].is_string() ? v["state"].get<std::string>() : "?";
      if ((version_.empty() || version == version_) && state == "AVAILABLE") return true;
      states += (states.empty() ? "" : ", ") + std::string("version ") + version + " " + state;
    }
    *why = (version_.empty() ? "no version" : "version " + version_ + " not") +
           std::string(" AVAILABLE") + (states.empty() ? "" : " (" + states + ")");
    return false;
  }

  bool CheckInferResponse(const std::string& body, int batch, std::string* error) const override {
    std::vector<Output> outputs;
    if (!ParsePredictResponse(body, &outputs, error)) return false;
    for (const Output& o : outputs) {
      if (!CheckOutputStartsWithBatch(o.name, o.shape, batch, error)) return false;
    }
    return true;
  }

  bool ReadOutputs(const std::string& body, std::vector<TensorValues>* outputs,
                   std::string* error) const override {
    std::vector<Output> parsed;
    if (!ParsePredictResponse(body, &parsed, error)) return false;
    outputs->clear();
    for (Output& o : parsed) {
      outputs->push_back({std::move(o.name), std::move(o.shape), std::move(o.values)});
    }
    return true;
  }

  std::shared_ptr<const ResponseCheck> NewResponseCheck(const std::string& reference,
                                                        const std::string& origin,
                                                        std::string* error) const override {
    std::vector<Output> expected;
    if (!ParsePredictResponse(reference, &expected, error)) {
      *error = origin + " is not a correct TF Serving predict response: " + *error;
      return nullptr;
    }
    std::string description = "TF Serving predict outputs as in " + origin + ":";
    for (Output& e : expected) {
      description += " " + e.name + " " + json(e.shape).dump();
      e.values.clear();
    }
    return std::make_shared<RestPredictCheck>(std::move(expected), std::move(description));
  }

 private:
  std::string ModelPath(const std::string& model) const {
    return "/v1/models/" + model + (version_.empty() ? "" : "/versions/" + version_);
  }

  // The signature's inputs, from GET .../metadata, as a KServe v2 metadata document (inputs
  // sorted by name, as TF Serving's map gives them), so that the KServe data generator fills
  // them.
  bool FetchMetadata(const std::string& base_url, const std::string& model, std::string* metadata,
                     std::string* origin, std::string* error) const override {
    std::string body;
    if (!HttpGetDocument(base_url + ModelPath(model) + "/metadata", kMetadataTimeoutNs, &body,
                         origin, error)) {
      return false;
    }
    const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
    const json* signature = nullptr;
    if (doc.is_object() && doc.contains("metadata") && doc["metadata"].is_object() &&
        doc["metadata"].contains("signature_def")) {
      const json& outer = doc["metadata"]["signature_def"];
      if (outer.is_object() && outer.contains("signature_def") &&
          outer["signature_def"].is_object() && outer["signature_def"].contains(signature_)) {
        signature = &outer["signature_def"][signature_];
      }
    }
    if (signature == nullptr || !signature->is_object() || !signature->contains("inputs") ||
        !(*signature)["inputs"].is_object() || (*signature)["inputs"].empty()) {
      *error = *origin + ": no signature '" + signature_ +
               "' with inputs in metadata.signature_def.signature_def: " + body.substr(0, 300);
      return false;
    }
    json inputs = json::array();
    for (const auto& [name, info] : (*signature)["inputs"].items()) {
      const std::string dtype =
          info.is_object() && info.contains("dtype") && info["dtype"].is_string()
              ? info["dtype"].get<std::string>()
              : "";
      const std::string datatype = KServeDatatype(dtype);
      if (datatype.empty()) {
        *error = *origin + ": input '" + name + "' has dtype '" + dtype +
                 "', which servebench cannot fill";
        return false;
      }
      if (!info.contains("tensor_shape") || !info["tensor_shape"].is_object() ||
          info["tensor_shape"].value("unknown_rank", false) ||
          !info["tensor_shape"].contains("dim") || !info["tensor_shape"]["dim"].is_array()) {
        *error = *origin + ": input '" + name + "' has no known shape";
        return false;
      }
      json shape = json::array();
      for (const json& dim : info["tensor_shape"]["dim"]) {
        int64_t size = 0;
        if (!DimSize(dim, &size)) {
          *error = *origin + ": input '" + name + "': bad dimension " + dim.dump();
          return false;
        }
        shape.push_back(size);
      }
      inputs.push_back({{"name", name}, {"datatype", datatype}, {"shape", shape}});
    }
    *metadata = json{{"inputs", inputs}}.dump();
    return true;
  }

  // POST :predict with `inputs` (KServe-style entries: name, shape, flat data) in the form the
  // options chose: rows of samples ("instances") or whole tensors ("inputs"); one input
  // unnamed, several by name.
  bool MakeInferCall(const std::string& model, const std::string& /*metadata*/, json inputs,
                     HttpCall* call, std::string* /*error*/) const override {
    json request = json::object();
    if (signature_ != "serving_default") request["signature_name"] = signature_;
    const bool single = inputs.size() == 1;
    if (columnar_) {
      json tensors = json::object();
      for (const json& in : inputs) {
        tensors[in["name"].get<std::string>()] =
            NestTensor(in["data"], in["shape"].get<std::vector<int64_t>>());
      }
      request["inputs"] = single ? tensors.begin().value() : tensors;
    } else {
      // Samples along each input's first dimension (a model without a batch dimension is sent
      // as one sample).
      json rows = json::array();
      const int64_t samples = inputs[0]["shape"].empty() ? 1 : inputs[0]["shape"][0].get<int64_t>();
      for (int64_t s = 0; s < samples; ++s) {
        json row = json::object();
        for (const json& in : inputs) {
          std::vector<int64_t> sample = in["shape"].get<std::vector<int64_t>>();
          if (!sample.empty()) sample.erase(sample.begin());
          int64_t per = 1;
          for (int64_t n : sample) per *= n;
          const json& data = in["data"];
          const json flat(data.begin() + s * per, data.begin() + (s + 1) * per);
          row[in["name"].get<std::string>()] = NestTensor(flat, sample);
        }
        rows.push_back(single ? row.begin().value() : row);
      }
      request["instances"] = std::move(rows);
    }
    call->method = "POST";
    call->path = ModelPath(model) + ":predict";
    call->headers = {{"Content-Type", "application/json"}};
    call->body = request.dump();
    return true;
  }

  const bool columnar_;
  const std::string version_;    // empty: the latest
  const std::string signature_;  // "serving_default" unless the options name another
};

std::unique_ptr<ProtocolAdapter> MakeTfServingRestAdapter(const json& options, std::string* error) {
  bool columnar = false;
  std::string version, signature = "serving_default";
  for (const auto& [key, value] : options.items()) {
    if (key == "form") {
      if (value != "instances" && value != "inputs") {
        *error = "form must be \"instances\" or \"inputs\", not " + value.dump();
        return nullptr;
      }
      columnar = value == "inputs";
    } else if (key == "version") {
      if (!value.is_number_integer() || value.get<int64_t>() < 1) {
        *error = "version must be a version number (an integer >= 1), not " + value.dump();
        return nullptr;
      }
      version = std::to_string(value.get<int64_t>());
    } else if (key == "signature_name") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        *error = "signature_name must be a non-empty string, not " + value.dump();
        return nullptr;
      }
      signature = value.get<std::string>();
    } else {
      *error = "unknown option '" + key + "' (known: form, version, signature_name)";
      return nullptr;
    }
  }
  return std::make_unique<TfServingRestAdapter>(columnar, version, signature);
}

const ProtocolRegistration kTfServingRestRegistration(
    kTfServingRest, ConfiguredProtocolFactory(MakeTfServingRestAdapter));

}  // namespace

}  // namespace servebench
