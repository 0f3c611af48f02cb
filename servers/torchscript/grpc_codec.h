// KServe v2 gRPC messages <-> the server's neutral request and tensors: raw_input_contents or
// typed contents in, raw_output_contents out (as Triton answers).
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_GRPC_CODEC_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_GRPC_CODEC_H_

#include <string_view>
#include <vector>

#include "infer_request.h"
#include "proto/grpc_predict_v2.pb.h"
#include "status.h"
#include "tensor.h"

namespace servebench::ts {

Status FromGrpcRequest(const inference::ModelInferRequest& in, InferRequest* out);

void ToGrpcResponse(std::string_view model, std::string_view version, std::string_view id,
                    std::vector<Tensor>&& outputs, inference::ModelInferResponse* out);

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_GRPC_CODEC_H_
