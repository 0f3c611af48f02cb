// Copyright servebench authors.
//
// The cold-start cells step by step, one row per cell: the mean of spawn -> ready -> model ready
// -> first inference, their total, and the model load through the repository API; for
// summary.md and the summary printed when a run ends (report.html draws the same numbers).

#ifndef SERVEBENCH_REPORT_COLD_START_TABLE_H_
#define SERVEBENCH_REPORT_COLD_START_TABLE_H_

#include <vector>

#include "servebench/records/cell_record.h"
#include "servebench/report/markdown_table.h"

namespace servebench {

// Rows in the cells' order; no rows when no cold-start cell has repeats. `compact`: the
// terminal's short headers, without the repeat count and the model load.
TextTable ColdStartTable(const std::vector<CellRecord>& cells, bool compact);

}  // namespace servebench

#endif  // SERVEBENCH_REPORT_COLD_START_TABLE_H_
