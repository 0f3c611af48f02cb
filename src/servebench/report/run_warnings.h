// Copyright servebench authors.
//
// What a reader of a run must not miss, gathered from the records: failed cells, responses the
// check rejected, levels that were overloaded, reached the maximum duration (unstable) or could
// not be judged against the SLO (inconclusive), levels where the load generator fell behind its
// schedule or its lag is a material share of the latency, and levels disturbed by steal or other
// processes, and cells measured on different hardware (a Slurm run's cells record their node's
// environment). report.html shows them at the top of the page.

#ifndef SERVEBENCH_REPORT_RUN_WARNINGS_H_
#define SERVEBENCH_REPORT_RUN_WARNINGS_H_

#include <string>
#include <vector>

#include "servebench/records/cell_record.h"

namespace servebench {

struct RunWarning {
  // "failed", "validation", "errors", "overloaded", "unstable", "inconclusive", "generator",
  // "lag", "noisy", "hardware"
  std::string kind;
  std::string cell_id;
  std::string level;    // LevelLabel of the level; empty for the whole cell
  std::string message;  // one sentence
};

// In run order, per cell: its failure, then its levels' warnings in level order; then, when the
// cells that record a node environment ran on more than one kind of hardware, one "hardware"
// warning per such cell naming its hardware.
std::vector<RunWarning> CollectWarnings(const std::vector<CellRecord>& cells);

// The hardware a cell's environment describes, as one comparable line: CPU model, cores,
// memory and GPUs ("Intel Xeon 6338, 64 cores, 251 GiB, GPUs: NVIDIA A100"); empty when the
// cell records no environment. Kernel and library versions are not hardware: they differ
// without changing what a core can do, and are kept in the record.
std::string HardwareOf(const CellRecord& cell);

}  // namespace servebench

#endif  // SERVEBENCH_REPORT_RUN_WARNINGS_H_
