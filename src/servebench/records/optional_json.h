// Copyright servebench authors.
//
// An optional number in a record's JSON: its value, or null when it was not measured (never a
// zero that would read as a measurement).

#ifndef SERVEBENCH_RECORDS_OPTIONAL_JSON_H_
#define SERVEBENCH_RECORDS_OPTIONAL_JSON_H_

#include <nlohmann/json.hpp>
#include <optional>

namespace servebench {

template <typename T>
nlohmann::json OrNull(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace servebench

#endif  // SERVEBENCH_RECORDS_OPTIONAL_JSON_H_
