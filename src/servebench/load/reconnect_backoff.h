// Copyright servebench authors.
//
// How long a worker waits before trying a server again after it could not reach it (an HTTP
// connect that failed, a gRPC call answered UNAVAILABLE): doubling from 10 ms up to 1 s, so that
// a dead server costs a few attempts per second rather than a busy loop, and one that comes back
// is found within a second. Both load workers use it, so both back off alike.

#ifndef SERVEBENCH_LOAD_RECONNECT_BACKOFF_H_
#define SERVEBENCH_LOAD_RECONNECT_BACKOFF_H_

#include <algorithm>
#include <cstdint>

#include "servebench/core/clock.h"

namespace servebench {

inline constexpr int64_t kMinReconnectBackoffNs = 10 * kNanosPerMilli;
inline constexpr int64_t kMaxReconnectBackoffNs = kNanosPerSecond;

// The wait after another failure, given the wait after the previous one (0: none yet).
inline int64_t NextReconnectBackoffNs(int64_t previous_ns) {
  return std::clamp(previous_ns * 2, kMinReconnectBackoffNs, kMaxReconnectBackoffNs);
}

}  // namespace servebench

#endif  // SERVEBENCH_LOAD_RECONNECT_BACKOFF_H_
