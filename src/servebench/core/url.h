// Copyright servebench authors.
//
// An http:// URL split into what a client needs: the load engine, the protocol adapters and the
// launchers of servers that run elsewhere all read URLs the same way.

#ifndef SERVEBENCH_CORE_URL_H_
#define SERVEBENCH_CORE_URL_H_

#include <cstdint>
#include <string>

namespace servebench {

struct Url {
  std::string host;  // as written, without brackets for IPv6 literals
  uint16_t port = 80;
  std::string target;       // path and query, "/" when empty
  std::string host_header;  // what the Host header carries: host[:port]
};

// Parses "http://host[:port][/path][?query]". https and other schemes, userinfo, fragments and
// malformed ports are errors explained in *error.
bool ParseUrl(const std::string& text, Url* out, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_CORE_URL_H_
