// Copyright servebench authors.
//
// The table behind ServingSystemRegistration. A function-local static, so that registrations
// from other files' static initialisers find it constructed whatever the order.

#include "servebench/systems/serving_system.h"

#include <cstdio>
#include <cstdlib>
#include <map>

namespace servebench {

namespace {

std::map<std::string, std::unique_ptr<ServingSystem>>& Table() {
  static auto* table = new std::map<std::string, std::unique_ptr<ServingSystem>>();
  return *table;
}

}  // namespace

ServingSystemRegistration::ServingSystemRegistration(std::unique_ptr<ServingSystem> system) {
  const std::string kind = system->kind();
  if (!Table().emplace(kind, std::move(system)).second) {
    std::fprintf(stderr, "servebench: serving system '%s' registered twice\n", kind.c_str());
    std::abort();
  }
}

const ServingSystem* FindServingSystem(const std::string& kind) {
  auto it = Table().find(kind);
  return it == Table().end() ? nullptr : it->second.get();
}

std::vector<std::string> ServingSystemKinds() {
  std::vector<std::string> kinds;
  for (const auto& [kind, system] : Table()) kinds.push_back(kind);
  return kinds;
}

}  // namespace servebench
