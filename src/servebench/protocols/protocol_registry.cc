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

std::map<std::string, ProtocolFactory>& Table() {
  static auto* table = new std::map<std::string, ProtocolFactory>();
  return *table;
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
  if (!Table().emplace(name, std::move(factory)).second) {
    std::fprintf(stderr, "servebench: protocol '%s' registered twice\n", name.c_str());
    std::abort();
  }
}

std::unique_ptr<ProtocolAdapter> NewProtocolAdapter(const std::string& name) {
  auto it = Table().find(name);
  return it == Table().end() ? nullptr : it->second();
}

std::vector<std::string> ProtocolNames() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : Table()) names.push_back(name);
  return names;
}

}  // namespace servebench
