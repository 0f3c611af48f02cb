// Copyright servebench authors.
//
// Tensors as TensorFlow Serving's gRPC API carries them (proto/tfserving_apis.proto): a
// PredictRequest made from the same JSON inputs the other protocols send (kserve_json.h), each
// input a TensorProto with its bytes in tensor_content; a model's signature read from
// GetModelMetadata into the KServe v2 metadata document's form, so the KServe data generator
// shapes the requests; and PredictResponse outputs checked and read back from tensor_content or
// the typed *_val fields (TF Serving answers in the typed fields unless told otherwise).
// Outputs are a map on the wire, in no order: servebench lists them sorted by name.

#ifndef SERVEBENCH_PROTOCOLS_TFSERVING_GRPC_TENSORS_H_
#define SERVEBENCH_PROTOCOLS_TFSERVING_GRPC_TENSORS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "proto/tfserving_apis.pb.h"
#include "servebench/protocols/protocol_adapter.h"

namespace servebench {

// The methods, as the paths of grpc:// URLs.
inline constexpr char kTfsPredict[] = "/tensorflow.serving.PredictionService/Predict";
inline constexpr char kTfsGetModelMetadata[] =
    "/tensorflow.serving.PredictionService/GetModelMetadata";
inline constexpr char kTfsGetModelStatus[] = "/tensorflow.serving.ModelService/GetModelStatus";

// Which model, version and signature a request addresses.
struct TfServingModelRef {
  std::string name;
  int64_t version = 0;         // 0: none (the latest, or version_label's)
  std::string version_label;   // empty: none
  std::string signature_name;  // empty: the server's default ("serving_default")
};

void FillModelSpec(const TfServingModelRef& model, tfserving::ModelSpec* spec);

// TF's DataType as a KServe v2 datatype ("FP32" for DT_FLOAT, ...); empty for a type servebench
// does not handle. And back: DT_INVALID for an unknown name.
std::string TfDtypeAsKServe(int dtype);
tfserving::DataType KServeAsTfDtype(const std::string& datatype);
// "DT_FLOAT", or "DataType <n>" for a value without a name here.
std::string TfDtypeName(int dtype);

// The inputs of signature `signature` in the GetModelMetadataResponse `body`, as the KServe v2
// metadata document ({"inputs": [{"name", "datatype", "shape"}]}, sorted by name; a -1
// dimension stays -1, for the generator to make the batch). False with *error naming `origin`.
bool SignatureAsKServeMetadata(const std::string& body, const std::string& signature,
                               const std::string& origin, std::string* json_text,
                               std::string* error);

// A serialized PredictRequest for `model` carrying `inputs`, the "inputs" array of a KServe v2
// JSON request (flat or nested "data"): numeric tensors in tensor_content (little-endian,
// row-major), strings (BYTES) in string_val. False with *error on a value that cannot be encoded.
bool EncodePredictRequest(const TfServingModelRef& model, const nlohmann::json& inputs,
                          std::string* request, std::string* error);

// What one output of a correct response is: its name, dtype and shape.
struct TfOutputSpec {
  std::string name;
  int dtype = 0;
  std::vector<int64_t> shape;
};

// Checks the structure of a parsed response: at least one output; each with a dtype servebench
// reads, a shape (whose first dimension is `batch`, unless batch < 1), and values for exactly as
// many elements as the shape holds (tensor_content's bytes or the dtype's typed field). Fills
// *outputs (may be null), sorted by name. False with *error.
bool CheckPredictOutputs(const tfserving::PredictResponse& response, int batch,
                         std::vector<TfOutputSpec>* outputs, std::string* error);

// Every output of a serialized PredictResponse, sorted by name, as numbers (DT_BOOL as 0 and 1).
bool ReadPredictOutputs(const std::string& body, std::vector<TensorValues>* outputs,
                        std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_PROTOCOLS_TFSERVING_GRPC_TENSORS_H_
