// Copyright servebench authors.
//
// What one load run does, stated explicitly (in the manner of MLPerf LoadGen's TestSettings): the
// target and request, the loop (closed or open), the arrival process, the windows and the limits.
// The engine reads nothing else.

#ifndef SERVEBENCH_LOAD_LOAD_SETTINGS_H_
#define SERVEBENCH_LOAD_LOAD_SETTINGS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "servebench/core/arrival_schedule.h"
#include "servebench/core/clock.h"
#include "servebench/core/url.h"
#include "servebench/load/response_check.h"

namespace servebench {

enum class LoopMode {
  kClosed,  // a fixed number of outstanding requests; the next is sent when one completes
  kOpen,    // requests sent at intended times from an arrival schedule, whatever the server does
};

enum class Arrival { kConstant, kPoisson, kTrace };

const char* LoopModeName(LoopMode mode);   // "closed" | "open"
const char* ArrivalName(Arrival arrival);  // "constant" | "poisson" | "trace"
// The rate-driven arrivals by name: "poisson" or "constant" (a trace is not a rate's arrival
// process). False for any other name.
bool ParseRateArrival(const std::string& name, Arrival* arrival);

struct LoadSettings {
  Url url;
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Checks the body of every 2xx response (null: any 2xx response is a success). A response it
  // rejects counts as errors.validation instead of ok (docs/metrics.md).
  std::shared_ptr<const ResponseCheck> response_check;

  LoopMode mode = LoopMode::kClosed;
  // Closed loop: outstanding requests (one per connection: HTTP/1.1 without pipelining).
  int concurrency = 1;
  // Open loop: the arrival process and its total rate across all threads (constant, Poisson), or
  // the trace to replay.
  Arrival arrival = Arrival::kPoisson;
  double rate = 0;
  std::shared_ptr<const Trace> trace;
  uint64_t seed = 1;

  // Open loop: connections kept open to the server; a request whose intended time finds none
  // free waits for one, and the wait counts in its latency. Closed loop: equals concurrency.
  int connections = 1;
  // Worker threads, each with its own event loop and its own share of the connections.
  int threads = 1;

  int64_t warmup_ns = 5 * kNanosPerSecond;
  int64_t duration_ns = 30 * kNanosPerSecond;
  int64_t timeout_ns = 2 * kNanosPerSecond;
  // The window is cut into consecutive windows of this length, each tallied on its own so that an
  // observer can end the measurement once they agree (see load_engine.h); 0: one window.
  int64_t window_ns = 0;
  // Latency bounds counted per window: WindowStats::over_bound[i] is the number of the window's
  // successes of measured requests whose latency exceeded window_bounds_ns[i] (of
  // WindowStats::measured_ok), so that an observer can tell whether enough has been measured to
  // judge a latency objective. At most 8, each > 0; empty: none.
  std::vector<int64_t> window_bounds_ns;
  // A send later than this after the moment it could have gone (its intended time, or the moment
  // a connection came free if none was) counts as late: the generator itself fell behind.
  int64_t late_threshold_ns = kNanosPerMilli;
};

// Checks the settings for values the engine cannot run with; explains the first in *error.
bool ValidateLoadSettings(const LoadSettings& settings, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_LOAD_LOAD_SETTINGS_H_
