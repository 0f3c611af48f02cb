// Copyright servebench authors.
//
// What makes a load level's numbers trustworthy, or not, as a level record keeps it: the
// confidence intervals of its latency percentiles, the SLO verdict of each latency constraint,
// the generator's lag as a share of the latency reported, and the CPU the machine did not give
// it (steal, other processes). docs/metrics.md defines how each is computed, docs/results.md
// the fields.

#ifndef SERVEBENCH_RECORDS_VALIDITY_RECORD_H_
#define SERVEBENCH_RECORDS_VALIDITY_RECORD_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "servebench/core/json_reader.h"

namespace servebench {

// A confidence interval of one percentile; an end is null when too few samples bound it.
struct IntervalRecord {
  std::optional<double> lower;
  std::optional<double> upper;

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

// "latency_ci_us": the intervals of load.latency_us's percentiles.
struct LatencyIntervalsRecord {
  double confidence = 0;
  IntervalRecord p50, p90, p95, p99, p999;

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

// One latency constraint of the SLO judged on the level's histogram by early stopping.
struct ConstraintVerdictRecord {
  double percentile = 0;
  double bound_us = 0;
  std::string verdict;      // "met" | "not_met" | "undecided"
  double latency_us = 0;    // the latency at the percentile
  int64_t overruns = 0;     // requests above the bound (a bucket that straddles it counted whole)
  int64_t min_queries = 0;  // requests needed to pass with that many overruns

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

// "generator_lag": open loop only; the generator's schedule lag against the latency it reports.
struct GeneratorLagRecord {
  double schedule_lag_p99_us = 0;
  double percentile = 0;  // the latency percentile the lag is largest against
  double latency_us = 0;  // that percentile's latency
  double share = 0;       // schedule_lag_p99_us / latency_us
  bool flagged = false;   // share > 0.10, and at most 1% of the requests waited for a connection

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

// "noise": CPU the level did not have, on the server's and the generator's cores.
struct NoiseRecord {
  std::vector<int> cpus;
  double seconds = 0;
  double steal_percent = 0;        // 100 = one core
  double foreign_cpu_percent = 0;  // other processes, 100 = one core
  bool disturbed = false;          // steal + foreign above the documented threshold

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

}  // namespace servebench

#endif  // SERVEBENCH_RECORDS_VALIDITY_RECORD_H_
