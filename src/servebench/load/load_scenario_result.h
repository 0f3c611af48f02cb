// Copyright servebench authors.
//
// What a scenario run (load/load_scenario.h) measured, read from its LoadResult: the scenario's
// metric, the figures it rests on and whether the run met its minimums. Facts only: whether a
// result is valid for a purpose (an SLO, a comparison) is for the caller to judge. Definitions:
// docs/metrics.md, "Scenarios".

#ifndef SERVEBENCH_LOAD_LOAD_SCENARIO_RESULT_H_
#define SERVEBENCH_LOAD_LOAD_SCENARIO_RESULT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "servebench/core/early_stopping.h"
#include "servebench/load/load_result.h"

namespace servebench {

struct LoadScenarioOutcome {
  LoadScenario kind = LoadScenario::kNone;
  // The queries the minimum count is checked against: SingleStream and MultiStream queries
  // issued in the window, Server intended send times in it, Offline requests.
  int64_t queries = 0;
  bool min_duration_met = false;  // window_s >= min duration (Offline: its last completion)
  bool min_queries_met = false;   // queries >= min queries

  // The metric: "p90_latency_us" (SingleStream; the percentile as set), "p99_query_latency_us"
  // (MultiStream), "target_rate" (Server, queries/s), "samples_per_second" (Offline).
  std::string metric_name;
  bool metric_defined = false;  // false: too few queries for the early-stopping estimate
  double metric = 0;

  // SingleStream, MultiStream, Server: the early-stopping estimate of the latency percentile
  // (of query latency; Server: of request latency), with its rank and the queries it needs.
  EarlyStoppingEstimate estimate;
  // When the scenario has a latency bound: early stopping's judgement of it, on the same
  // histogram.
  bool bound_judged = false;
  BoundJudgement bound;

  // Server: intended send times in the window per second of window (the rate actually
  // scheduled). Offline: samples of the successful requests.
  double scheduled_rate = 0;
  int64_t ok_samples = 0;
};

// Requires result.settings.scenario.kind != kNone.
LoadScenarioOutcome SummarizeLoadScenario(const LoadResult& result);

// The "scenario" object of the result's JSON: name, settings, the outcome above.
nlohmann::json LoadScenarioJson(const LoadResult& result);

}  // namespace servebench

#endif  // SERVEBENCH_LOAD_LOAD_SCENARIO_RESULT_H_
