// Copyright servebench authors.
//
// The keys that choose the wire protocol a server's requests use, for every kind that can speak
// more than one: `protocol` (a registered protocol's name, among those the kind speaks) and
// `protocol_options` (a mapping, for the protocols that take options: http-json's paths and
// pointers, tfserving-rest's request form). The options are checked by making the adapter when
// the config is read, so a bad option is a config error at its key.

#ifndef SERVEBENCH_SYSTEMS_PROTOCOL_KEYS_H_
#define SERVEBENCH_SYSTEMS_PROTOCOL_KEYS_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "servebench/yaml/yaml_fields.h"

namespace servebench {

struct ProtocolChoice {
  std::string name;
  std::string options;  // JSON text of protocol_options; empty when absent
};

// "protocol", "protocol_options".
const std::vector<std::string>& ProtocolKeys();

// Reads the two keys: `protocol` must be one of `allowed` (every registered protocol when
// empty) and defaults to `default_name`; `protocol_options` is a mapping the protocol accepts.
// Throws ConfigError at the key at fault.
ProtocolChoice ReadProtocol(const Fields& fields, const std::vector<std::string>& allowed,
                            const std::string& default_name);

// The keys as a report shows them (protocol_options only when given).
void AddProtocolJson(const ProtocolChoice& choice, nlohmann::json* out);

// The base URL of a server on loopback for `protocol`: grpc://127.0.0.1:<grpc_port> for the
// gRPC protocols (KServe v2's, TF Serving's), http://127.0.0.1:<http_port> for the others.
std::string LoopbackBaseUrl(const std::string& protocol, int http_port, int grpc_port);

// A YAML value as JSON: mappings as objects, sequences as arrays, plain scalars as booleans,
// null, integers or numbers when they read as such, quoted scalars and the rest as strings.
nlohmann::json YamlToJson(const YAML::Node& node);

}  // namespace servebench

#endif  // SERVEBENCH_SYSTEMS_PROTOCOL_KEYS_H_
