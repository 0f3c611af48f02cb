// Copyright servebench authors.
//
// The line on stderr that shows where a run is: the cell, done/total, the cell's status ("level
// 16 (3/4)") and an ETA from the estimates of the cells left, scaled by how the finished cells
// compared with their estimates. On a terminal it redraws itself in place; otherwise it prints
// one line per cell started and finished.

#ifndef SERVEBENCH_BENCH_PROGRESS_LINE_H_
#define SERVEBENCH_BENCH_PROGRESS_LINE_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "servebench/bench/experiment.h"
#include "servebench/records/cell_record.h"

namespace servebench {

// "42s", "3m07s": whole seconds.
std::string FormatDuration(double seconds);

class ProgressLine {
 public:
  // `todo` are the cells this run will measure, in order, and `estimates` their estimated
  // seconds (EstimateEachCellSeconds).
  ProgressLine(std::ostream& err, const std::vector<Cell>& todo, std::vector<double> estimates);

  void StartCell(const Cell& cell);        // the next of `todo`, in order
  void Status(const std::string& status);  // what the current cell is doing
  void FinishCell(const CellRecord& record);
  void Clear();  // erases the line in place, before other output

 private:
  std::string Prefix() const;
  void Draw();

  std::ostream& err_;
  const bool tty_;
  const size_t total_;
  size_t done_ = 0;
  const Cell* cell_ = nullptr;
  std::string status_;
  int64_t start_ns_ = 0;
  int64_t cell_start_ns_ = 0;
  std::vector<double> estimates_;  // todo's, in order
  double cell_estimate_ = 0;
  double remaining_estimate_ = 0;
  double estimated_done_ = 0;
  double actual_done_ = 0;
};

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_PROGRESS_LINE_H_
