// Copyright servebench authors.

#include "servebench/protocols/kserve_json.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "servebench/protocols/shape_elements.h"

namespace servebench {

namespace {

using nlohmann::json;

// Fixed so that the request body is the same on every call, run and machine.
constexpr uint32_t kDataSeed = 20240601;

bool IsFloatType(const std::string& t) { return t == "FP16" || t == "FP32" || t == "FP64"; }

bool IsIntType(const std::string& t) {
  return t == "UINT8" || t == "UINT16" || t == "UINT32" || t == "UINT64" || t == "INT8" ||
         t == "INT16" || t == "INT32" || t == "INT64";
}

// `count` values of `datatype`: floats in [0, 1) with four decimals (short in JSON, exact enough
// for any model), small non-negative integers (valid for every integer type, and for index
// inputs such as token ids or classes), alternating booleans, short strings for BYTES.
bool MakeData(const std::string& datatype, int64_t count, std::mt19937* gen, json* data,
              std::string* error) {
  *data = json::array();
  data->get_ref<json::array_t&>().reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    if (IsFloatType(datatype)) {
      data->push_back(static_cast<double>((*gen)() % 10000) / 10000.0);
    } else if (IsIntType(datatype)) {
      data->push_back(static_cast<int>((*gen)() % 10));
    } else if (datatype == "BOOL") {
      data->push_back(((*gen)() & 1) != 0);
    } else if (datatype == "BYTES") {
      data->push_back("servebench-" + std::to_string((*gen)() % 1000));
    } else {
      *error = "datatype '" + datatype + "' is not a KServe v2 datatype";
      return false;
    }
  }
  return true;
}

// The leaves of flat or nested row-major data, as numbers (booleans as 0 and 1); false at the
// first leaf that is neither.
bool Flatten(const json& value, std::vector<double>* out) {
  if (value.is_array()) {
    for (const json& v : value) {
      if (!Flatten(v, out)) return false;
    }
    return true;
  }
  if (value.is_boolean()) {
    out->push_back(value.get<bool>() ? 1 : 0);
    return true;
  }
  if (!value.is_number()) return false;
  out->push_back(value.get<double>());
  return true;
}

}  // namespace

bool KServeInputsFromMetadata(const std::string& metadata_text, const std::string& origin,
                              const std::string& model, int batch, json* inputs,
                              std::string* error) {
  if (batch < 1) {
    *error = "batch must be at least 1, not " + std::to_string(batch);
    return false;
  }
  const json metadata = json::parse(metadata_text, nullptr, /*allow_exceptions=*/false);
  if (!metadata.is_object() || !metadata.contains("inputs") || !metadata["inputs"].is_array() ||
      metadata["inputs"].empty()) {
    *error = origin + ": metadata without an \"inputs\" array: " + metadata_text.substr(0, 200);
    return false;
  }

  std::mt19937 gen(kDataSeed);
  *inputs = json::array();
  for (const json& input : metadata["inputs"]) {
    if (!input.is_object() || !input.contains("name") || !input["name"].is_string() ||
        !input.contains("datatype") || !input["datatype"].is_string() || !input.contains("shape") ||
        !input["shape"].is_array()) {
      *error =
          "model '" + model + "': input metadata needs name, datatype and shape: " + input.dump();
      return false;
    }
    const std::string input_name = input["name"].get<std::string>();
    std::vector<int64_t> shape;
    bool batched = false;
    for (size_t d = 0; d < input["shape"].size(); ++d) {
      const json& dim = input["shape"][d];
      if (!dim.is_number_integer() || dim.get<int64_t>() < -1) {
        *error =
            "model '" + model + "': input '" + input_name + "': bad shape " + input["shape"].dump();
        return false;
      }
      int64_t n = dim.get<int64_t>();
      // A leading -1 is the batch dimension of a batching model; any other -1 is a variable
      // dimension, given its smallest size.
      if (n == -1 && d == 0) {
        n = batch;
        batched = true;
      } else if (n == -1) {
        n = 1;
      }
      shape.push_back(n);
    }
    if (!batched && batch != 1) {
      *error = "model '" + model + "': input '" + input_name + "' has no batch dimension (shape " +
               input["shape"].dump() + "), so only batch 1 can be sent, not " +
               std::to_string(batch);
      return false;
    }
    int64_t count = 1;
    for (int64_t n : shape) count *= n;
    json data;
    const std::string datatype = input["datatype"].get<std::string>();
    if (!MakeData(datatype, count, &gen, &data, error)) {
      *error = "model '" + model + "': input '" + input_name + "': " + *error;
      return false;
    }
    inputs->push_back(json{
        {"name", input_name}, {"shape", shape}, {"datatype", datatype}, {"data", std::move(data)}});
  }
  return true;
}

bool CheckOutputStartsWithBatch(const std::string& name, const std::vector<int64_t>& shape,
                                int batch, std::string* error) {
  if (!shape.empty() && shape[0] == batch) return true;
  *error = "output '" + name + "': shape " + json(shape).dump() + " does not start with batch " +
           std::to_string(batch);
  return false;
}

bool CheckKServeOutputs(const std::string& body, int batch, std::string* error) {
  json response = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (response.is_discarded() || !response.is_object()) {
    *error = "response is not a JSON object: " + body.substr(0, 200);
    return false;
  }
  if (response.contains("error")) {
    *error = "server error: " + response["error"].dump();
    return false;
  }
  if (!response.contains("outputs") || !response["outputs"].is_array() ||
      response["outputs"].empty()) {
    *error = "response has no \"outputs\"";
    return false;
  }
  for (const json& output : response["outputs"]) {
    const std::string name =
        output.is_object() && output.contains("name") && output["name"].is_string()
            ? output["name"].get<std::string>()
            : "?";
    if (!output.is_object() || !output.contains("shape") || !output["shape"].is_array() ||
        !output.contains("data") || !output["data"].is_array()) {
      *error = "output '" + name + "' lacks shape or data";
      return false;
    }
    const json& shape = output["shape"];
    int64_t count = 1;
    for (const json& dim : shape) {
      if (!dim.is_number_integer() || dim.get<int64_t>() < 0) {
        *error = "output '" + name + "': bad shape " + shape.dump();
        return false;
      }
      if (!MultiplyElements(dim.get<int64_t>(), &count)) {
        *error = "output '" + name + "': shape " + shape.dump() + " has too many elements";
        return false;
      }
    }
    if (!CheckOutputStartsWithBatch(name, shape.get<std::vector<int64_t>>(), batch, error)) {
      return false;
    }
    // Data may be flat (the norm) or nested row-major; count the leaves.
    int64_t leaves = 0;
    CountLeaves(output["data"], &leaves);
    if (leaves != count) {
      *error = "output '" + name + "': " + std::to_string(leaves) + " elements for shape " +
               shape.dump() + " (" + std::to_string(count) + " expected)";
      return false;
    }
  }
  return true;
}

bool KServeInputsFromData(const std::string& metadata_text, const std::string& origin,
                          const std::string& model, const TensorValues& data, int batch,
                          std::vector<json>* inputs_per_request, std::string* error) {
  if (batch < 1) {
    *error = "batch must be at least 1, not " + std::to_string(batch);
    return false;
  }
  int64_t count = data.shape.empty() ? 0 : 1;
  for (int64_t n : data.shape) count *= n;
  if (data.shape.empty() || data.shape[0] < 1 ||
      count != static_cast<int64_t>(data.values.size())) {
    *error = "data of shape " + json(data.shape).dump() + " with " +
             std::to_string(data.values.size()) + " values is not a list of samples";
    return false;
  }
  const json metadata = json::parse(metadata_text, nullptr, /*allow_exceptions=*/false);
  if (!metadata.is_object() || !metadata.contains("inputs") || !metadata["inputs"].is_array() ||
      metadata["inputs"].empty()) {
    *error = origin + ": metadata without an \"inputs\" array: " + metadata_text.substr(0, 200);
    return false;
  }
  if (metadata["inputs"].size() != 1) {
    *error = "model '" + model + "' has " + std::to_string(metadata["inputs"].size()) +
             " inputs; given data fills exactly one";
    return false;
  }
  const json& input = metadata["inputs"][0];
  if (!input.is_object() || !input.contains("name") || !input["name"].is_string() ||
      !input.contains("datatype") || !input["datatype"].is_string() || !input.contains("shape") ||
      !input["shape"].is_array()) {
    *error =
        "model '" + model + "': input metadata needs name, datatype and shape: " + input.dump();
    return false;
  }
  const std::string name = input["name"].get<std::string>();
  std::vector<int64_t> declared;
  for (const json& dim : input["shape"]) {
    if (!dim.is_number_integer() || dim.get<int64_t>() < -1) {
      *error = "model '" + model + "': input '" + name + "': bad shape " + input["shape"].dump();
      return false;
    }
    declared.push_back(dim.get<int64_t>());
  }
  const std::string datatype = input["datatype"].get<std::string>();
  const bool integer = IsIntType(datatype);
  if (!integer && !IsFloatType(datatype)) {
    *error = "model '" + model + "': input '" + name + "' is " + datatype + ", not a numeric type";
    return false;
  }
  // The metadata's shape is [-1, sample dims...] for a batching model, else the sample dims.
  const bool batched = !declared.empty() && declared[0] == -1;
  const std::vector<int64_t> sample(data.shape.begin() + 1, data.shape.end());
  const std::vector<int64_t> expected(declared.begin() + (batched ? 1 : 0), declared.end());
  bool fits = sample.size() == expected.size();
  for (size_t d = 0; fits && d < sample.size(); ++d) {
    fits = expected[d] == -1 || expected[d] == sample[d];
  }
  if (!fits) {
    *error = "model '" + model + "': input '" + name + "' has shape " + input["shape"].dump() +
             "; samples of shape " + json(sample).dump() + " do not fit it";
    return false;
  }
  if (!batched && batch != 1) {
    *error = "model '" + model + "' has no batch dimension, so only batch 1 can be sent, not " +
             std::to_string(batch);
    return false;
  }
  const int64_t samples = data.shape[0];
  const int64_t per_sample = count / samples;
  inputs_per_request->clear();
  for (int64_t first = 0; first < samples; first += batch) {
    const int64_t n = std::min<int64_t>(batch, samples - first);
    std::vector<int64_t> shape = sample;
    if (batched) shape.insert(shape.begin(), n);
    json values = json::array();
    for (int64_t i = first * per_sample; i < (first + n) * per_sample; ++i) {
      const double v = data.values[static_cast<size_t>(i)];
      if (integer && v != std::floor(v)) {
        *error = "model '" + model + "': input is " + datatype + " but value " + std::to_string(i) +
                 " of the data is not an integer";
        return false;
      }
      values.push_back(integer ? json(static_cast<int64_t>(v)) : json(v));
    }
    inputs_per_request->push_back(json::array({json{
        {"name", name}, {"shape", shape}, {"datatype", datatype}, {"data", std::move(values)}}}));
  }
  return true;
}

bool ReadKServeOutputs(const std::string& body, std::vector<TensorValues>* outputs,
                       std::string* error) {
  json response = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (response.is_discarded() || !response.is_object()) {
    *error = "response is not a JSON object: " + body.substr(0, 200);
    return false;
  }
  if (response.contains("error")) {
    *error = "server error: " + response["error"].dump();
    return false;
  }
  if (!response.contains("outputs") || !response["outputs"].is_array() ||
      response["outputs"].empty()) {
    *error = "response has no \"outputs\"";
    return false;
  }
  outputs->clear();
  for (const json& output : response["outputs"]) {
    TensorValues tensor;
    tensor.name = output.is_object() && output.contains("name") && output["name"].is_string()
                      ? output["name"].get<std::string>()
                      : "?";
    if (!output.is_object() || !output.contains("shape") || !output["shape"].is_array() ||
        !output.contains("data") || !output["data"].is_array()) {
      *error = "output '" + tensor.name + "' lacks shape or data";
      return false;
    }
    int64_t count = 1;
    for (const json& dim : output["shape"]) {
      if (!dim.is_number_integer() || dim.get<int64_t>() < 0) {
        *error = "output '" + tensor.name + "': bad shape " + output["shape"].dump();
        return false;
      }
      tensor.shape.push_back(dim.get<int64_t>());
      if (!MultiplyElements(tensor.shape.back(), &count)) {
        *error = "output '" + tensor.name + "': shape " + output["shape"].dump() +
                 " has too many elements";
        return false;
      }
    }
    if (!Flatten(output["data"], &tensor.values)) {
      *error = "output '" + tensor.name + "' holds values that are not numbers";
      return false;
    }
    if (static_cast<int64_t>(tensor.values.size()) != count) {
      *error = "output '" + tensor.name + "': " + std::to_string(tensor.values.size()) +
               " elements for shape " + output["shape"].dump() + " (" + std::to_string(count) +
               " expected)";
      return false;
    }
    outputs->push_back(std::move(tensor));
  }
  return true;
}

void CountLeaves(const nlohmann::json& value, int64_t* leaves) {
  if (!value.is_array()) {
    ++*leaves;
    return;
  }
  for (const nlohmann::json& v : value) CountLeaves(v, leaves);
}

}  // namespace servebench
