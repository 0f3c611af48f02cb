// Copyright servebench authors.
//
// The stable form of one load run (design.md, "Stable result fields"; every number defined in
// docs/metrics.md): what `servebench load --json` prints and what a run's level record holds
// under "load". LoadRecord::Of summarises a LoadResult; ToJson and Read are the one writer and
// the one reader of that JSON, so the names live here and nowhere else.

#ifndef SERVEBENCH_LOAD_LOAD_RECORD_H_
#define SERVEBENCH_LOAD_LOAD_RECORD_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "servebench/core/json_reader.h"
#include "servebench/load/load_result.h"
#include "servebench/load/load_scenario_record.h"
#include "servebench/load/load_settings.h"

namespace servebench {

// "requests": what happened to the requests of the window.
struct RequestCounts {
  int64_t sent = 0;
  int64_t completed = 0;
  int64_t ok = 0;
  std::optional<int64_t> scheduled;  // open loop only (absent in closed loop)
  ErrorCounts errors;
  std::map<int, int64_t> status_codes;  // by HTTP status; 0 counts codes outside 1..599 ("other")
  // What the response check found wrong in the first response it rejected; absent: none.
  std::optional<std::string> first_validation_error;

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

// "generator": how well the load generator itself kept its schedule.
struct GeneratorRecord {
  double late_fraction = 0;
  double late_threshold_us = 0;
  bool behind = false;
  double cpu_seconds = 0;
  double cpu_utilization = 0;
  double wall_seconds = 0;
  int64_t reconnects = 0;
  int64_t connect_failures = 0;
  int64_t stale_retries = 0;
  std::optional<double> queued_fraction;  // open loop only (absent in closed loop)
  struct Lag {
    double p50 = 0, p99 = 0, max = 0;
    void Read(JsonReader* in);
  };
  std::optional<Lag> schedule_lag_us;  // open loop; null in closed loop
  // Open loop: the send spin (LoadSettings::send_spin_ns) and the share of the run's thread time
  // it was paused for a contended core; absent in closed loop.
  std::optional<double> send_spin_us;
  std::optional<double> send_spin_paused_fraction;

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

struct LoadRecord {
  LoopMode mode = LoopMode::kClosed;
  std::optional<Arrival> arrival;     // open loop; null in closed loop
  std::optional<double> target_rate;  // open loop at a rate (not a trace); null otherwise
  std::optional<int> concurrency;     // closed loop; null in open loop
  int connections = 0;
  int threads = 0;
  double duration_s = 0;  // the measured window
  double warmup_s = 0;
  double timeout_s = 0;
  bool interrupted = false;
  std::vector<WindowStats> windows;  // absent from the JSON when the run was not windowed
  RequestCounts requests;
  double throughput_rps = 0;
  LatencySummary latency_us;
  LatencySummary service_time_us;
  GeneratorRecord generator;
  nlohmann::json histogram;  // the latency histogram as Histogram::ToJson writes it
  // SingleStream, MultiStream (load/load_scenario.h): query latency, summarised and as a
  // histogram; absent otherwise.
  std::optional<LatencySummary> query_latency_us;
  std::optional<nlohmann::json> query_histogram;
  std::optional<ScenarioRecord> scenario;  // a scenario run's outcome; absent otherwise

  // The record of `result`: its settings, counters and histograms summarised.
  static LoadRecord Of(const LoadResult& result);

  nlohmann::json ToJson() const;
  // Reads ToJson's form; the histogram must be one Histogram::FromJson accepts.
  void Read(JsonReader* in);
};

}  // namespace servebench

#endif  // SERVEBENCH_LOAD_LOAD_RECORD_H_
