// Copyright servebench authors.
//
// A small blocking HTTP/1.1 client for the control plane: health checks, metadata, repository
// calls, a cold start's first inference. Not for load: the load engine has its own hot path.

#ifndef SERVEBENCH_PROTOCOLS_HTTP_CLIENT_H_
#define SERVEBENCH_PROTOCOLS_HTTP_CLIENT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace servebench {

struct HttpReply {
  int status = 0;
  std::string body;
};

// Sends one request to `url` (http://host:port/path) on a new connection and reads the whole
// reply, giving up after `timeout_ns` in all. Returns false with *error on a connection,
// timeout or protocol failure (an HTTP error status is a reply, not a failure). A grpc:// URL
// makes one gRPC call instead, `body` the serialized request (GrpcFetch, grpc_client.h).
bool HttpFetch(const std::string& method, const std::string& url,
               const std::vector<std::pair<std::string, std::string>>& headers,
               const std::string& body, int64_t timeout_ns, HttpReply* reply, std::string* error);

// GETs a document the caller cannot go on without (a model's metadata): its body into *body
// when the reply is 200 OK, else false with the failure, or "GET <url>: HTTP <status>: <body>",
// in *error. *origin gets "GET <url>" either way, to name the document in later messages.
bool HttpGetDocument(const std::string& url, int64_t timeout_ns, std::string* body,
                     std::string* origin, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_PROTOCOLS_HTTP_CLIENT_H_
