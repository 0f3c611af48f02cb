// Copyright servebench authors.
//
// Tensors as KServe v2 gRPC carries them (proto/grpc_predict_v2.proto): request bytes made from
// the same JSON inputs that the REST adapter sends (kserve_json.h), so every protocol sends the
// same data; model metadata read into the REST metadata document's form; outputs read back from
// raw_output_contents (or typed contents); and the structural check of one response. Tensor
// bytes are little-endian, row-major; BYTES elements each a 4-byte length and the bytes.

#ifndef SERVEBENCH_PROTOCOLS_KSERVE_GRPC_TENSORS_H_
#define SERVEBENCH_PROTOCOLS_KSERVE_GRPC_TENSORS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "proto/grpc_predict_v2.pb.h"
#include "servebench/protocols/protocol_adapter.h"

namespace servebench {

// The methods, as the paths of grpc:// URLs.
inline constexpr char kGrpcServerReady[] = "/inference.GRPCInferenceService/ServerReady";
inline constexpr char kGrpcModelReady[] = "/inference.GRPCInferenceService/ModelReady";
inline constexpr char kGrpcModelMetadata[] = "/inference.GRPCInferenceService/ModelMetadata";
inline constexpr char kGrpcModelInfer[] = "/inference.GRPCInferenceService/ModelInfer";
// Triton's model repository extension, in the same service.
inline constexpr char kGrpcRepositoryModelLoad[] =
    "/inference.GRPCInferenceService/RepositoryModelLoad";
inline constexpr char kGrpcRepositoryModelUnload[] =
    "/inference.GRPCInferenceService/RepositoryModelUnload";

// Bytes per element of a KServe v2 datatype; 0 for BYTES (variable) and unknown names.
int ElementBytes(const std::string& datatype);

// The model metadata response `body` as the REST metadata document ({"name", "inputs": [{"name",
// "datatype", "shape"}], "outputs": [...]}); false with *error naming `origin` when it does not
// parse.
bool GrpcMetadataAsJson(const std::string& body, const std::string& origin, std::string* json_text,
                        std::string* error);

// A serialized ModelInferRequest for `model` carrying `inputs`, the "inputs" array of a KServe v2
// JSON request (flat or nested "data"), in raw_input_contents. False with *error on a datatype or
// value that cannot be encoded, or data that does not fill its shape.
bool EncodeGrpcInferRequest(const std::string& model, const nlohmann::json& inputs,
                            std::string* request, std::string* error);

// Checks the structure of a parsed response: at least one output; each with a name, a known
// datatype and a shape (whose first dimension is `batch`, unless batch < 1); tensor bytes (raw,
// or typed contents) for exactly as many elements as the shape holds. False with *error.
bool CheckGrpcOutputs(const inference::ModelInferResponse& response, int batch, std::string* error);

// Every output of a serialized ModelInferResponse, in its order, as numbers (BOOL as 0 and 1).
bool ReadGrpcOutputs(const std::string& body, std::vector<TensorValues>* outputs,
                     std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_PROTOCOLS_KSERVE_GRPC_TENSORS_H_
