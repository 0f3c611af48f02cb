// Copyright servebench authors.

#include "servebench/systems/protocol_keys.h"

#include <cstdlib>

#include "servebench/protocols/protocol_adapter.h"

namespace servebench {

namespace {

using nlohmann::json;

json PlainScalar(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  char* end = nullptr;
  const long long integer = std::strtoll(s.c_str(), &end, 10);
  if (*end == '\0') return integer;
  const double number = std::strtod(s.c_str(), &end);
  if (*end == '\0') return number;
  return s;
}

}  // namespace

const std::vector<std::string>& ProtocolKeys() {
  static const std::vector<std::string> keys = {"protocol", "protocol_options"};
  return keys;
}

json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& entry : node) out[entry.first.Scalar()] = YamlToJson(entry.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(YamlToJson(item));
      return out;
    }
    case YAML::NodeType::Scalar:
      // A quoted scalar is a string whatever it spells ("64", "true").
      return node.Tag() == "!" ? json(node.Scalar()) : PlainScalar(node.Scalar());
    default:
      return nullptr;
  }
}

ProtocolChoice ReadProtocol(const Fields& fields, const std::vector<std::string>& allowed,
                            const std::string& default_name) {
  ProtocolChoice choice;
  choice.name = default_name;
  const std::vector<std::string> names = allowed.empty() ? ProtocolNames() : allowed;
  const Field* protocol = fields.Find("protocol");
  if (protocol != nullptr) {
    choice.name = ReadNonEmptyString(protocol->value, protocol->path);
    if (!Contains(names, choice.name)) {
      std::string message =
          "protocol " + Quote(choice.name) + " is not one this server speaks (" + Join(names, ", ");
      const std::string suggestion = DidYouMean(choice.name, names);
      if (!suggestion.empty()) message += "; did you mean " + Quote(suggestion) + "?";
      Fail(protocol->value, protocol->path, message + ")");
    }
  }
  const Field* options = fields.Find("protocol_options");
  if (options != nullptr) {
    if (!options->value.IsMap()) FailType(options->value, options->path, "a map");
    if (!ProtocolTakesOptions(choice.name)) {
      Fail(options->key, options->path, "protocol " + Quote(choice.name) + " takes no options");
    }
    choice.options = YamlToJson(options->value).dump();
  }
  std::string error;
  if (NewProtocolAdapter(choice.name, choice.options, &error) == nullptr) {
    if (options != nullptr) Fail(options->value, options->path, error);
    Fail(protocol != nullptr ? protocol->value : fields.node(),
         protocol != nullptr ? protocol->path : fields.path(),
         error + " (give its options under protocol_options)");
  }
  return choice;
}

void AddProtocolJson(const ProtocolChoice& choice, json* out) {
  (*out)["protocol"] = choice.name;
  if (!choice.options.empty()) (*out)["protocol_options"] = json::parse(choice.options);
}

std::string LoopbackBaseUrl(const std::string& protocol, int http_port, int grpc_port) {
  return protocol == kKServeV2Grpc || protocol == kTfServingGrpc
             ? "grpc://127.0.0.1:" + std::to_string(grpc_port)
             : "http://127.0.0.1:" + std::to_string(http_port);
}

}  // namespace servebench
