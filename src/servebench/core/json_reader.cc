// Copyright servebench authors.

#include "servebench/core/json_reader.h"

#include <limits>

namespace servebench {

namespace {

// A value as an error shows it: its JSON text, cut short.
std::string Excerpt(const nlohmann::json& v) {
  std::string text = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  constexpr size_t kMax = 40;
  if (text.size() > kMax) text = text.substr(0, kMax) + "...";
  return text;
}

}  // namespace

JsonReader::JsonReader(const nlohmann::json& value, std::string* error)
    : value_(&value), error_(error), failed_(&own_failed_) {
  error_->clear();
  if (!value.is_object()) Mismatch(value, "", "an object");
}

void JsonReader::Expect(const char* key, const char* expected) {
  std::string value;
  Field(key, &value);
  if (ok() && value != expected) {
    FailAt(Join(key), "expected \"" + std::string(expected) + "\", got \"" + value + "\"");
  }
}

void JsonReader::FailAt(const std::string& path, const std::string& problem) {
  if (*failed_) return;
  *failed_ = true;
  *error_ = path.empty() ? problem : path + ": " + problem;
}

void JsonReader::Mismatch(const nlohmann::json& v, const std::string& path, const char* what) {
  FailAt(path, std::string("expected ") + what + ", got " + Excerpt(v));
}

void JsonReader::ReadValue(const nlohmann::json& v, const std::string& path, bool* out) {
  if (!v.is_boolean()) return Mismatch(v, path, "true or false");
  *out = v.get<bool>();
}

void JsonReader::ReadValue(const nlohmann::json& v, const std::string& path, int* out) {
  int64_t wide = 0;
  ReadValue(v, path, &wide);
  if (!ok()) return;
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
    return Mismatch(v, path, "an integer of at most 32 bits");
  }
  *out = static_cast<int>(wide);
}

void JsonReader::ReadValue(const nlohmann::json& v, const std::string& path, int64_t* out) {
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Mismatch(v, path, "an integer of at most 64 bits");
    }
  } else if (!v.is_number_integer()) {
    return Mismatch(v, path, "an integer");
  }
  *out = v.get<int64_t>();
}

void JsonReader::ReadValue(const nlohmann::json& v, const std::string& path, double* out) {
  if (!v.is_number()) return Mismatch(v, path, "a number");
  *out = v.get<double>();
}

void JsonReader::ReadValue(const nlohmann::json& v, const std::string& path, std::string* out) {
  if (!v.is_string()) return Mismatch(v, path, "a string");
  *out = v.get<std::string>();
}

}  // namespace servebench
