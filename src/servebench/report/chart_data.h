// Copyright servebench authors.
//
// The charts of report.html as data: every point is computed here, from the typed records (the
// percentile spectra from the stored histograms), and the page's script (report/web/report.js)
// only draws them. A chart is a neutral description, not the charting library's configuration,
// so that the numbers can be tested without a browser and the library could be swapped.
//
// A chart's spec:
//   {"type": "xy" | "bar",
//    "x": {"label", "scale": "linear" | "log" | "percentile" | "category", "categories": [...]},
//    "y": {"label", "scale": "linear" | "log", "zero": false (a linear axis that need not start
//          at 0)}, "y2": {...} (optional, a right-hand axis),
//    "series": [{"label", "points": [[x, y], ...]   (xy; a category name as x on a bar chart)
//                "values": [...]                     (bar: one per category, null for none)
//                "kind": "line" | "points" | "bar", "dash": bool, "marker": "circle" |
//                "triangle" | "rect" | "star", "color": palette index, "axis": "y" | "y2",
//                "stack": name (bars of one stack add up), "legend": bool}],
//    "hlines": [{"y", "label"}]}
// The "percentile" scale is log(1 / (1 - q)): x = 1 / (1 - q), so p90 is 10 and p99.9 1000.

#ifndef SERVEBENCH_REPORT_CHART_DATA_H_
#define SERVEBENCH_REPORT_CHART_DATA_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "servebench/records/cell_record.h"
#include "servebench/records/run_record.h"

namespace servebench {

struct ChartSpec {
  std::string section;  // "latency-throughput", "spectrum", "cold-start", "resources",
                        // "accuracy", "cost"
  std::string title;
  std::string caption;  // what to read in it
  nlohmann::json spec;
};

std::vector<ChartSpec> BuildCharts(const RunRecord& run, const std::vector<CellRecord>& cells);

// The percentiles a spectrum is drawn at: eight a decade of 1 / (1 - q) from p50 to p99.99.
std::vector<double> SpectrumPercentiles();

}  // namespace servebench

#endif  // SERVEBENCH_REPORT_CHART_DATA_H_
