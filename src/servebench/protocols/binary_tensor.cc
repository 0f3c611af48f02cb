// Copyright servebench authors.

#include "servebench/protocols/binary_tensor.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "servebench/protocols/raw_bytes.h"

namespace servebench {

namespace {

// `value` as integer type T, when it is integral and in range.
template <typename T>
bool AppendInteger(double value, std::string* out) {
  if (value != std::floor(value) || value < static_cast<double>(std::numeric_limits<T>::min()) ||
      value > static_cast<double>(std::numeric_limits<T>::max())) {
    return false;
  }
  AppendRaw(static_cast<T>(value), out);
  return true;
}

}  // namespace

int DatatypeSize(const std::string& t) {
  if (t == "BOOL" || t == "UINT8" || t == "INT8") return 1;
  if (t == "UINT16" || t == "INT16" || t == "FP16" || t == "BF16") return 2;
  if (t == "UINT32" || t == "INT32" || t == "FP32") return 4;
  if (t == "UINT64" || t == "INT64" || t == "FP64") return 8;
  return 0;
}

bool EncodeBinaryTensor(const std::string& t, const nlohmann::json& data, std::string* out,
                        std::string* error) {
  if (!data.is_array()) {
    *error = "tensor data is not a flat array";
    return false;
  }
  if (t == "FP16" || t == "BF16") {
    *error = "datatype " + t + " cannot be sent as binary data";
    return false;
  }
  if (t != "BYTES" && DatatypeSize(t) == 0) {
    *error = "datatype '" + t + "' is not a KServe v2 datatype";
    return false;
  }
  for (size_t i = 0; i < data.size(); ++i) {
    const nlohmann::json& v = data[i];
    bool ok = true;
    if (t == "BYTES") {
      ok = v.is_string();
      if (ok) {
        const std::string& s = v.get_ref<const std::string&>();
        AppendRaw(static_cast<uint32_t>(s.size()), out);
        out->append(s);
      }
    } else if (t == "BOOL") {
      ok = v.is_boolean() || v.is_number();
      if (ok) out->push_back(v.is_boolean() ? (v.get<bool>() ? 1 : 0) : (v.get<double>() != 0));
    } else if (!v.is_number()) {
      ok = false;
    } else {
      const double x = v.get<double>();
      if (t == "FP32") {
        AppendRaw(static_cast<float>(x), out);
      } else if (t == "FP64") {
        AppendRaw(x, out);
      } else if (t == "INT8") {
        ok = AppendInteger<int8_t>(x, out);
      } else if (t == "INT16") {
        ok = AppendInteger<int16_t>(x, out);
      } else if (t == "INT32") {
        ok = AppendInteger<int32_t>(x, out);
      } else if (t == "INT64") {
        ok = v.is_number_integer() ? (AppendRaw(v.get<int64_t>(), out), true)
                                   : AppendInteger<int64_t>(x, out);
      } else if (t == "UINT8") {
        ok = AppendInteger<uint8_t>(x, out);
      } else if (t == "UINT16") {
        ok = AppendInteger<uint16_t>(x, out);
      } else if (t == "UINT32") {
        ok = AppendInteger<uint32_t>(x, out);
      } else {  // UINT64
        ok = v.is_number_unsigned() ? (AppendRaw(v.get<uint64_t>(), out), true)
                                    : AppendInteger<uint64_t>(x, out);
      }
    }
    if (!ok) {
      *error = "element " + std::to_string(i) + " (" + v.dump() + ") is not a " + t + " value";
      return false;
    }
  }
  return true;
}

bool DecodeBinaryTensor(const std::string& t, std::string_view bytes, int64_t count,
                        std::vector<double>* values, std::string* error) {
  const int size = DatatypeSize(t);
  if (size == 0 || t == "FP16" || t == "BF16") {
    *error = "datatype '" + t + "' cannot be read as numbers";
    return false;
  }
  if (count < 0 || bytes.size() != static_cast<uint64_t>(count) * static_cast<uint64_t>(size)) {
    *error = std::to_string(bytes.size()) + " bytes for " + std::to_string(count) + " " + t +
             " elements (" + std::to_string(count * size) + " expected)";
    return false;
  }
  values->reserve(values->size() + static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    values->push_back(DecodeRawElement(t, bytes.data() + i * size));
  }
  return true;
}

size_t JsonObjectLength(std::string_view body) {
  size_t i = 0;
  while (i < body.size() &&
         (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n')) {
    ++i;
  }
  if (i == body.size() || body[i] != '{') return std::string_view::npos;
  int depth = 0;
  bool in_string = false;
  for (; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character, whatever it is
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace servebench
