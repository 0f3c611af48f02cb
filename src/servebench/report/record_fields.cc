// Copyright servebench authors.

#include "servebench/report/record_fields.h"

#include <string>

namespace servebench {

const nlohmann::json* FindPath(const nlohmann::json& j, std::string_view dotted) {
  const nlohmann::json* node = &j;
  while (!dotted.empty()) {
    const size_t dot = dotted.find('.');
    const std::string key(dotted.substr(0, dot));
    dotted = dot == std::string_view::npos ? std::string_view() : dotted.substr(dot + 1);
    if (!node->is_object()) return nullptr;
    auto it = node->find(key);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node->is_null() ? nullptr : node;
}

std::optional<double> NumberAt(const nlohmann::json& j, std::string_view dotted) {
  const nlohmann::json* v = FindPath(j, dotted);
  if (v == nullptr) return std::nullopt;
  if (v->is_number()) return v->get<double>();
  if (v->is_boolean()) return v->get<bool>() ? 1.0 : 0.0;
  return std::nullopt;
}

std::string StringAt(const nlohmann::json& j, std::string_view dotted) {
  const nlohmann::json* v = FindPath(j, dotted);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

std::optional<double> CardTop1(const nlohmann::json& card) {
  return NumberAt(card, "accuracy.top1");
}

std::optional<double> CardParameters(const nlohmann::json& card) {
  if (auto p = NumberAt(card, "parameter_count")) return p;
  return NumberAt(card, "parameters");
}

std::string SafeDump(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace servebench
