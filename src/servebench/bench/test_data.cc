// Copyright servebench authors.

#include "servebench/bench/test_data.h"

#include <bit>
#include <filesystem>

#include "servebench/core/file.h"

namespace servebench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kFormat[] = "servebench test data 1";

// Raw little-endian values, decoded byte by byte so that the host's byte order does not matter.
uint64_t LittleEndian(const std::string& bytes, size_t at, int width) {
  uint64_t value = 0;
  for (int i = width - 1; i >= 0; --i) {
    value = value << 8 | static_cast<unsigned char>(bytes[at + static_cast<size_t>(i)]);
  }
  return value;
}

class HeaderReader {
 public:
  HeaderReader(std::string header, std::string* message)
      : header_(std::move(header)), message_(message) {}

  bool Fail(const std::string& problem) {
    *message_ = header_ + ": " + problem;
    return false;
  }

  // header[part] is {"file": a plain file name, "dtype": dtype, "byte_order": "little",
  // "shape": [positive integers]}; the file's bytes go to *bytes, its shape to *shape.
  bool ReadPart(const json& header, const char* part, const char* dtype, int width,
                std::string* bytes, std::vector<int64_t>* shape) {
    const std::string where = std::string("\"") + part + "\"";
    if (!header.contains(part) || !header[part].is_object()) return Fail(where + " missing");
    const json& p = header[part];
    if (!p.contains("file") || !p["file"].is_string() || p["file"].get<std::string>().empty() ||
        p["file"].get<std::string>().find('/') != std::string::npos) {
      return Fail(where + ".file must be a file name beside the header");
    }
    if (p.value("dtype", "") != dtype) return Fail(where + ".dtype must be \"" + dtype + "\"");
    if (p.value("byte_order", "") != "little") {
      return Fail(where + ".byte_order must be \"little\"");
    }
    if (!p.contains("shape") || !p["shape"].is_array() || p["shape"].empty()) {
      return Fail(where + ".shape must be a list of dimensions");
    }
    int64_t count = 1;
    for (const json& dim : p["shape"]) {
      if (!dim.is_number_integer() || dim.get<int64_t>() < 1) {
        return Fail(where + ".shape " + p["shape"].dump() + " must hold positive integers");
      }
      shape->push_back(dim.get<int64_t>());
      count *= dim.get<int64_t>();
    }
    const std::string file = (fs::path(header_).parent_path() / p["file"].get<std::string>());
    std::string error;
    if (!ReadWholeFile(file, bytes, &error)) return Fail(error);
    if (static_cast<int64_t>(bytes->size()) != count * width) {
      *message_ = file + ": " + std::to_string(bytes->size()) + " bytes, but shape " +
                  p["shape"].dump() + " of " + dtype + " needs " + std::to_string(count * width);
      return false;
    }
    return true;
  }

 private:
  std::string header_;
  std::string* message_;
};

}  // namespace

TestDataStatus LoadTestData(const ModelVariant& variant, const json& card, TestData* data,
                            std::string* message) {
  const std::string none = "no test data for " + variant.name + ": ";
  if (card.is_null()) {
    *message = none + "it has no card.json";
    return TestDataStatus::kNone;
  }
  const json* entry = card.is_object() && card.contains("test_data") ? &card["test_data"] : nullptr;
  if (entry == nullptr || !entry->is_object() || !entry->contains("header")) {
    const json* accuracy =
        card.is_object() && card.contains("accuracy") ? &card["accuracy"] : nullptr;
    if (accuracy != nullptr && accuracy->is_object() && accuracy->contains("status") &&
        (*accuracy)["status"].is_string()) {
      // The zoo's torchvision models: "not applicable: seeded random weights, ...".
      *message = none + "its card says accuracy is " + (*accuracy)["status"].get<std::string>();
    } else if (accuracy != nullptr && accuracy->is_object() && accuracy->contains("split")) {
      *message = none +
                 "its card was scored on a test split but names no test data (a zoo prepared "
                 "before test data existed: run models/prepare.py again to add it)";
    } else {
      *message = none + "its card names none (test_data.header)";
    }
    return TestDataStatus::kNone;
  }
  const json& relative = (*entry)["header"];
  const fs::path model_dir = fs::path(variant.repository) / variant.name;
  if (!relative.is_string() || relative.get<std::string>().empty() ||
      fs::path(relative.get<std::string>()).is_absolute() ||
      relative.get<std::string>().find("..") != std::string::npos) {
    *message = (model_dir / "card.json").string() +
               ": test_data.header must be a path inside the model's folder, not " +
               relative.dump();
    return TestDataStatus::kInvalid;
  }
  *data = TestData();
  data->header = (model_dir / relative.get<std::string>()).string();
  std::string text, error;
  if (!ReadWholeFile(data->header, &text, &error)) {
    *message = error;
    return TestDataStatus::kInvalid;
  }
  HeaderReader reader(data->header, message);
  const json header = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) {
    reader.Fail("not a JSON object");
    return TestDataStatus::kInvalid;
  }
  if (header.value("format", "") != kFormat) {
    reader.Fail(std::string("\"format\" must be \"") + kFormat + "\"");
    return TestDataStatus::kInvalid;
  }
  std::string inputs, labels;
  std::vector<int64_t> label_shape;
  if (!reader.ReadPart(header, "inputs", "float32", 4, &inputs, &data->inputs.shape) ||
      !reader.ReadPart(header, "labels", "int64", 8, &labels, &label_shape)) {
    return TestDataStatus::kInvalid;
  }
  const int64_t samples = data->inputs.shape[0];
  if (label_shape != std::vector<int64_t>{samples}) {
    reader.Fail("labels.shape must be [" + std::to_string(samples) +
                "], one label per input sample");
    return TestDataStatus::kInvalid;
  }
  const json& classes = header["labels"].value("classes", json());
  if (!classes.is_number_integer() || classes.get<int64_t>() < 1) {
    reader.Fail("labels.classes must be a positive integer");
    return TestDataStatus::kInvalid;
  }
  data->classes = classes.get<int64_t>();
  data->inputs.values.reserve(inputs.size() / 4);
  for (size_t at = 0; at < inputs.size(); at += 4) {
    data->inputs.values.push_back(
        std::bit_cast<float>(static_cast<uint32_t>(LittleEndian(inputs, at, 4))));
  }
  for (size_t at = 0; at < labels.size(); at += 8) {
    const int64_t label = static_cast<int64_t>(LittleEndian(labels, at, 8));
    if (label < 0 || label >= data->classes) {
      reader.Fail("label " + std::to_string(at / 8) + " is " + std::to_string(label) +
                  ", outside [0, " + std::to_string(data->classes) + ")");
      return TestDataStatus::kInvalid;
    }
    data->labels.push_back(label);
  }
  return TestDataStatus::kLoaded;
}

}  // namespace servebench
