// Copyright servebench authors.
//
// The `protocol` key of a kind whose servers speak more than one wire protocol (KServe v2 over
// REST or gRPC, ...): which of them the load, readiness and cold start use, and where a plan's
// base URL then points.

#ifndef SERVEBENCH_SYSTEMS_PROTOCOL_KEY_H_
#define SERVEBENCH_SYSTEMS_PROTOCOL_KEY_H_

#include <string>
#include <vector>

#include "servebench/yaml/yaml_fields.h"

namespace servebench {

// Reads `protocol` from `fields`: one of `spoken` (registered protocol names), whose first is the
// default when the key is absent. Throws ConfigError naming the key, the protocols this kind
// speaks, and a likely one for a typo.
std::string ReadProtocolKey(const Fields& fields, const std::vector<std::string>& spoken);

// The base URL of a server on loopback for `protocol`: grpc://127.0.0.1:<grpc_port> for the
// KServe v2 gRPC protocol, http://127.0.0.1:<http_port> for the others.
std::string LoopbackBaseUrl(const std::string& protocol, int http_port, int grpc_port);

}  // namespace servebench

#endif  // SERVEBENCH_SYSTEMS_PROTOCOL_KEY_H_
