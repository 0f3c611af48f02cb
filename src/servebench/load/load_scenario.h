// Copyright servebench authors.
//
// MLPerf LoadGen's four scenarios, as explicit settings (one type, the scenario's kind choosing
// which fields apply; docs/metrics.md, "Scenarios", defines each metric):
//
//   SingleStream  one query of one sample at a time; the next when the previous completes.
//                 Metric: the early-stopping estimate of the p90 query latency.
//   MultiStream   queries of `samples_per_query` samples sent together as that many requests
//                 on as many connections; the next when all have completed. A query's latency
//                 is its slowest sample's. Metric: the early-stopping estimate of p99.
//   Server        Poisson arrivals of one-sample queries at `target_rate` (the open loop).
//                 Metric: the target rate, valid when the latency percentile is within the
//                 bound (load/load_scenario_result.h judges it with early stopping).
//   Offline       every sample issued at the start of the window, `samples_per_request` to a
//                 request, as many requests in flight as connections allow. Metric: samples
//                 per second over the time until the last completed.
//
// A run lasts at least `min_duration_ns` and `min_queries` queries (both), never longer than
// `max_duration_ns`; Offline's length is its sample count, and the minimums are checked after.

#ifndef SERVEBENCH_LOAD_LOAD_SCENARIO_H_
#define SERVEBENCH_LOAD_LOAD_SCENARIO_H_

#include <cstdint>
#include <string>

#include "servebench/core/clock.h"

namespace servebench {

struct LoadSettings;

enum class LoadScenario { kNone, kSingleStream, kMultiStream, kServer, kOffline };

// "none" | "single-stream" | "multi-stream" | "server" | "offline"
const char* LoadScenarioName(LoadScenario scenario);
// Parses one of the four names above (not "none"); false for anything else.
bool ParseLoadScenarioName(const std::string& text, LoadScenario* scenario);

struct LoadScenarioSettings {
  LoadScenario kind = LoadScenario::kNone;

  // The measured window lasts at least this long, and until `min_queries` queries were issued in
  // it, but never longer than `max_duration_ns`. Offline: checked after the run, which lasts as
  // long as its samples take (at most max_duration_ns; samples not done by then are errors).
  int64_t min_duration_ns = 10 * kNanosPerSecond;
  int64_t max_duration_ns = 60 * kNanosPerSecond;
  // Queries in the window: SingleStream and MultiStream queries issued, Server intended send
  // times, Offline requests. Default: the fewest that define the early-stopping estimate at the
  // scenario's percentile (64 at p90, 662 at p99); Offline 1.
  int64_t min_queries = 0;
  // The Poisson arrivals' seed (Server); the other scenarios make no random choice.
  uint64_t seed = 1;

  // SingleStream, MultiStream, Server: the latency percentile of the metric (90, 99, 99).
  double percentile = 0;
  // Optional bound on the latency at `percentile`, judged with early stopping (0: none).
  int64_t latency_bound_ns = 0;

  // MultiStream: samples per query, each its own request on its own connection.
  int samples_per_query = 8;
  // Server: queries (requests of one sample) per second.
  double target_rate = 0;
  // Offline: samples in all, and samples carried by each request (the batch size: the request
  // body, built by the caller, must hold that many). total_samples / samples_per_request
  // requests are sent; the division must be exact.
  int64_t total_samples = 0;
  int samples_per_request = 1;

  // Offline: the number of requests.
  int64_t offline_requests() const {
    return samples_per_request > 0 ? total_samples / samples_per_request : 0;
  }
};

// The documented defaults for `kind`: the fields above, with min_queries and percentile set as
// they say for that scenario.
LoadScenarioSettings DefaultLoadScenarioSettings(LoadScenario kind);

// Checks the scenario's own fields (kind != kNone); explains the first bad one in *error.
bool ValidateLoadScenarioSettings(const LoadScenarioSettings& scenario, std::string* error);

// Makes *settings run `scenario`: stores it in settings->scenario and sets the loop fields it
// implies (mode, arrival, rate, seed, concurrency, connections, threads, duration_ns), keeping
// the target, request, timeout and warm-up, and, for Server and Offline, the connections and
// threads already there. SingleStream and MultiStream run on one thread (a single stream of
// queries); duration_ns becomes max_duration_ns, except for Server, whose window is computed
// from its schedule: the shortest that lasts min_duration_ns and holds min_queries intended
// times, capped at max_duration_ns. Offline has no warm-up: settings->warmup_ns must be 0.
// Returns false with the reason in *error.
bool ApplyLoadScenario(const LoadScenarioSettings& scenario, LoadSettings* settings,
                       std::string* error);

// Checks that `settings` agrees with its scenario as ApplyLoadScenario would set it (for callers
// that fill LoadSettings by hand); part of ValidateLoadSettings.
bool ValidateLoadScenarioLoop(const LoadSettings& settings, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_LOAD_LOAD_SCENARIO_H_
