// Copyright servebench authors.
//
// A cell in a few numbers: a cell record's "summary", derived from its levels and cold start by
// SummarizeCell (bench/cell_summary.h) and defined in docs/results.md. Null where the cell could
// not tell. With several repeats, each headline figure is the mean over the repeats that had it,
// and `repeats` holds its spread and confidence interval.

#ifndef SERVEBENCH_RECORDS_CELL_SUMMARY_H_
#define SERVEBENCH_RECORDS_CELL_SUMMARY_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "servebench/core/json_reader.h"

namespace servebench {

// A figure measured once per repeat: the values, their mean and spread, and the Student t
// confidence interval of the mean (null for fewer than two values).
struct SpreadRecord {
  std::vector<double> values;
  double mean = 0;
  double stddev = 0;
  double min = 0;
  double max = 0;
  double confidence = 0;
  std::optional<double> lower;
  std::optional<double> upper;

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

// "repeats": the headline figures across the cell's repeats.
struct RepeatSpreads {
  int count = 0;  // repeats measured
  std::optional<SpreadRecord> throughput_within_slo_rps;
  std::optional<SpreadRecord> slo_latency_us;
  std::optional<SpreadRecord> p50_us;
  std::optional<SpreadRecord> p99_us;

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

struct CellSummary {
  std::optional<double> max_throughput_rps;
  std::optional<double> throughput_within_slo_rps;
  std::optional<double> found_rate_rps;    // an SLO search's answer: the offered rate
  std::optional<double> best_concurrency;  // a concurrency sweep's best level for the SLO
  std::optional<double> slo_latency_us;    // at the SLO's highest percentile, at that level
  std::optional<double> p50_us;
  std::optional<double> p99_us;
  std::optional<double> cpu_percent_mean;
  std::optional<double> rss_max_bytes;
  std::optional<double> cost_per_million;
  std::optional<double> energy_per_inference_j;
  std::optional<double> cold_start_s;
  // How many of the cell's levels were measured, and how many of them carry each mark.
  int levels = 0;
  int inconclusive_levels = 0;
  int unstable_levels = 0;
  int lag_flagged_levels = 0;
  int disturbed_levels = 0;
  std::optional<RepeatSpreads> repeats;  // null unless the cell was measured more than once

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

}  // namespace servebench

#endif  // SERVEBENCH_RECORDS_CELL_SUMMARY_H_
