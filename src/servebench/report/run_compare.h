// Copyright servebench authors.
//
// `servebench compare RUN_A RUN_B`: the cells two runs share, metric by metric, with the change
// and whether it is beyond the noise the runs themselves show, as a regression gate. Each
// metric's value carries an interval from its own run: for a cell measured several times
// (`repeats`), the 95% Student t interval of the figure's mean over the repeats; else a
// percentile's 95% confidence interval from its histogram's counts, a throughput's mean +- 2
// standard errors over its stability windows, a cold start's over its repeats. A change is beyond
// the noise when the two intervals do not overlap, and a regression when it is also beyond the
// threshold and makes the metric worse. docs/metrics.md ("Comparing runs") says why.

#ifndef SERVEBENCH_REPORT_RUN_COMPARE_H_
#define SERVEBENCH_REPORT_RUN_COMPARE_H_

#include <optional>
#include <string>
#include <vector>

#include "servebench/records/cell_record.h"
#include "servebench/records/run_record.h"

namespace servebench {

struct CompareOptions {
  double threshold_percent = 10;     // a smaller relative change is never a regression
  std::vector<std::string> metrics;  // of CompareMetricNames(); empty: all
};

// "throughput_within_slo", "max_throughput", "p50", "p99", "cold_start", "rss", "cost".
const std::vector<std::string>& CompareMetricNames();

// Reads a --metrics list ("p99,throughput_within_slo"); false with *error naming an unknown one.
bool ParseCompareMetrics(const std::string& list, std::vector<std::string>* out,
                         std::string* error);

// Where a metric's true value plausibly lies, by its own run's spread.
struct NoiseInterval {
  double low = 0;
  double high = 0;  // +infinity when too few samples bound it
};

struct MetricChange {
  std::string metric;
  std::optional<double> a;  // absent: the run has no such number (B: e.g. no level met the SLO)
  std::optional<double> b;
  std::optional<NoiseInterval> a_noise;  // absent: no spread to judge by (one sample)
  std::optional<NoiseInterval> b_noise;
  // "95% CI (n=1200, n=1180)", "5 windows, 4 windows", "3 repeats, 3 repeats", "none"
  std::string noise_basis;
  double change_percent = 0;  // (b - a) / a * 100
  bool worse = false;
  bool beyond_threshold = false;
  bool beyond_noise = false;
  bool regression() const { return worse && beyond_threshold && beyond_noise; }
  bool improvement() const { return !worse && beyond_threshold && beyond_noise && a != b; }
};

struct CellChanges {
  std::string cell_id;
  std::string failure;  // non-empty: the cell failed in B (a regression) or in A
  bool failed_in_b = false;
  std::vector<MetricChange> metrics;
};

struct RunComparison {
  std::string run_a;
  std::string run_b;
  CompareOptions options;
  std::vector<CellChanges> cells;  // shared, in B's order
  std::vector<std::string> only_a;
  std::vector<std::string> only_b;

  int regressions() const;  // metric regressions plus cells that failed in B only
};

RunComparison CompareRuns(const RunRecord& run_a, const std::vector<CellRecord>& cells_a,
                          const RunRecord& run_b, const std::vector<CellRecord>& cells_b,
                          const CompareOptions& options);

// The comparison as a fixed-width table for the terminal, as Markdown, and as an HTML page.
std::string FormatComparisonTerminal(const RunComparison& comparison);
std::string FormatComparisonMarkdown(const RunComparison& comparison);
std::string FormatComparisonHtml(const RunComparison& comparison);

}  // namespace servebench

#endif  // SERVEBENCH_REPORT_RUN_COMPARE_H_
