// Copyright servebench authors.
//
// The target of a load run: an http:// URL split into what the engine needs.

#ifndef SERVEBENCH_LOAD_URL_H_
#define SERVEBENCH_LOAD_URL_H_

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

#endif  // SERVEBENCH_LOAD_URL_H_
