// Copyright servebench authors.
//
// A small blocking gRPC client for the control plane, the counterpart of HttpFetch for grpc://
// URLs: one unary call on a new connection, the method named by the URL's path and the request
// message given serialized. HttpFetch sends grpc:// URLs here, so that health checks, metadata
// and a cold start's first inference reach a gRPC server through the same calls as an HTTP one.
// Not for load: the load engine has its own gRPC worker.

#ifndef SERVEBENCH_PROTOCOLS_GRPC_CLIENT_H_
#define SERVEBENCH_PROTOCOLS_GRPC_CLIENT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "servebench/core/url.h"
#include "servebench/protocols/http_client.h"

namespace servebench {

// Calls the method `url.target` ("/package.Service/Method") at url.host:url.port with the
// serialized `request`, the headers as metadata (names lower-cased). The reply's status is the
// HTTP status that stands for the gRPC status (200 for OK, 404 for NOT_FOUND, ...;
// load/grpc_status.h) and its body the serialized response, or "gRPC <CODE>: <message>" when the
// status is not OK. Returns false with *error only when no status came back in `timeout_ns`
// (then the call's status said DEADLINE_EXCEEDED) or the URL is not a grpc:// one.
bool GrpcFetch(const Url& url, const std::vector<std::pair<std::string, std::string>>& headers,
               const std::string& request, int64_t timeout_ns, HttpReply* reply,
               std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_PROTOCOLS_GRPC_CLIENT_H_
