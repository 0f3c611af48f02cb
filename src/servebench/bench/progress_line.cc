// Copyright servebench authors.

#include "servebench/bench/progress_line.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "servebench/core/clock.h"

namespace servebench {

std::string FormatDuration(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  char text[32];
  if (s >= 60) {
    std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(text, sizeof text, "%lds", s);
  }
  return text;
}

ProgressLine::ProgressLine(std::ostream& err, const std::vector<Cell>& todo,
                           std::vector<double> estimates)
    : err_(err),
      tty_(isatty(STDERR_FILENO)),
      total_(todo.size()),
      estimates_(std::move(estimates)) {
  for (double seconds : estimates_) remaining_estimate_ += seconds;
  start_ns_ = MonotonicNanos();
}

void ProgressLine::StartCell(const Cell& cell) {
  cell_ = &cell;
  cell_start_ns_ = MonotonicNanos();
  cell_estimate_ = done_ < estimates_.size() ? estimates_[done_] : 0;
  status_.clear();
  if (!tty_) err_ << Prefix() << cell.id << "\n" << std::flush;
  Draw();
}

void ProgressLine::Status(const std::string& status) {
  status_ = status;
  Draw();
}

void ProgressLine::FinishCell(const CellRecord& record) {
  const std::string prefix = Prefix();
  ++done_;
  const double took = (MonotonicNanos() - cell_start_ns_) / 1e9;
  estimated_done_ += cell_estimate_;
  actual_done_ += took;
  remaining_estimate_ -= cell_estimate_;
  std::string line =
      prefix + cell_->id + ": " + CellStatusName(record.status) + " in " + FormatDuration(took);
  if (!record.ok() && record.failure) line += " (" + record.failure->message + ")";
  // An MLPerf scenario's verdict, one line per repeat: its metric, VALID or INVALID, and why.
  for (const LevelRecord& level : record.levels) {
    if (level.load.scenario) line += "\n    " + level.load.scenario->summary;
  }
  if (tty_) err_ << "\r\033[K";
  err_ << line << "\n" << std::flush;
}

void ProgressLine::Clear() {
  if (tty_) err_ << "\r\033[K" << std::flush;
}

std::string ProgressLine::Prefix() const {
  char text[48];  // snprintf: GCC 12 warns falsely (-Wrestrict) on chains of string +
  std::snprintf(text, sizeof text, "[%zu/%zu] ", std::min(done_ + 1, total_), total_);
  return text;
}

void ProgressLine::Draw() {
  if (!tty_ || cell_ == nullptr) return;
  const double elapsed = (MonotonicNanos() - start_ns_) / 1e9;
  const double scale = estimated_done_ > 0 ? actual_done_ / estimated_done_ : 1.0;
  const double in_cell = (MonotonicNanos() - cell_start_ns_) / 1e9;
  const double eta = std::max(0.0, remaining_estimate_ * scale - in_cell);
  err_ << "\r\033[K" << Prefix() << cell_->id << (status_.empty() ? "" : ": " + status_)
       << "  elapsed " << FormatDuration(elapsed) << ", ETA " << FormatDuration(eta) << std::flush;
}

}  // namespace servebench
