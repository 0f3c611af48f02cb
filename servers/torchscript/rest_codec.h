// KServe v2 REST bodies: JSON tensors (nested or flat data) and the binary tensor extension,
// in both directions. Torch-free and allocation-bounded, since every byte here comes from the
// network (the fuzz target drives ParseRestInferRequest).
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_REST_CODEC_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_REST_CODEC_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "infer_request.h"
#include "status.h"
#include "tensor.h"

namespace servebench::ts {

// `body` is the whole HTTP body; `json_length` the Inference-Header-Content-Length value, or
// body.size() when the header is absent. Bytes after the JSON hold the binary inputs in the
// order of the inputs that declare "binary_data_size".
Status ParseRestInferRequest(std::string_view body, size_t json_length, InferRequest* request);

// The response body. Outputs flagged binary go after the JSON; *json_length is the JSON's
// length, to be sent as Inference-Header-Content-Length when it differs from the body size.
std::string EncodeRestInferResponse(std::string_view model, std::string_view version,
                                    std::string_view id, const std::vector<Tensor>& outputs,
                                    const std::vector<bool>& binary, size_t* json_length);

// {"error":"..."} with the message escaped.
std::string ErrorJson(std::string_view message);

// Appends `s` as a JSON string literal, quotes included.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_REST_CODEC_H_
