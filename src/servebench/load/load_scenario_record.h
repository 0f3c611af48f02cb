// Copyright servebench authors.
//
// The stable form of a scenario run's outcome (load/load_scenario_result.h): the "scenario"
// object of a load record, in `servebench load --json` and in a run's level records. Of
// summarises a LoadResult; ToJson and Read are the one writer and the one reader of that JSON.
// docs/metrics.md ("Scenarios") defines every field.

#ifndef SERVEBENCH_LOAD_LOAD_SCENARIO_RECORD_H_
#define SERVEBENCH_LOAD_LOAD_SCENARIO_RECORD_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "servebench/core/json_reader.h"
#include "servebench/load/load_result.h"
#include "servebench/load/load_scenario.h"

namespace servebench {

// "settings": the scenario's settings; the optional ones are present for the scenarios that
// have them.
struct ScenarioSettingsRecord {
  double min_duration_s = 0;
  double max_duration_s = 0;
  int64_t min_queries = 0;
  int64_t seed = 0;
  std::optional<double> percentile;        // SingleStream, MultiStream, Server
  std::optional<int> samples_per_query;    // MultiStream
  std::optional<double> target_rate;       // Server
  std::optional<int64_t> total_samples;    // Offline
  std::optional<int> samples_per_request;  // Offline
  std::optional<double> latency_bound_us;  // not Offline; null without a bound

  void Read(JsonReader* in);
};

// "early_stopping": the estimate of the latency percentile.
struct EarlyStoppingRecord {
  double percentile = 0;
  int64_t queries = 0;
  int64_t min_queries = 0;
  bool defined = false;
  std::optional<int64_t> rank;       // null when not defined
  std::optional<int64_t> discarded;  // null when not defined
  std::optional<double> value_us;    // null when not defined

  void Read(JsonReader* in);
};

// "bound": the latency bound judged with early stopping.
struct ScenarioBoundRecord {
  double latency_us = 0;
  double percentile = 0;
  std::string verdict;  // "met" | "not_met" | "undecided"
  int64_t queries = 0;
  int64_t overruns = 0;
  int64_t certain_overruns = 0;
  int64_t min_queries = 0;

  void Read(JsonReader* in);
};

// "generator_lag" (Server): the schedule lag p99 against the latency at the percentile.
struct ScenarioLagRecord {
  double schedule_lag_p99_us = 0;
  double share = 0;
  double limit = 0;

  void Read(JsonReader* in);
};

// One entry of "failed_rules".
struct RuleFailureRecord {
  std::string rule;
  std::string detail;
  std::string recommendation;

  void Read(JsonReader* in);
};

struct ScenarioRecord {
  LoadScenario kind = LoadScenario::kNone;  // "name" in the JSON
  ScenarioSettingsRecord settings;
  std::string metric_name;
  std::optional<double> metric_value;  // null when undefined
  int64_t queries = 0;
  bool min_duration_met = false;
  bool min_queries_met = false;
  std::optional<int64_t> queries_ok;                  // SingleStream, MultiStream
  std::optional<int64_t> queries_failed;              // SingleStream, MultiStream
  std::optional<EarlyStoppingRecord> early_stopping;  // not Offline
  std::optional<ScenarioBoundRecord> bound;           // with a latency bound
  std::optional<double> scheduled_rate;               // Server
  std::optional<ScenarioLagRecord> generator_lag;     // Server
  std::optional<int64_t> ok_samples;                  // Offline
  std::optional<double> last_completion_s;            // Offline
  bool valid = false;                                 // "result": "VALID" | "INVALID"
  std::vector<RuleFailureRecord> failed_rules;
  std::string summary;  // LoadScenarioVerdictLine

  // Requires result.settings.scenario.kind != kNone.
  static ScenarioRecord Of(const LoadResult& result);

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

}  // namespace servebench

#endif  // SERVEBENCH_LOAD_LOAD_SCENARIO_RECORD_H_
