// Copyright servebench authors.
//
// The response check of KServe v2 REST inference (load/response_check.h), built from one correct
// response to the request a load sends (the reference). A response passes when it is a JSON
// object without "error" whose "outputs" are the reference's: the same names (in any order), the
// same datatypes and shapes, and as many data elements as the shape holds (flat or nested), each
// of the datatype's JSON kind (numbers, booleans for BOOL, strings for BYTES). Values are not
// compared: a load run checks that the server answered the request properly, not what the
// model computed.
//
// A checker parses with simdjson's On Demand API, in a parser that it keeps, and builds no
// strings unless asked why a response failed: checking a response allocates nothing once the
// parser has grown to the largest body.

#ifndef SERVEBENCH_PROTOCOLS_KSERVE_V2_RESPONSE_CHECK_H_
#define SERVEBENCH_PROTOCOLS_KSERVE_V2_RESPONSE_CHECK_H_

#include <memory>
#include <string>

#include "servebench/load/response_check.h"

namespace servebench {

// Builds the check from `reference`, the text of a correct response; `origin` names where it
// came from, for Describe() and errors ("ref.json", "the first inference's response"). Returns
// null with the reason in *error when `reference` is not a usable KServe v2 response (no
// outputs, an output without data, data that does not fill its shape).
std::shared_ptr<const ResponseCheck> NewKServeV2ResponseCheck(const std::string& reference,
                                                              const std::string& origin,
                                                              std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_PROTOCOLS_KSERVE_V2_RESPONSE_CHECK_H_
