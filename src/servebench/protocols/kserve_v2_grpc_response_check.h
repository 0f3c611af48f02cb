// Copyright servebench authors.
//
// The response check of KServe v2 gRPC inference (load/response_check.h), built from one correct
// ModelInferResponse to the request a load sends (the reference). A response passes when it
// parses as a ModelInferResponse whose outputs are the reference's, in the same order: the same
// names, datatypes and shapes, and tensor bytes (raw_output_contents or typed contents) for as
// many elements as each shape holds. Values are not compared, as over REST: a load run checks
// that the server answered the request properly, not what the model computed.
//
// A checker parses into a message that it keeps, so that after the first responses parsing
// reuses the message's memory.

#ifndef SERVEBENCH_PROTOCOLS_KSERVE_V2_GRPC_RESPONSE_CHECK_H_
#define SERVEBENCH_PROTOCOLS_KSERVE_V2_GRPC_RESPONSE_CHECK_H_

#include <memory>
#include <string>

#include "servebench/load/response_check.h"

namespace servebench {

// Builds the check from `reference`, the bytes of a correct response; `origin` names it. Null
// with the reason in *error when `reference` is not a well-formed response with outputs.
std::shared_ptr<const ResponseCheck> NewKServeV2GrpcResponseCheck(const std::string& reference,
                                                                  const std::string& origin,
                                                                  std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_PROTOCOLS_KSERVE_V2_GRPC_RESPONSE_CHECK_H_
