// Copyright servebench authors.
//
// Null-safe reading of the free-form JSON the typed records carry: the run's environment
// (bench/environment.h) and a cell's model card (the model zoo's card.json). Either may lack any
// field, and every writer must treat "absent" and null alike, so the writers read them through
// these functions instead of indexing the JSON directly. Run, cell and level records are typed
// (records/) and read as such.

#ifndef SERVEBENCH_REPORT_RECORD_FIELDS_H_
#define SERVEBENCH_REPORT_RECORD_FIELDS_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace servebench {

// The value at a dotted path ("load.latency_us.p50"); nullptr when any step is absent, not an
// object, or the value is null.
const nlohmann::json* FindPath(const nlohmann::json& j, std::string_view dotted);

// The number (or boolean as 0/1) at a dotted path; absent otherwise.
std::optional<double> NumberAt(const nlohmann::json& j, std::string_view dotted);

// The string at a dotted path; empty when absent or not a string.
std::string StringAt(const nlohmann::json& j, std::string_view dotted);

// From a model card (card.json of the model zoo): top-1 accuracy, absent when the card has none
// or says it is not applicable; the parameter count ("parameter_count", or "parameters").
std::optional<double> CardTop1(const nlohmann::json& card);
std::optional<double> CardParameters(const nlohmann::json& card);

// A JSON dump that never throws: invalid UTF-8 in server log lines is replaced, not fatal.
std::string SafeDump(const nlohmann::json& j, int indent = -1);

}  // namespace servebench

#endif  // SERVEBENCH_REPORT_RECORD_FIELDS_H_
