// Copyright servebench authors.
//
// A cell in a few numbers: a cell record's "summary", derived from its levels and cold start by
// SummarizeCell (bench/cell_summary.h) and defined in docs/results.md. Null where the cell could
// not tell.

#ifndef SERVEBENCH_RECORDS_CELL_SUMMARY_H_
#define SERVEBENCH_RECORDS_CELL_SUMMARY_H_

#include <nlohmann/json.hpp>
#include <optional>

#include "servebench/core/json_reader.h"

namespace servebench {

struct CellSummary {
  std::optional<double> max_throughput_rps;
  std::optional<double> throughput_within_slo_rps;
  std::optional<double> p50_us;
  std::optional<double> p99_us;
  std::optional<double> cpu_percent_mean;
  std::optional<double> rss_max_bytes;
  std::optional<double> cost_per_million;
  std::optional<double> energy_per_inference_j;
  std::optional<double> cold_start_s;

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

}  // namespace servebench

#endif  // SERVEBENCH_RECORDS_CELL_SUMMARY_H_
