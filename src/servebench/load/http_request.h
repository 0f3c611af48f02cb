// Copyright servebench authors.
//
// The request a load run sends, serialised once before the run so that sending it is one write
// of bytes that never change.

#ifndef SERVEBENCH_LOAD_HTTP_REQUEST_H_
#define SERVEBENCH_LOAD_HTTP_REQUEST_H_

#include <string>
#include <utility>

#include "servebench/load/load_settings.h"

namespace servebench {

// The HTTP/1.1 request for `settings`: request line, Host, the user's headers, Content-Length
// when there is a body (or the method usually carries one), a User-Agent unless the user set
// one, and the body.
std::string SerializeRequest(const LoadSettings& settings);

// Parses "Name: value" as given to --header. The name must be an HTTP token; neither part may
// contain CR or LF. Explains a failure in *error.
bool ParseHeader(const std::string& text, std::pair<std::string, std::string>* out,
                 std::string* error);

// Methods are HTTP tokens in upper case by convention; any token is accepted.
bool IsValidMethod(const std::string& method);

}  // namespace servebench

#endif  // SERVEBENCH_LOAD_HTTP_REQUEST_H_
