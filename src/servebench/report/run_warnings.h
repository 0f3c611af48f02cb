// Copyright servebench authors.
//
// What a reader of a run must not miss, gathered from the records: failed cells, responses the
// check rejected, levels that were overloaded or never became stable, and levels where the load
// generator itself fell behind its schedule. report.html shows them at the top of the page.

#ifndef SERVEBENCH_REPORT_RUN_WARNINGS_H_
#define SERVEBENCH_REPORT_RUN_WARNINGS_H_

#include <string>
#include <vector>

#include "servebench/records/cell_record.h"

namespace servebench {

struct RunWarning {
  std::string kind;  // "failed", "validation", "errors", "overloaded", "unstable", "generator"
  std::string cell_id;
  std::string level;    // LevelLabel of the level; empty for the whole cell
  std::string message;  // one sentence
};

// In run order, per cell: its failure, then its levels' warnings in level order.
std::vector<RunWarning> CollectWarnings(const std::vector<CellRecord>& cells);

}  // namespace servebench

#endif  // SERVEBENCH_REPORT_RUN_WARNINGS_H_
