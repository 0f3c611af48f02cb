// Copyright servebench authors.

#include "servebench/systems/protocol_key.h"

#include "servebench/protocols/protocol_adapter.h"

namespace servebench {

std::string ReadProtocolKey(const Fields& fields, const std::vector<std::string>& spoken) {
  std::string protocol = spoken.front();
  IfPresent(fields, "protocol", [&](const YAML::Node& n, const std::string& p) {
    protocol = ReadNonEmptyString(n, p);
    if (!Contains(spoken, protocol)) {
      std::string message = "protocol " + Quote(protocol) +
                            " is not one this kind speaks (it speaks: " + Join(spoken, ", ");
      const std::string suggestion = DidYouMean(protocol, spoken);
      if (!suggestion.empty()) message += "; did you mean " + Quote(suggestion) + "?";
      Fail(n, p, message + ")");
    }
  });
  return protocol;
}

std::string LoopbackBaseUrl(const std::string& protocol, int http_port, int grpc_port) {
  return protocol == kKServeV2Grpc ? "grpc://127.0.0.1:" + std::to_string(grpc_port)
                                   : "http://127.0.0.1:" + std::to_string(http_port);
}

}  // namespace servebench
