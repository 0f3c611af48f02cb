// Copyright servebench authors.

#include "servebench/protocols/tfserving_grpc_tensors.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "servebench/protocols/kserve_grpc_tensors.h"
#include "servebench/protocols/raw_bytes.h"
#include "servebench/protocols/shape_elements.h"

namespace servebench {

namespace {

using nlohmann::json;

struct TypeRow {
  tfserving::DataType dtype;
  const char* tf_name;
  const char* kserve;
};

constexpr TypeRow kTypes[] = {
    {tfserving::DT_FLOAT, "DT_FLOAT", "FP32"},     {tfserving::DT_DOUBLE, "DT_DOUBLE", "FP64"},
    {tfserving::DT_HALF, "DT_HALF", "FP16"},       {tfserving::DT_INT8, "DT_INT8", "INT8"},
    {tfserving::DT_INT16, "DT_INT16", "INT16"},    {tfserving::DT_INT32, "DT_INT32", "INT32"},
    {tfserving::DT_INT64, "DT_INT64", "INT64"},    {tfserving::DT_UINT8, "DT_UINT8", "UINT8"},
    {tfserving::DT_UINT16, "DT_UINT16", "UINT16"}, {tfserving::DT_UINT32, "DT_UINT32", "UINT32"},
    {tfserving::DT_UINT64, "DT_UINT64", "UINT64"}, {tfserving::DT_BOOL, "DT_BOOL", "BOOL"},
    {tfserving::DT_STRING, "DT_STRING", "BYTES"}};

// Elements in the typed field that carries `dtype` (tensor.proto says which).
int64_t TensorProtoCount(const tfserving::TensorProto& t) {
  switch (t.dtype()) {
    case tfserving::DT_FLOAT:
      return t.float_val_size();
    case tfserving::DT_DOUBLE:
      return t.double_val_size();
    case tfserving::DT_HALF:
      return t.half_val_size();
    case tfserving::DT_INT64:
      return t.int64_val_size();
    case tfserving::DT_BOOL:
      return t.bool_val_size();
    case tfserving::DT_UINT32:
      return t.uint32_val_size();
    case tfserving::DT_UINT64:
      return t.uint64_val_size();
    case tfserving::DT_STRING:
      return t.string_val_size();
    default:  // DT_INT32, DT_INT16, DT_INT8, DT_UINT8, DT_UINT16
      return t.int_val_size();
  }
}

double TensorProtoValue(const tfserving::TensorProto& t, int i) {
  switch (t.dtype()) {
    case tfserving::DT_FLOAT:
      return t.float_val(i);
    case tfserving::DT_DOUBLE:
      return t.double_val(i);
    case tfserving::DT_HALF:
      return FloatFromHalf(static_cast<uint16_t>(t.half_val(i)));
    case tfserving::DT_INT64:
      return static_cast<double>(t.int64_val(i));
    case tfserving::DT_BOOL:
      return t.bool_val(i) ? 1 : 0;
    case tfserving::DT_UINT32:
      return t.uint32_val(i);
    case tfserving::DT_UINT64:
      return static_cast<double>(t.uint64_val(i));
    default:
      return t.int_val(i);
  }
}

std::string ShapeJson(const std::vector<int64_t>& shape) { return json(shape).dump(); }

}  // namespace

void FillModelSpec(const TfServingModelRef& model, tfserving::ModelSpec* spec) {
  spec->set_name(model.name);
  if (model.version > 0) {
    spec->mutable_version()->set_value(model.version);
  } else if (!model.version_label.empty()) {
    spec->set_version_label(model.version_label);
  }
  if (!model.signature_name.empty()) spec->set_signature_name(model.signature_name);
}

std::string TfDtypeAsKServe(int dtype) {
  for (const TypeRow& row : kTypes) {
    if (row.dtype == dtype) return row.kserve;
  }
  return "";
}

tfserving::DataType KServeAsTfDtype(const std::string& datatype) {
  for (const TypeRow& row : kTypes) {
    if (datatype == row.kserve) return row.dtype;
  }
  return tfserving::DT_INVALID;
}

std::string TfDtypeName(int dtype) {
  for (const TypeRow& row : kTypes) {
    if (row.dtype == dtype) return row.tf_name;
  }
  return "DataType " + std::to_string(dtype);
}

bool SignatureAsKServeMetadata(const std::string& body, const std::string& signature,
                               const std::string& origin, std::string* json_text,
                               std::string* error) {
  tfserving::GetModelMetadataResponse response;
  if (!response.ParseFromString(body)) {
    *error = origin + ": the answer is not a GetModelMetadataResponse";
    return false;
  }
  auto it = response.metadata().find("signature_def");
  tfserving::SignatureDefMap signatures;
  if (it == response.metadata().end()) {
    *error = origin + ": the answer has no metadata \"signature_def\"";
    return false;
  }
  // An Any's type URL ends with the packed message's full name.
  const std::string& type_url = it->second.type_url();
  const std::string kType = "tensorflow.serving.SignatureDefMap";
  if (type_url.size() < kType.size() ||
      type_url.compare(type_url.size() - kType.size(), kType.size(), kType) != 0 ||
      !signatures.ParseFromString(it->second.value())) {
    *error = origin + ": metadata \"signature_def\" is not a " + kType + " (type URL '" + type_url +
             "')";
    return false;
  }
  auto sig = signatures.signature_def().find(signature);
  if (sig == signatures.signature_def().end() || sig->second.inputs().empty()) {
    std::string names;
    for (const auto& [name, unused] : signatures.signature_def()) {
      names += (names.empty() ? "" : ", ") + name;
    }
    *error = origin + ": no signature '" + signature +
             "' with inputs (signatures: " + (names.empty() ? "none" : names) + ")";
    return false;
  }
  std::map<std::string, const tfserving::TensorInfo*> sorted;
  for (const auto& [name, info] : sig->second.inputs()) sorted[name] = &info;
  json inputs = json::array();
  for (const auto& [name, info] : sorted) {
    const std::string datatype = TfDtypeAsKServe(info->dtype());
    if (datatype.empty()) {
      *error = origin + ": input '" + name + "' has dtype " + TfDtypeName(info->dtype()) +
               ", which servebench cannot fill";
      return false;
    }
    if (!info->has_tensor_shape() || info->tensor_shape().unknown_rank()) {
      *error = origin + ": input '" + name + "' has no known shape";
      return false;
    }
    json shape = json::array();
    for (const auto& dim : info->tensor_shape().dim()) shape.push_back(dim.size());
    inputs.push_back({{"name", name}, {"datatype", datatype}, {"shape", shape}});
  }
  *json_text = json{{"inputs", inputs}}.dump();
  return true;
}

bool EncodePredictRequest(const TfServingModelRef& model, const json& inputs, std::string* request,
                          std::string* error) {
  // The KServe gRPC encoder checks the inputs and makes their little-endian bytes: the same
  // bytes tensor_content holds.
  std::string kserve_bytes;
  if (!EncodeGrpcInferRequest(model.name, inputs, &kserve_bytes, error)) return false;
  inference::ModelInferRequest kserve;
  if (!kserve.ParseFromString(kserve_bytes)) {
    *error = "internal: the KServe request does not parse back";
    return false;
  }
  tfserving::PredictRequest message;
  FillModelSpec(model, message.mutable_model_spec());
  for (int i = 0; i < kserve.inputs_size(); ++i) {
    const auto& in = kserve.inputs(i);
    const tfserving::DataType dtype = KServeAsTfDtype(in.datatype());
    if (dtype == tfserving::DT_INVALID) {
      *error = "input '" + in.name() + "': datatype " + in.datatype() + " has no TF DataType";
      return false;
    }
    tfserving::TensorProto& tensor = (*message.mutable_inputs())[in.name()];
    tensor.set_dtype(dtype);
    for (int64_t d : in.shape()) tensor.mutable_tensor_shape()->add_dim()->set_size(d);
    const std::string& raw = kserve.raw_input_contents(i);
    if (dtype == tfserving::DT_STRING) {  // each element a 4-byte length and its bytes
      for (size_t at = 0; at + 4 <= raw.size();) {
        const uint32_t n = LoadRaw<uint32_t>(raw.data() + at);
        tensor.add_string_val(raw.substr(at + 4, n));
        at += 4 + n;
      }
    } else {
      tensor.set_tensor_content(raw);
    }
  }
  // Deterministic: the inputs map serializes in key order, the same bytes on every run.
  std::string out;
  bool serialized = false;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    serialized = message.SerializeToCodedStream(&coded);
  }  // the streams give back what they did not write
  if (!serialized) {
    *error = "the request does not serialize";
    return false;
  }
  request->swap(out);
  return true;
}

bool CheckPredictOutputs(const tfserving::PredictResponse& response, int batch,
                         std::vector<TfOutputSpec>* outputs, std::string* error) {
  if (response.outputs().empty()) {
    *error = "the response has no outputs";
    return false;
  }
  std::map<std::string, const tfserving::TensorProto*> sorted;
  for (const auto& [name, tensor] : response.outputs()) sorted[name] = &tensor;
  if (outputs != nullptr) outputs->clear();
  for (const auto& [name, t] : sorted) {
    const std::string what = "output '" + name + "'";
    const std::string datatype = TfDtypeAsKServe(t->dtype());
    if (datatype.empty()) {
      *error = what + ": dtype " + TfDtypeName(t->dtype()) + " is not one servebench reads";
      return false;
    }
    std::vector<int64_t> shape;
    for (const auto& dim : t->tensor_shape().dim()) shape.push_back(dim.size());
    if (batch >= 1 && (shape.empty() || shape[0] != batch)) {
      *error = what + ": shape " + ShapeJson(shape) + " does not start with the batch " +
               std::to_string(batch);
      return false;
    }
    int64_t count = 1;
    for (int64_t d : shape) {
      if (d < 0) {
        *error = what + ": negative dimension in its shape " + ShapeJson(shape);
        return false;
      }
      if (!MultiplyElements(d, &count)) {
        *error = what + ": shape " + ShapeJson(shape) + " has too many elements";
        return false;
      }
    }
    if (!t->tensor_content().empty()) {
      const int64_t element = ElementBytes(datatype);
      const int64_t size = static_cast<int64_t>(t->tensor_content().size());
      if (element == 0 || size != count * element) {
        *error = what + ": " + std::to_string(size) + " bytes of tensor_content for " +
                 std::to_string(count) + " " + TfDtypeName(t->dtype()) + " elements";
        return false;
      }
    } else if (TensorProtoCount(*t) != count) {
      *error = what + ": " + std::to_string(TensorProtoCount(*t)) + " values for the " +
               std::to_string(count) + " elements of shape " + ShapeJson(shape);
      return false;
    }
    if (outputs != nullptr) outputs->push_back({name, t->dtype(), std::move(shape)});
  }
  return true;
}

bool ReadPredictOutputs(const std::string& body, std::vector<TensorValues>* outputs,
                        std::string* error) {
  tfserving::PredictResponse response;
  if (!response.ParseFromString(body)) {
    *error = "the answer is not a PredictResponse";
    return false;
  }
  std::vector<TfOutputSpec> specs;
  if (!CheckPredictOutputs(response, 0, &specs, error)) return false;
  outputs->clear();
  for (TfOutputSpec& spec : specs) {
    const tfserving::TensorProto& t = response.outputs().at(spec.name);
    if (t.dtype() == tfserving::DT_STRING) {
      *error = "output '" + spec.name + "' is DT_STRING, not numbers";
      return false;
    }
    TensorValues values;
    values.name = spec.name;
    values.shape = std::move(spec.shape);
    int64_t count = 1;
    for (int64_t d : values.shape) count *= d;
    values.values.reserve(static_cast<size_t>(count));
    const std::string datatype = TfDtypeAsKServe(t.dtype());
    const int element = ElementBytes(datatype);
    for (int64_t k = 0; k < count; ++k) {
      values.values.push_back(
          t.tensor_content().empty()
              ? TensorProtoValue(t, static_cast<int>(k))
              : DecodeRawElement(datatype, t.tensor_content().data() + k * element));
    }
    outputs->push_back(std::move(values));
  }
  return true;
}

}  // namespace servebench
