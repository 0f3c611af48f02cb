// Copyright servebench authors.

#include "servebench/load/http_request.h"

#include <strings.h>

#include <algorithm>
#include <cctype>

namespace servebench {
namespace {

// RFC 9110 token characters.
bool IsTokenChar(unsigned char c) {
  if (std::isalnum(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return IsTokenChar(c); });
}

bool HasHeader(const LoadSettings& s, const char* name) {
  return std::any_of(s.headers.begin(), s.headers.end(),
                     [name](const auto& h) { return strcasecmp(h.first.c_str(), name) == 0; });
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

}  // namespace

bool IsValidMethod(const std::string& method) { return IsToken(method); }

std::string SerializeRequest(const LoadSettings& s) {
  std::string out;
  out.reserve(256 + s.body.size());
  out += s.method + " " + s.url.target + " HTTP/1.1\r\n";
  if (!HasHeader(s, "Host")) out += "Host: " + s.url.host_header + "\r\n";
  if (!HasHeader(s, "User-Agent")) out += "User-Agent: servebench/0.1\r\n";
  for (const auto& [name, value] : s.headers) out += name + ": " + value + "\r\n";
  bool method_has_body = s.method == "POST" || s.method == "PUT" || s.method == "PATCH";
  if ((!s.body.empty() || method_has_body)) {
    out += "Content-Length: " + std::to_string(s.body.size()) + "\r\n";
  }
  out += "\r\n";
  out += s.body;
  return out;
}

bool ParseHeader(const std::string& text, std::pair<std::string, std::string>* out,
                 std::string* error) {
  size_t colon = text.find(':');
  if (colon == std::string::npos) {
    *error = "header '" + text + "': expected 'Name: value'";
    return false;
  }
  std::string name = text.substr(0, colon);
  std::string value = Trim(text.substr(colon + 1));
  if (!IsToken(name)) {
    *error = "header '" + text + "': the name '" + name + "' is not a valid HTTP field name";
    return false;
  }
  if (value.find_first_of("\r\n") != std::string::npos) {
    *error = "header '" + name + "': the value must not contain line breaks";
    return false;
  }
  if (strcasecmp(name.c_str(), "Transfer-Encoding") == 0 ||
      strcasecmp(name.c_str(), "Connection") == 0 ||
      strcasecmp(name.c_str(), "Content-Length") == 0) {
    *error = "header '" + name +
             "' cannot be set: servebench sends fixed-length bodies on keep-alive connections "
             "and computes Content-Length itself";
    return false;
  }
  *out = {name, value};
  return true;
}

}  // namespace servebench
