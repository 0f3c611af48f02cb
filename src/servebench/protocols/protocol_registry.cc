// Copyright servebench authors.
//
// The table behind ProtocolRegistration. A function-local static, so that registrations from
// other files' static initialisers find it constructed whatever the order.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "servebench/protocols/protocol_adapter.h"

namespace servebench {

namespace {

// A protocol's factory: one of the two kinds, the other null.
struct Factories {
  ProtocolFactory plain;
  ConfiguredProtocolFactory configured;
};

std::map<std::string, Factories>& Table() {
  static auto* table = new std::map<std::string, Factories>();
  return *table;
}

void Register(const std::string& name, Factories factories) {
  if (!Table().emplace(name, std::move(factories)).second) {
    std::fprintf(stderr, "servebench: protocol '%s' registered twice\n", name.c_str());
    std::abort();
  }
}

}  // namespace

bool ProtocolAdapter::ModelControlCalls(const std::string&, HttpCall*, HttpCall*) const {
  return false;
}

HttpCall ProtocolAdapter::ServerReadyCall() const {
  HttpCall call;
  call.path = ServerReadyPath();
  return call;
}

HttpCall ProtocolAdapter::ModelReadyCall(const std::string& model) const {
  HttpCall call;
  call.path = ModelReadyPath(model);
  return call;
}

HttpCall ProtocolAdapter::ServerReadyCallFor(const std::string&) const { return ServerReadyCall(); }

bool ProtocolAdapter::SaysReady(const std::string&) const { return true; }

bool ProtocolAdapter::BuildInferCallsWithData(const std::string&, const std::string&,
                                              const TensorValues&, int, std::vector<HttpCall>*,
                                              std::string* error) const {
  *error = "protocol '" + name() + "' cannot send given data (no BuildInferCallsWithData)";
  return false;
}

bool ProtocolAdapter::ReadOutputs(const std::string&, std::vector<TensorValues>*,
                                  std::string* error) const {
  *error = "protocol '" + name() + "' cannot read outputs back (no ReadOutputs)";
  return false;
}

ProtocolRegistration::ProtocolRegistration(const std::string& name, ProtocolFactory factory) {
  Register(name, {std::move(factory), nullptr});
}

ProtocolRegistration::ProtocolRegistration(const std::string& name,
                                           ConfiguredProtocolFactory factory) {
  Register(name, {nullptr, std::move(factory)});
}

std::unique_ptr<ProtocolAdapter> NewProtocolAdapter(const std::string& name) {
  std::string error;
  return NewProtocolAdapter(name, "", &error);
}

std::unique_ptr<ProtocolAdapter> NewProtocolAdapter(const std::string& name,
                                                    const std::string& options_json,
                                                    std::string* error) {
  auto it = Table().find(name);
  if (it == Table().end()) {
    *error = "'" + name + "' is not a registered protocol";
    return nullptr;
  }
  if (it->second.plain) {
    if (!options_json.empty()) {
      *error = "protocol '" + name + "' takes no options";
      return nullptr;
    }
    return it->second.plain();
  }
  nlohmann::json options = nlohmann::json::object();
  if (!options_json.empty()) {
    options = nlohmann::json::parse(options_json, nullptr, /*allow_exceptions=*/false);
    if (!options.is_object()) {
      *error = "protocol '" + name + "': options are not a JSON object: " + options_json;
      return nullptr;
    }
  }
  std::unique_ptr<ProtocolAdapter> adapter = it->second.configured(options, error);
  if (adapter == nullptr) *error = "protocol '" + name + "': " + *error;
  return adapter;
}

bool ProtocolTakesOptions(const std::string& name) {
  auto it = Table().find(name);
  return it != Table().end() && it->second.configured != nullptr;
}

std::vector<std::string> ProtocolNames() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : Table()) names.push_back(name);
  return names;
}

}  // namespace servebench
