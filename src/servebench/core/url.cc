// Copyright servebench authors.

#include "servebench/core/url.h"

#include <charconv>

namespace servebench {

bool ParseUrl(const std::string& text, Url* out, std::string* error) {
  std::string scheme;
  for (const char* known : {"http", "grpc"}) {
    if (text.rfind(std::string(known) + "://", 0) == 0) scheme = known;
  }
  if (scheme.empty()) {
    if (text.rfind("https://", 0) == 0) {
      *error = "URL '" + text + "': https is not supported; servebench measures plain HTTP/1.1";
    } else {
      *error = "URL '" + text + "': expected it to start with http:// (or grpc://)";
    }
    return false;
  }
  std::string rest = text.substr(scheme.size() + 3);
  size_t slash = rest.find_first_of("/?#");
  std::string authority = rest.substr(0, slash);
  std::string target = slash == std::string::npos ? "" : rest.substr(slash);
  if (!target.empty() && target[0] == '?') target = "/" + target;
  if (size_t hash = target.find('#'); hash != std::string::npos) {
    *error = "URL '" + text + "': fragments (#...) are not sent over HTTP; remove it";
    return false;
  }
  if (authority.find('@') != std::string::npos) {
    *error = "URL '" + text + "': user information (user@host) is not supported";
    return false;
  }
  if (authority.empty()) {
    *error = "URL '" + text + "': no host";
    return false;
  }

  Url url;
  url.scheme = scheme;
  bool has_port = false;
  std::string port_text;
  if (authority[0] == '[') {  // IPv6 literal
    size_t close = authority.find(']');
    if (close == std::string::npos) {
      *error = "URL '" + text + "': unterminated IPv6 address (missing ']')";
      return false;
    }
    url.host = authority.substr(1, close - 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        *error = "URL '" + text + "': unexpected text after the IPv6 address";
        return false;
      }
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    size_t colon = authority.find(':');
    url.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
  }
  if (url.host.empty()) {
    *error = "URL '" + text + "': no host";
    return false;
  }
  if (has_port) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
        value == 0 || value > 65535) {
      *error = "URL '" + text + "': port '" + port_text + "' is not a number in 1..65535";
      return false;
    }
    url.port = static_cast<uint16_t>(value);
  } else if (scheme == "grpc") {
    *error = "URL '" + text + "': a grpc:// URL needs a port (gRPC has no default port)";
    return false;
  }
  url.target = target.empty() ? "/" : target;
  url.host_header = authority;
  *out = url;
  return true;
}

}  // namespace servebench
