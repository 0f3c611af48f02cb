// Copyright servebench authors.
//
// What a scenario run (load/load_scenario.h) measured, read from its LoadResult: the scenario's
// metric, the figures it rests on, and MLPerf's kind of verdict on it: VALID when every rule of
// the scenario holds, else INVALID with each rule that failed, its figures and what to change.
// Definitions: docs/metrics.md, "Scenarios".

#ifndef SERVEBENCH_LOAD_LOAD_SCENARIO_RESULT_H_
#define SERVEBENCH_LOAD_LOAD_SCENARIO_RESULT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "servebench/core/early_stopping.h"
#include "servebench/load/load_result.h"

namespace servebench {

// A run whose generator schedule lag p99 exceeds this share of the latency at the scenario's
// percentile breaks the "generator_lag" rule (Server): the lateness is inside the latency.
inline constexpr double kScenarioLagShareLimit = 0.10;
// ... unless more than this share of its requests waited for a free connection: then the lag is
// the server's back-pressure, which the latency rightly includes.
inline constexpr double kScenarioQueuedShareLimit = 0.01;

// One rule of the scenario that the run broke.
struct ScenarioRuleFailure {
  // "interrupted" | "errors" | "min_duration" | "min_queries" | "early_stopping" |
  // "latency_bound" | "generator_lag"
  std::string rule;
  std::string detail;          // what the run showed, with its figures
  std::string recommendation;  // what to change for a valid result
};

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

  // Server: the generator's schedule lag p99 against the latency at the percentile.
  double lag_p99_us = 0;
  double lag_share = 0;  // lag_p99_us / that latency (0 when there is none)

  // VALID when `failures` is empty. The rules, each checked (docs/metrics.md, "Scenarios"):
  //   interrupted     the run was stopped by the user
  //   errors          a request of the window failed (MLPerf counts a run only when every query
  //                   was answered)
  //   min_duration    the window (Offline: to the last completion) is shorter than min duration
  //   min_queries     fewer queries than min queries
  //   early_stopping  SingleStream, MultiStream, and Server without a bound: too few successful
  //                   queries for the early-stopping estimate at the percentile
  //   latency_bound   the bound is not shown met by early stopping (not_met or undecided);
  //                   Server: also when there is no bound, its rate being valid only under one
  //   generator_lag   Server: lag_share > kScenarioLagShareLimit, at most
  //                   kScenarioQueuedShareLimit of the requests having waited for a connection
  bool valid = false;
  std::vector<ScenarioRuleFailure> failures;
};

// Requires result.settings.scenario.kind != kNone.
LoadScenarioOutcome SummarizeLoadScenario(const LoadResult& result);

// One line in the spirit of MLPerf's summary: the scenario, its metric, VALID or INVALID, and
// for an invalid run each failed rule with its recommendation, e.g.
//   "server: target rate 500.0 queries/s INVALID: latency_bound (p99 ...) -> lower the target
//   rate (--rate)".
std::string LoadScenarioVerdictLine(const LoadResult& result);

}  // namespace servebench

#endif  // SERVEBENCH_LOAD_LOAD_SCENARIO_RESULT_H_
