// Copyright servebench authors.
//
// The one clock servebench measures durations with: CLOCK_MONOTONIC through
// std::chrono::steady_clock, in integer nanoseconds. Never the wall clock for a duration.

#ifndef SERVEBENCH_CORE_CLOCK_H_
#define SERVEBENCH_CORE_CLOCK_H_

#include <chrono>
#include <cstdint>

namespace servebench {

static_assert(std::chrono::steady_clock::is_steady, "servebench needs a monotonic clock");

// Nanoseconds since an arbitrary fixed point (boot on Linux). Only differences mean anything.
inline int64_t MonotonicNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline constexpr int64_t kNanosPerMicro = 1000;
inline constexpr int64_t kNanosPerMilli = 1000 * 1000;
inline constexpr int64_t kNanosPerSecond = 1000 * 1000 * 1000;

}  // namespace servebench

#endif  // SERVEBENCH_CORE_CLOCK_H_
