#include "grpc_codec.h"

#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

namespace servebench::ts {

namespace {

template <typename To, typename Field>
Status Convert(const Field& field, std::string* out, std::string_view type_name) {
  out->resize(static_cast<size_t>(field.size()) * sizeof(To));
  char* p = out->data();
  for (auto v : field) {
    using From = std::decay_t<decltype(v)>;
    if constexpr (std::is_integral_v<To> && std::is_integral_v<From> &&
                  !std::is_same_v<From, bool>) {
      if (!std::in_range<To>(v)) {
        return Status::InvalidArgument(std::to_string(v) + " is out of the range of " +
                                       std::string(type_name));
      }
    }
    To t = static_cast<To>(v);
    std::memcpy(p, &t, sizeof(To));
    p += sizeof(To);
  }
  return Status::Ok();
}

// Typed contents to row-major bytes; `count` is the number of values found.
Status TypedToBytes(const inference::InferTensorContents& c, DataType type, std::string* out,
                    int64_t* count) {
  std::string_view name = DataTypeName(type);
  switch (type) {
    case DataType::kBool:
      *count = c.bool_contents_size();
      return Convert<uint8_t>(c.bool_contents(), out, name);
    case DataType::kInt8:
      *count = c.int_contents_size();
      return Convert<int8_t>(c.int_contents(), out, name);
    case DataType::kInt16:
      *count = c.int_contents_size();
      return Convert<int16_t>(c.int_contents(), out, name);
    case DataType::kInt32:
      *count = c.int_contents_size();
      return Convert<int32_t>(c.int_contents(), out, name);
    case DataType::kInt64:
      *count = c.int64_contents_size();
      return Convert<int64_t>(c.int64_contents(), out, name);
    case DataType::kUint8:
      *count = c.uint_contents_size();
      return Convert<uint8_t>(c.uint_contents(), out, name);
    case DataType::kUint16:
      *count = c.uint_contents_size();
      return Convert<uint16_t>(c.uint_contents(), out, name);
    case DataType::kUint32:
      *count = c.uint_contents_size();
      return Convert<uint32_t>(c.uint_contents(), out, name);
    case DataType::kUint64:
      *count = c.uint64_contents_size();
      return Convert<uint64_t>(c.uint64_contents(), out, name);
    case DataType::kFp32:
      *count = c.fp32_contents_size();
      return Convert<float>(c.fp32_contents(), out, name);
    case DataType::kFp64:
      *count = c.fp64_contents_size();
      return Convert<double>(c.fp64_contents(), out, name);
    case DataType::kBytes: {
      *count = c.bytes_contents_size();
      for (const std::string& s : c.bytes_contents()) {
        uint32_t n = static_cast<uint32_t>(s.size());
        out->append(reinterpret_cast<const char*>(&n), 4);
        out->append(s);
      }
      return Status::Ok();
    }
    default:
      return Status::InvalidArgument(std::string(name) +
                                     " has no typed contents field; use raw_input_contents");
  }
}

}  // namespace

Status FromGrpcRequest(const inference::ModelInferRequest& in, InferRequest* out) {
  out->id = in.id();
  bool raw = in.raw_input_contents_size() > 0;
  if (raw && in.raw_input_contents_size() != in.inputs_size()) {
    return Status::InvalidArgument("raw_input_contents has " +
                                   std::to_string(in.raw_input_contents_size()) + " entries for " +
                                   std::to_string(in.inputs_size()) + " inputs");
  }
  for (int i = 0; i < in.inputs_size(); ++i) {
    const auto& t = in.inputs(i);
    Tensor tensor;
    tensor.name = t.name();
    tensor.type = DataTypeFromName(t.datatype());
    if (tensor.type == DataType::kInvalid) {
      return Status::InvalidArgument("input '" + t.name() + "': unknown datatype '" + t.datatype() +
                                     "'");
    }
    for (int64_t d : t.shape()) {
      if (d < 0) return Status::InvalidArgument("input '" + t.name() + "': negative dimension");
      tensor.shape.push_back(d);
    }
    int64_t expected = ElementCount(tensor.shape);
    if (expected < 0) {
      return Status::InvalidArgument("input '" + t.name() + "': shape " +
                                     ShapeToString(tensor.shape) + " is too large");
    }
    if (raw) {
      if (t.has_contents()) {
        return Status::InvalidArgument("input '" + t.name() +
                                       "': both contents and raw_input_contents");
      }
      tensor.data = in.raw_input_contents(i);
    } else {
      int64_t count = 0;
      if (Status st = TypedToBytes(t.contents(), tensor.type, &tensor.data, &count); !st.ok()) {
        return Status::InvalidArgument("input '" + t.name() + "': " + st.message());
      }
      if (count != expected) {
        return Status::InvalidArgument(
            "input '" + t.name() + "': shape " + ShapeToString(tensor.shape) + " needs " +
            std::to_string(expected) + " elements, got " + std::to_string(count));
      }
    }
    out->inputs.push_back(std::move(tensor));
  }
  for (const auto& o : in.outputs()) out->outputs.push_back({o.name(), true});
  return Status::Ok();
}

void ToGrpcResponse(std::string_view model, std::string_view version, std::string_view id,
                    std::vector<Tensor>&& outputs, inference::ModelInferResponse* out) {
  out->set_model_name(std::string(model));
  out->set_model_version(std::string(version));
  if (!id.empty()) out->set_id(std::string(id));
  for (Tensor& t : outputs) {
    auto* o = out->add_outputs();
    o->set_name(t.name);
    o->set_datatype(std::string(DataTypeName(t.type)));
    for (int64_t d : t.shape) o->add_shape(d);
    *out->add_raw_output_contents() = std::move(t.data);
  }
}

}  // namespace servebench::ts
