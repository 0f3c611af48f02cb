// Copyright servebench authors.
//
// An http:// (or grpc://) URL split into what a client needs: the load engine, the protocol
// adapters and the launchers of servers that run elsewhere all read URLs the same way.

#ifndef SERVEBENCH_CORE_URL_H_
#define SERVEBENCH_CORE_URL_H_

#include <cstdint>
#include <string>

namespace servebench {

struct Url {
  // "http", or "grpc": gRPC over cleartext HTTP/2, whose path names the method
  // ("/package.Service/Method").
  std::string scheme = "http";
  std::string host;  // as written, without brackets for IPv6 literals
  uint16_t port = 80;
  std::string target;       // path and query, "/" when empty
  std::string host_header;  // what the Host header carries: host[:port]
};

// Parses "http://host[:port][/path][?query]" or "grpc://host[:port][/path]" (grpc's port has no
// default: it must be given). https and other schemes, userinfo, fragments and malformed ports
// are errors explained in *error.
bool ParseUrl(const std::string& text, Url* out, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_CORE_URL_H_
