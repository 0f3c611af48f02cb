// Copyright servebench authors.

#include "servebench/bench/rate_ladder.h"

namespace servebench {

RateLadder::RateLadder(double start_rate, double growth, int max_levels)
    : rate_(start_rate), growth_(growth), levels_left_(max_levels - 1) {}

bool RateLadder::Next(bool kept_up) {
  if (!descending_) {
    if (kept_up) {
      any_kept_up_ = true;
      rate_ *= growth_;
    } else if (any_kept_up_) {
      saturated_at_ = rate_;
      return false;
    } else {
      descending_ = true;  // the first rate was already too much: look below it
      rate_ /= growth_;
    }
  } else if (kept_up) {
    saturated_at_ = rate_ * growth_;
    return false;
  } else {
    rate_ /= growth_;
  }
  return levels_left_-- > 0;
}

}  // namespace servebench
