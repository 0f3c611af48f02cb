// Copyright servebench authors.
//
// The rates a saturating rate sweep measures: from the start rate up by a growth factor while
// the server keeps up, stopping at the first rate it cannot; and when the very first rate is
// already too much, down by the same factor until one it can keep up with, so that a heavy model
// also gets a rate within its capacity. At most max_levels rates in all.

#ifndef SERVEBENCH_BENCH_RATE_LADDER_H_
#define SERVEBENCH_BENCH_RATE_LADDER_H_

#include <optional>

namespace servebench {

class RateLadder {
 public:
  RateLadder(double start_rate, double growth, int max_levels);

  // The rate to measure now.
  double rate() const { return rate_; }

  // Records whether the server kept up at rate(); returns true when there is a next rate to
  // measure (then rate() is it), false when the sweep is over.
  bool Next(bool kept_up);

  // The lowest rate the server could not keep up with, once the sweep found one between a rate
  // it could and one it could not; absent otherwise.
  std::optional<double> saturated_at() const { return saturated_at_; }

 private:
  double rate_;
  const double growth_;
  int levels_left_;
  bool any_kept_up_ = false;
  bool descending_ = false;
  std::optional<double> saturated_at_;
};

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_RATE_LADDER_H_
