// Copyright servebench authors.
//
// The side-by-side view shared by summary.md and the terminal summary: one row per model
// variant, server and load scenario, carrying the cell summary's numbers. Cold start is a
// property of a (variant, server) pair, not of a load scenario, so the pair's cold-start cell
// lends its number to each of the pair's rows instead of taking a row of its own. Accuracy cells
// measure no load and have their own section (AccuracyRows).

#ifndef SERVEBENCH_REPORT_COMPARISON_H_
#define SERVEBENCH_REPORT_COMPARISON_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "servebench/records/cell_record.h"

namespace servebench {

struct ComparisonRow {
  std::string variant;
  std::string server;
  std::string scenario;  // the load scenario; the cold-start scenario for a pair without one
  bool failed = false;   // the row's own cell failed
  std::optional<double> p50_us;
  std::optional<double> p99_us;
  std::optional<double> max_throughput_rps;
  std::optional<double> throughput_within_slo_rps;
  std::optional<double> cold_start_s;
  std::optional<double> cpu_percent_mean;
  std::optional<double> rss_max_bytes;
  std::optional<double> cost_per_million;
  // With several repeats: how many, and the confidence interval of the throughput within SLO.
  int repeats = 1;
  std::optional<double> throughput_within_slo_lower;
  std::optional<double> throughput_within_slo_upper;
  std::string slo;  // the SLO the row's levels were judged by ("p99 <= 100 ms")
  // The row's levels and how many were inconclusive, unstable (reached max_duration), had the
  // generator's lag flagged, or were disturbed by steal or other processes.
  int levels = 0;
  int inconclusive_levels = 0;
  int unstable_levels = 0;
  int lag_flagged_levels = 0;
  int disturbed_levels = 0;
  nlohmann::json card;  // the variant's model card; null when the cells carry none
};

// "2 inconclusive, 1 unstable, 1 lag, 3 noisy", naming only the marks the row has; empty when
// none. `compact` abbreviates for the terminal ("2 inc, 1 unst, 1 lag, 3 noisy").
std::string ValidityText(const ComparisonRow& row, bool compact);

// Rows in the order the cells first name their variant, server and scenario.
std::vector<ComparisonRow> BuildComparison(const std::vector<CellRecord>& cells);

// One accuracy cell, as summary.md and the terminal summary show it.
struct AccuracyRow {
  std::string variant;
  std::string server;
  bool failed = false;
  std::optional<AccuracyRecord> accuracy;  // null when the cell failed before it had one
};

// The accuracy cells, in run order.
std::vector<AccuracyRow> AccuracyRows(const std::vector<CellRecord>& cells);

// Distinct variants / servers of `rows`, in first-seen order.
std::vector<std::string> VariantsOf(const std::vector<ComparisonRow>& rows);
std::vector<std::string> ServersOf(const std::vector<ComparisonRow>& rows);

}  // namespace servebench

#endif  // SERVEBENCH_REPORT_COMPARISON_H_
