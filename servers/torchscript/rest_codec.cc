#include "rest_codec.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace servebench::ts {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// One parser per thread: it keeps its buffers between requests, which is most of simdjson's
// speed on small bodies.
simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

template <typename T>
void AppendRaw(std::string* out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out->append(bytes, sizeof(T));
}

template <typename T>
bool InRange(int64_t v) {
  return v >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
         (v < 0 ||
          static_cast<uint64_t>(v) <= static_cast<uint64_t>(std::numeric_limits<T>::max()));
}

// Appends one JSON scalar as an element of `type`, or says why it cannot be one.
Status AppendScalar(element e, DataType type, std::string* out) {
  element_type et = e.type();
  switch (type) {
    case DataType::kBool: {
      if (et != element_type::BOOL) return Status::InvalidArgument("expected true or false");
      AppendRaw<uint8_t>(out, e.get_bool().value_unsafe() ? 1 : 0);
      return Status::Ok();
    }
    case DataType::kFp16:
    case DataType::kFp32:
    case DataType::kFp64: {
      double d;
      if (et == element_type::DOUBLE) {
        d = e.get_double().value_unsafe();
      } else if (et == element_type::INT64) {
        d = static_cast<double>(e.get_int64().value_unsafe());
      } else if (et == element_type::UINT64) {
        d = static_cast<double>(e.get_uint64().value_unsafe());
      } else {
        return Status::InvalidArgument("expected a number");
      }
      if (type == DataType::kFp64) {
        AppendRaw<double>(out, d);
      } else if (type == DataType::kFp32) {
        AppendRaw<float>(out, static_cast<float>(d));
      } else {
        AppendRaw<uint16_t>(out, FloatToHalf(static_cast<float>(d)));
      }
      return Status::Ok();
    }
    case DataType::kBytes: {
      if (et != element_type::STRING) return Status::InvalidArgument("expected a string");
      std::string_view s = e.get_string().value_unsafe();
      AppendRaw<uint32_t>(out, static_cast<uint32_t>(s.size()));
      out->append(s);
      return Status::Ok();
    }
    case DataType::kUint64: {
      if (et == element_type::UINT64) {
        AppendRaw<uint64_t>(out, e.get_uint64().value_unsafe());
        return Status::Ok();
      }
      if (et == element_type::INT64 && e.get_int64().value_unsafe() >= 0) {
        AppendRaw<uint64_t>(out, static_cast<uint64_t>(e.get_int64().value_unsafe()));
        return Status::Ok();
      }
      return Status::InvalidArgument("expected an integer in the range of UINT64");
    }
    default:
      break;
  }
  // The remaining integer types all fit in int64.
  if (et != element_type::INT64) {
    return Status::InvalidArgument("expected an integer in the range of " +
                                   std::string(DataTypeName(type)));
  }
  int64_t v = e.get_int64().value_unsafe();
  bool ok = true;
  switch (type) {
    case DataType::kUint8:
      ok = InRange<uint8_t>(v);
      if (ok) AppendRaw<uint8_t>(out, static_cast<uint8_t>(v));
      break;
    case DataType::kUint16:
      ok = InRange<uint16_t>(v);
      if (ok) AppendRaw<uint16_t>(out, static_cast<uint16_t>(v));
      break;
    case DataType::kUint32:
      ok = InRange<uint32_t>(v);
      if (ok) AppendRaw<uint32_t>(out, static_cast<uint32_t>(v));
      break;
    case DataType::kInt8:
      ok = InRange<int8_t>(v);
      if (ok) AppendRaw<int8_t>(out, static_cast<int8_t>(v));
      break;
    case DataType::kInt16:
      ok = InRange<int16_t>(v);
      if (ok) AppendRaw<int16_t>(out, static_cast<int16_t>(v));
      break;
    case DataType::kInt32:
      ok = InRange<int32_t>(v);
      if (ok) AppendRaw<int32_t>(out, static_cast<int32_t>(v));
      break;
    case DataType::kInt64:
      AppendRaw<int64_t>(out, v);
      break;
    default:
      return Status::InvalidArgument("unsupported datatype");
  }
  if (!ok) {
    return Status::InvalidArgument(std::to_string(v) + " is out of the range of " +
                                   std::string(DataTypeName(type)));
  }
  return Status::Ok();
}

// simdjson's element count of an array saturates here.
constexpr size_t kSaturatedCount = 0xFFFFFF;

// Flattens nested or flat "data" into `out`, counting elements; stops at `max_count` so a
// small shape cannot be paired with a huge array.
Status FlattenData(element e, DataType type, int64_t max_count, int64_t* count, std::string* out) {
  if (e.type() == element_type::ARRAY) {
    simdjson::dom::array arr = e.get_array().value_unsafe();
    // simdjson's count saturates at 0xFFFFFF ("that many or more"): such arrays take the
    // general path, which appends, so the fast path never writes past what it sized.
    size_t n = arr.size();
    if (type == DataType::kFp32 && n < kSaturatedCount) {
      // The common case, a flat run of FP32 numbers, is written straight into place: the
      // general path below costs a call, a Status and an append per element, which was a
      // visible share of a small request's cost.
      size_t start = out->size();
      if (static_cast<int64_t>(n) > max_count - *count) {
        return Status::InvalidArgument("more elements than the shape holds");
      }
      out->resize(start + n * sizeof(float));
      char* p = out->data() + start;
      char* end = p + n * sizeof(float);
      bool flat = true;
      for (element child : arr) {
        if (p == end) {  // more children than counted: cannot happen below the saturation
          flat = false;
          break;
        }
        double d;
        element_type t = child.type();
        if (t == element_type::DOUBLE) {
          d = child.get_double().value_unsafe();
        } else if (t == element_type::INT64) {
          d = static_cast<double>(child.get_int64().value_unsafe());
        } else if (t == element_type::UINT64) {
          d = static_cast<double>(child.get_uint64().value_unsafe());
        } else if (t == element_type::ARRAY) {
          flat = false;
          break;
        } else {
          return Status::InvalidArgument("expected a number");
        }
        float f = static_cast<float>(d);
        std::memcpy(p, &f, sizeof(f));
        p += sizeof(f);
      }
      if (flat) {
        *count += static_cast<int64_t>(n);
        return Status::Ok();
      }
      out->resize(start);  // nested: take the general path from the start of this array
    }
    for (element child : arr) {
      if (Status st = FlattenData(child, type, max_count, count, out); !st.ok()) return st;
    }
    return Status::Ok();
  }
  if (++*count > max_count) return Status::InvalidArgument("more elements than the shape holds");
  return AppendScalar(e, type, out);
}

Status ParseShape(element e, Shape* shape) {
  simdjson::dom::array arr;
  if (e.get_array().get(arr)) return Status::InvalidArgument("'shape' must be an array");
  for (element d : arr) {
    int64_t v;
    if (d.get_int64().get(v) || v < 0) {
      return Status::InvalidArgument("'shape' must hold non-negative integers");
    }
    shape->push_back(v);
  }
  if (ElementCount(*shape) < 0) return Status::InvalidArgument("'shape' is too large");
  return Status::Ok();
}

// Reads "parameters": {"binary_data_size": N} or {"binary_data": bool}; others are ignored,
// as KServe allows extension parameters.
Status ReadParameters(element e, int64_t* binary_size, bool* binary_data) {
  simdjson::dom::object obj;
  if (e.get_object().get(obj)) return Status::InvalidArgument("'parameters' must be an object");
  for (auto field : obj) {
    if (field.key == "binary_data_size" && binary_size) {
      int64_t v;
      if (field.value.get_int64().get(v) || v < 0) {
        return Status::InvalidArgument("'binary_data_size' must be a non-negative integer");
      }
      *binary_size = v;
    } else if ((field.key == "binary_data" || field.key == "binary_data_output") && binary_data) {
      bool b;
      if (field.value.get_bool().get(b)) {
        std::string message(field.key);
        message += " must be true or false";
        return Status::InvalidArgument(std::move(message));
      }
      *binary_data = b;
    }
  }
  return Status::Ok();
}

Status ParseInput(element e, size_t json_length, std::string_view* binary, Tensor* tensor) {
  simdjson::dom::object obj;
  if (e.get_object().get(obj)) return Status::InvalidArgument("each input must be an object");
  std::string_view name;
  if (obj["name"].get_string().get(name)) {
    return Status::InvalidArgument("input without a string 'name'");
  }
  tensor->name = std::string(name);
  auto fail = [&](const Status& st) {
    return Status::InvalidArgument("input '" + tensor->name + "': " + st.message());
  };
  std::string_view datatype;
  if (obj["datatype"].get_string().get(datatype)) {
    return fail(Status::InvalidArgument("missing string 'datatype'"));
  }
  tensor->type = DataTypeFromName(datatype);
  if (tensor->type == DataType::kInvalid) {
    return fail(Status::InvalidArgument("unknown datatype '" + std::string(datatype) + "'"));
  }
  element shape;
  if (obj["shape"].get(shape)) return fail(Status::InvalidArgument("missing 'shape'"));
  if (Status st = ParseShape(shape, &tensor->shape); !st.ok()) return fail(st);
  int64_t count = ElementCount(tensor->shape);

  int64_t binary_size = -1;
  element params;
  if (!obj["parameters"].get(params)) {
    if (Status st = ReadParameters(params, &binary_size, nullptr); !st.ok()) return fail(st);
  }
  element data;
  bool has_data = !obj["data"].get(data);
  if (binary_size >= 0) {
    if (has_data) {
      return fail(Status::InvalidArgument("has both 'data' and 'binary_data_size'"));
    }
    if (static_cast<uint64_t>(binary_size) > binary->size()) {
      return fail(Status::InvalidArgument("binary_data_size " + std::to_string(binary_size) +
                                          " exceeds the " + std::to_string(binary->size()) +
                                          " binary bytes left in the body"));
    }
    tensor->data.assign(binary->data(), static_cast<size_t>(binary_size));
    binary->remove_prefix(static_cast<size_t>(binary_size));
    return Status::Ok();
  }
  if (!has_data) return fail(Status::InvalidArgument("missing 'data'"));
  size_t elem = DataTypeSize(tensor->type);
  // Every JSON element takes at least two bytes of text, which bounds the reservation by the
  // body actually received rather than by the claimed shape.
  int64_t plausible = std::min<int64_t>(count, static_cast<int64_t>(json_length / 2 + 1));
  if (elem > 0) tensor->data.reserve(static_cast<size_t>(plausible) * elem);
  int64_t got = 0;
  if (Status st = FlattenData(data, tensor->type, count, &got, &tensor->data); !st.ok()) {
    return fail(st);
  }
  if (got != count) {
    return fail(Status::InvalidArgument("shape " + ShapeToString(tensor->shape) + " needs " +
                                        std::to_string(count) + " elements, got " +
                                        std::to_string(got)));
  }
  return Status::Ok();
}

template <typename T>
void AppendNumber(std::string* out, T v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

template <typename F>
void AppendFloat(std::string* out, F v) {
  if (!std::isfinite(v)) {
    out->append("null");  // JSON has no NaN or infinity
    return;
  }
  AppendNumber(out, v);
}

template <typename T>
T Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

void AppendJsonData(std::string* out, const Tensor& t) {
  out->push_back('[');
  const char* p = t.data.data();
  const char* end = p + t.data.size();
  size_t size = DataTypeSize(t.type);
  bool first = true;
  while (p < end) {
    if (!first) out->push_back(',');
    first = false;
    switch (t.type) {
      case DataType::kBool:
        out->append(*p ? "true" : "false");
        break;
      case DataType::kUint8:
        AppendNumber(out, Load<uint8_t>(p));
        break;
      case DataType::kUint16:
        AppendNumber(out, Load<uint16_t>(p));
        break;
      case DataType::kUint32:
        AppendNumber(out, Load<uint32_t>(p));
        break;
      case DataType::kUint64:
        AppendNumber(out, Load<uint64_t>(p));
        break;
      case DataType::kInt8:
        AppendNumber(out, Load<int8_t>(p));
        break;
      case DataType::kInt16:
        AppendNumber(out, Load<int16_t>(p));
        break;
      case DataType::kInt32:
        AppendNumber(out, Load<int32_t>(p));
        break;
      case DataType::kInt64:
        AppendNumber(out, Load<int64_t>(p));
        break;
      case DataType::kFp16:
        AppendFloat(out, HalfToFloat(Load<uint16_t>(p)));
        break;
      case DataType::kFp32:
        AppendFloat(out, Load<float>(p));
        break;
      case DataType::kFp64:
        AppendFloat(out, Load<double>(p));
        break;
      case DataType::kBytes: {
        if (end - p < 4) return;
        uint32_t n = Load<uint32_t>(p);
        p += 4;
        if (static_cast<size_t>(end - p) < n) n = static_cast<uint32_t>(end - p);
        AppendJsonString(out, std::string_view(p, n));
        p += n;
        continue;
      }
      default:
        return;
    }
    p += size;
  }
  out->push_back(']');
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 15]);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

std::string ErrorJson(std::string_view message) {
  std::string out = "{\"error\":";
  AppendJsonString(&out, message);
  out.push_back('}');
  return out;
}

Status ParseRestInferRequest(std::string_view body, size_t json_length, InferRequest* request) {
  if (json_length > body.size()) {
    return Status::InvalidArgument("Inference-Header-Content-Length " +
                                   std::to_string(json_length) + " exceeds the body size " +
                                   std::to_string(body.size()));
  }
  element doc;
  if (auto err = ThreadParser().parse(body.data(), json_length, true).get(doc)) {
    return Status::InvalidArgument(std::string("malformed JSON: ") + simdjson::error_message(err));
  }
  simdjson::dom::object root;
  if (doc.get_object().get(root)) {
    return Status::InvalidArgument("the request must be a JSON object");
  }
  std::string_view id;
  if (!root["id"].get_string().get(id)) request->id = std::string(id);
  element params;
  if (!root["parameters"].get(params)) {
    if (Status st = ReadParameters(params, nullptr, &request->binary_output_default); !st.ok()) {
      return st;
    }
  }
  simdjson::dom::array inputs;
  if (root["inputs"].get_array().get(inputs)) {
    return Status::InvalidArgument("the request needs an 'inputs' array");
  }
  std::string_view binary = body.substr(json_length);
  for (element in : inputs) {
    Tensor t;
    if (Status st = ParseInput(in, json_length, &binary, &t); !st.ok()) return st;
    request->inputs.push_back(std::move(t));
  }
  if (!binary.empty()) {
    return Status::InvalidArgument(std::to_string(binary.size()) +
                                   " bytes after the JSON header are not claimed by any input's "
                                   "binary_data_size");
  }
  simdjson::dom::array outputs;
  if (!root["outputs"].get_array().get(outputs)) {
    for (element out : outputs) {
      simdjson::dom::object obj;
      std::string_view name;
      if (out.get_object().get(obj) || obj["name"].get_string().get(name)) {
        return Status::InvalidArgument("each requested output needs a string 'name'");
      }
      RequestedOutput r{std::string(name), request->binary_output_default};
      element p;
      if (!obj["parameters"].get(p)) {
        if (Status st = ReadParameters(p, nullptr, &r.binary); !st.ok()) return st;
      }
      request->outputs.push_back(std::move(r));
    }
  }
  return Status::Ok();
}

std::string EncodeRestInferResponse(std::string_view model, std::string_view version,
                                    std::string_view id, const std::vector<Tensor>& outputs,
                                    const std::vector<bool>& binary, size_t* json_length) {
  std::string out;
  size_t estimate = 128;
  for (const Tensor& t : outputs) estimate += 64 + t.data.size() * 4;
  out.reserve(estimate);
  out.append("{\"model_name\":");
  AppendJsonString(&out, model);
  out.append(",\"model_version\":");
  AppendJsonString(&out, version);
  if (!id.empty()) {
    out.append(",\"id\":");
    AppendJsonString(&out, id);
  }
  out.append(",\"outputs\":[");
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& t = outputs[i];
    if (i) out.push_back(',');
    out.append("{\"name\":");
    AppendJsonString(&out, t.name);
    out.append(",\"datatype\":\"");
    out.append(DataTypeName(t.type));
    out.append("\",\"shape\":[");
    for (size_t d = 0; d < t.shape.size(); ++d) {
      if (d) out.push_back(',');
      AppendNumber(&out, t.shape[d]);
    }
    out.push_back(']');
    if (i < binary.size() && binary[i]) {
      out.append(",\"parameters\":{\"binary_data_size\":");
      AppendNumber(&out, t.data.size());
      out.push_back('}');
    } else {
      out.append(",\"data\":");
      AppendJsonData(&out, t);
    }
    out.push_back('}');
  }
  out.append("]}");
  *json_length = out.size();
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (i < binary.size() && binary[i]) out.append(outputs[i].data);
  }
  return out;
}

}  // namespace servebench::ts
