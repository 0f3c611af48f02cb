// Copyright servebench authors.

#include "servebench/systems/model_description.h"

#include <charconv>
#include <filesystem>

#include "servebench/core/file.h"
#include "servebench/lifecycle/pbtxt.h"

namespace servebench {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool ParseInt(const std::string& token, int64_t* out) {
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), *out);
  return ec == std::errc() && ptr == token.data() + token.size();
}

// Triton's TYPE_* names as KServe v2 datatypes (TYPE_STRING is BYTES).
bool KServeDatatype(const std::string& type, std::string* datatype) {
  static const char* const kTypes[] = {"BOOL", "UINT8", "UINT16", "UINT32", "UINT64",
                                       "INT8", "INT16", "INT32",  "INT64",  "FP16",
                                       "FP32", "FP64",  "BF16"};
  if (type == "TYPE_STRING") {
    *datatype = "BYTES";
    return true;
  }
  for (const char* t : kTypes) {
    if (type == std::string("TYPE_") + t) {
      *datatype = t;
      return true;
    }
  }
  return false;
}

// One input or output of the config as a metadata tensor.
bool Tensor(const PbtxtMessage& field, const std::string& where, bool batched, json* tensor,
            std::string* error) {
  const PbtxtField* name = field.Find("name");
  const PbtxtField* type = field.Find("data_type");
  if (name == nullptr || name->is_message || type == nullptr || type->is_message) {
    *error = where + " needs a name and a data_type";
    return false;
  }
  std::string datatype;
  if (!KServeDatatype(type->scalar, &datatype)) {
    *error = where + " '" + PbtxtUnquote(name->scalar) + "': unknown data_type " + type->scalar;
    return false;
  }
  json shape = json::array();
  if (batched) shape.push_back(-1);
  for (const PbtxtField& f : field.fields) {
    if (f.name != "dims") continue;
    int64_t dim = 0;
    if (f.is_message || !ParseInt(f.scalar, &dim) || dim < -1) {
      *error = where + " '" + PbtxtUnquote(name->scalar) + "': bad dims value " + f.scalar;
      return false;
    }
    shape.push_back(dim);
  }
  *tensor = {{"name", PbtxtUnquote(name->scalar)}, {"datatype", datatype}, {"shape", shape}};
  return true;
}

}  // namespace

bool DescribeModel(const ModelVariant& variant, ModelDescription* description, std::string* error) {
  std::error_code ec;
  const fs::path folder = fs::absolute(fs::path(variant.repository) / variant.name, ec);
  const std::string config_path = (folder / "config.pbtxt").string();
  std::string text;
  if (!ReadWholeFile(config_path, &text, error)) return false;
  PbtxtMessage config;
  if (!ParsePbtxt(text, &config, error)) {
    *error = config_path + ": " + *error;
    return false;
  }
  ModelDescription d;
  if (const PbtxtField* f = config.Find("max_batch_size"); f != nullptr) {
    if (f->is_message || !ParseInt(f->scalar, &d.max_batch_size) || d.max_batch_size < 0) {
      *error = config_path + ": max_batch_size is not a non-negative integer";
      return false;
    }
  }
  json inputs = json::array(), outputs = json::array();
  for (const PbtxtField& f : config.fields) {
    if ((f.name != "input" && f.name != "output") || !f.is_message) continue;
    json tensor;
    if (!Tensor(f.message, config_path + ": " + f.name, d.max_batch_size > 0, &tensor, error)) {
      return false;
    }
    (f.name == "input" ? inputs : outputs).push_back(std::move(tensor));
  }
  if (inputs.empty() || outputs.empty()) {
    *error = config_path + ": the model declares no " + (inputs.empty() ? "input" : "output");
    return false;
  }
  for (const PbtxtField& f : config.fields) {
    if (f.name != "parameters" || !f.is_message) continue;
    const PbtxtField* key = f.message.Find("key");
    const PbtxtField* value = f.message.Find("value");
    const PbtxtField* string_value =
        value != nullptr && value->is_message ? value->message.Find("string_value") : nullptr;
    if (key != nullptr && !key->is_message && string_value != nullptr &&
        !string_value->is_message) {
      d.parameters[PbtxtUnquote(key->scalar)] = PbtxtUnquote(string_value->scalar);
    }
  }

  // The highest numeric version folder with a TorchScript file: what Triton's default version
  // policy serves.
  int64_t best = -1;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, ec)) {
    int64_t version = 0;
    if (entry.is_directory() && ParseInt(entry.path().filename().string(), &version) &&
        version > best && fs::is_regular_file(entry.path() / "model.pt")) {
      best = version;
    }
  }
  if (best < 0) {
    *error = "model '" + variant.name + "': no <version>/model.pt under " + folder.string();
    return false;
  }
  d.version = std::to_string(best);
  d.model_file = (folder / d.version / "model.pt").string();
  if (fs::is_regular_file(folder / "card.json")) d.card_file = (folder / "card.json").string();

  const PbtxtField* platform = config.Find("platform");
  d.metadata = {
      {"name", variant.name},
      {"versions", json::array({d.version})},
      {"platform", platform != nullptr && !platform->is_message ? PbtxtUnquote(platform->scalar)
                                                                : std::string("pytorch_libtorch")},
      {"inputs", std::move(inputs)},
      {"outputs", std::move(outputs)}};
  *description = std::move(d);
  return true;
}

}  // namespace servebench
