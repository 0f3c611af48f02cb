// Copyright servebench authors.
//
// One SLO search of a cell as the cell record keeps it (docs/metrics.md, "SLO search"): what was
// searched (the highest rate within the SLO, or the best concurrency for it), how it ended, its
// answer and the next value above it that did not meet the SLO, and which of the cell's levels
// were its probes. docs/results.md defines each field.

#ifndef SERVEBENCH_RECORDS_SEARCH_RECORD_H_
#define SERVEBENCH_RECORDS_SEARCH_RECORD_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "servebench/core/json_reader.h"

namespace servebench {

struct SearchRecord {
  int repeat = 0;
  std::string kind;  // "rate" | "concurrency"
  // "converged", "capped" (the maximum met), "none_met", "out_of_probes", "plateau" (closed
  // loop: throughput stopped growing), or "interrupted" by a failure of the cell.
  std::string end;
  double tolerance = 0;
  std::optional<double> found;  // the highest value shown to meet the SLO; null when none did
  std::optional<double> upper;  // the lowest above it that did not; null when none
  std::vector<int> probes;      // indices into the cell's levels, in the order measured

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

}  // namespace servebench

#endif  // SERVEBENCH_RECORDS_SEARCH_RECORD_H_
