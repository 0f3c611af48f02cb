// Copyright servebench authors.

#include "servebench/protocols/kserve_grpc_tensors.h"

#include <cmath>
#include <cstring>

#include "servebench/protocols/raw_bytes.h"
#include "servebench/protocols/shape_elements.h"

namespace servebench {

namespace {

using nlohmann::json;

void Leaves(const json& value, std::vector<const json*>* out) {
  if (value.is_array()) {
    for (const json& v : value) Leaves(v, out);
  } else {
    out->push_back(&value);
  }
}

// Appends one element of `datatype` from a JSON leaf; false with *error when it does not fit.
bool EncodeElement(const std::string& datatype, const json& v, std::string* out,
                   std::string* error) {
  if (datatype == "BYTES") {
    if (!v.is_string()) {
      *error = "a BYTES element must be a string, not " + v.dump();
      return false;
    }
    const std::string& s = v.get_ref<const std::string&>();
    AppendRaw(static_cast<uint32_t>(s.size()), out);
    out->append(s);
    return true;
  }
  if (datatype == "BOOL") {
    if (!v.is_boolean() && !v.is_number()) {
      *error = "a BOOL element must be a boolean, not " + v.dump();
      return false;
    }
    out->push_back(v.is_boolean() ? static_cast<char>(v.get<bool>())
                                  : static_cast<char>(v.get<double>() != 0));
    return true;
  }
  if (!v.is_number()) {
    *error = "a " + datatype + " element must be a number, not " + v.dump();
    return false;
  }
  const double d = v.get<double>();
  if (datatype == "FP32") {
    AppendRaw(static_cast<float>(d), out);
  } else if (datatype == "FP64") {
    AppendRaw(d, out);
  } else if (datatype == "FP16") {
    AppendRaw(HalfFromFloat(static_cast<float>(d)), out);
  } else {
    if (d != std::floor(d)) {
      *error = "a " + datatype + " element must be an integer, not " + v.dump();
      return false;
    }
    if (datatype == "INT8") {
      AppendRaw(static_cast<int8_t>(d), out);
    } else if (datatype == "INT16") {
      AppendRaw(static_cast<int16_t>(d), out);
    } else if (datatype == "INT32") {
      AppendRaw(static_cast<int32_t>(d), out);
    } else if (datatype == "INT64") {
      AppendRaw(v.is_number_integer() ? v.get<int64_t>() : static_cast<int64_t>(d), out);
    } else if (datatype == "UINT8") {
      AppendRaw(static_cast<uint8_t>(d), out);
    } else if (datatype == "UINT16") {
      AppendRaw(static_cast<uint16_t>(d), out);
    } else if (datatype == "UINT32") {
      AppendRaw(static_cast<uint32_t>(d), out);
    } else if (datatype == "UINT64") {
      AppendRaw(v.is_number_unsigned() ? v.get<uint64_t>() : static_cast<uint64_t>(d), out);
    } else {
      *error = "datatype '" + datatype + "' is not a KServe v2 datatype";
      return false;
    }
  }
  return true;
}

// Elements in the typed contents of `datatype`.
int64_t TypedCount(const inference::InferTensorContents& c, const std::string& datatype) {
  if (datatype == "BOOL") return c.bool_contents_size();
  if (datatype == "FP32") return c.fp32_contents_size();
  if (datatype == "FP64") return c.fp64_contents_size();
  if (datatype == "INT64") return c.int64_contents_size();
  if (datatype == "UINT64") return c.uint64_contents_size();
  if (datatype == "BYTES") return c.bytes_contents_size();
  if (datatype.rfind("UINT", 0) == 0) return c.uint_contents_size();
  return c.int_contents_size();  // INT8..INT32 (FP16 has no typed form)
}

double ContentsValue(const inference::InferTensorContents& c, const std::string& datatype, int i) {
  if (datatype == "BOOL") return c.bool_contents(i) ? 1 : 0;
  if (datatype == "FP32") return c.fp32_contents(i);
  if (datatype == "FP64") return c.fp64_contents(i);
  if (datatype == "INT64") return static_cast<double>(c.int64_contents(i));
  if (datatype == "UINT64") return static_cast<double>(c.uint64_contents(i));
  if (datatype.rfind("UINT", 0) == 0) return c.uint_contents(i);
  return c.int_contents(i);
}

bool KnownDatatype(const std::string& t) { return t == "BYTES" || ElementBytes(t) > 0; }

}  // namespace

int ElementBytes(const std::string& t) {
  if (t == "BOOL" || t == "INT8" || t == "UINT8") return 1;
  if (t == "INT16" || t == "UINT16" || t == "FP16") return 2;
  if (t == "INT32" || t == "UINT32" || t == "FP32") return 4;
  if (t == "INT64" || t == "UINT64" || t == "FP64") return 8;
  return 0;
}

bool GrpcMetadataAsJson(const std::string& body, const std::string& origin, std::string* json_text,
                        std::string* error) {
  inference::ModelMetadataResponse metadata;
  if (!metadata.ParseFromString(body)) {
    *error = origin + ": the answer is not a ModelMetadataResponse";
    return false;
  }
  auto tensors = [](const auto& list) {
    json out = json::array();
    for (const auto& t : list) {
      out.push_back(json{{"name", t.name()},
                         {"datatype", t.datatype()},
                         {"shape", std::vector<int64_t>(t.shape().begin(), t.shape().end())}});
    }
    return out;
  };
  *json_text = json{{"name", metadata.name()},
                    {"platform", metadata.platform()},
                    {"inputs", tensors(metadata.inputs())},
                    {"outputs", tensors(metadata.outputs())}}
                   .dump();
  return true;
}

bool EncodeGrpcInferRequest(const std::string& model, const json& inputs, std::string* request,
                            std::string* error) {
  inference::ModelInferRequest message;
  message.set_model_name(model);
  if (!inputs.is_array() || inputs.empty()) {
    *error = "the request has no inputs";
    return false;
  }
  std::vector<const json*> leaves;
  for (const json& input : inputs) {
    if (!input.is_object() || !input.contains("name") || !input["name"].is_string() ||
        !input.contains("datatype") || !input["datatype"].is_string() || !input.contains("shape") ||
        !input["shape"].is_array() || !input.contains("data")) {
      *error = "an input needs name, datatype, shape and data: " + input.dump().substr(0, 200);
      return false;
    }
    const std::string name = input["name"].get<std::string>();
    const std::string datatype = input["datatype"].get<std::string>();
    if (!KnownDatatype(datatype)) {
      *error = "input '" + name + "': datatype '" + datatype + "' is not a KServe v2 datatype";
      return false;
    }
    auto* tensor = message.add_inputs();
    tensor->set_name(name);
    tensor->set_datatype(datatype);
    int64_t count = 1;
    for (const json& dim : input["shape"]) {
      if (!dim.is_number_integer() || dim.get<int64_t>() < 0) {
        *error = "input '" + name + "': bad shape " + input["shape"].dump();
        return false;
      }
      tensor->add_shape(dim.get<int64_t>());
      if (!MultiplyElements(dim.get<int64_t>(), &count)) {
        *error = "input '" + name + "': shape " + input["shape"].dump() + " has too many elements";
        return false;
      }
    }
    leaves.clear();
    Leaves(input["data"], &leaves);
    if (static_cast<int64_t>(leaves.size()) != count) {
      *error = "input '" + name + "': " + std::to_string(leaves.size()) +
               " data elements for shape " + input["shape"].dump() + " (" + std::to_string(count) +
               " elements)";
      return false;
    }
    std::string* raw = message.add_raw_input_contents();
    raw->reserve(static_cast<size_t>(count) * std::max(1, ElementBytes(datatype)));
    for (const json* leaf : leaves) {
      if (!EncodeElement(datatype, *leaf, raw, error)) {
        *error = "input '" + name + "': " + *error;
        return false;
      }
    }
  }
  if (!message.SerializeToString(request)) {
    *error = "the request does not serialize";
    return false;
  }
  return true;
}

bool CheckGrpcOutputs(const inference::ModelInferResponse& response, int batch,
                      std::string* error) {
  if (response.outputs_size() == 0) {
    *error = "the response has no outputs";
    return false;
  }
  const bool raw = response.raw_output_contents_size() > 0;
  if (raw && response.raw_output_contents_size() != response.outputs_size()) {
    *error = std::to_string(response.raw_output_contents_size()) + " raw_output_contents for " +
             std::to_string(response.outputs_size()) + " outputs";
    return false;
  }
  for (int i = 0; i < response.outputs_size(); ++i) {
    const auto& out = response.outputs(i);
    const std::string what = "output '" + out.name() + "'";
    if (out.name().empty()) {
      *error = "output " + std::to_string(i) + " has no name";
      return false;
    }
    if (!KnownDatatype(out.datatype())) {
      *error = what + ": datatype '" + out.datatype() + "' is not a KServe v2 datatype";
      return false;
    }
    if (out.shape_size() == 0 && batch >= 1) {
      *error = what + " has no shape";
      return false;
    }
    if (batch >= 1 && out.shape(0) != batch) {
      *error = what + ": shape starts with " + std::to_string(out.shape(0)) + ", not the batch " +
               std::to_string(batch);
      return false;
    }
    int64_t count = 1;
    for (int64_t d : out.shape()) {
      if (d < 0) {
        *error = what + ": negative dimension in its shape";
        return false;
      }
      if (!MultiplyElements(d, &count)) {
        *error = what + ": its shape has too many elements";
        return false;
      }
    }
    const int element = ElementBytes(out.datatype());
    if (raw) {
      const int64_t size = static_cast<int64_t>(response.raw_output_contents(i).size());
      if (element > 0 && size != count * element) {
        *error = what + ": " + std::to_string(size) + " raw bytes for " + std::to_string(count) +
                 " " + out.datatype() + " elements";
        return false;
      }
    } else if (TypedCount(out.contents(), out.datatype()) != count) {
      *error = what + ": " + std::to_string(TypedCount(out.contents(), out.datatype())) +
               " elements in its contents for " + std::to_string(count) + " in its shape";
      return false;
    }
  }
  return true;
}

bool ReadGrpcOutputs(const std::string& body, std::vector<TensorValues>* outputs,
                     std::string* error) {
  inference::ModelInferResponse response;
  if (!response.ParseFromString(body)) {
    *error = "the answer is not a ModelInferResponse";
    return false;
  }
  if (!CheckGrpcOutputs(response, 0, error)) return false;
  outputs->clear();
  const bool raw = response.raw_output_contents_size() > 0;
  for (int i = 0; i < response.outputs_size(); ++i) {
    const auto& out = response.outputs(i);
    if (out.datatype() == "BYTES") {
      *error = "output '" + out.name() + "' is BYTES, not numbers";
      return false;
    }
    TensorValues values;
    values.name = out.name();
    values.shape.assign(out.shape().begin(), out.shape().end());
    int64_t count = 1;
    for (int64_t d : values.shape) count *= d;
    values.values.reserve(static_cast<size_t>(count));
    for (int64_t k = 0; k < count; ++k) {
      values.values.push_back(
          raw ? DecodeRawElement(out.datatype(), response.raw_output_contents(i).data() +
                                                     k * ElementBytes(out.datatype()))
              : ContentsValue(out.contents(), out.datatype(), static_cast<int>(k)));
    }
    outputs->push_back(std::move(values));
  }
  return true;
}

}  // namespace servebench
