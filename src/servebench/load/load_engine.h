// Copyright servebench authors.
//
// The load engine: runs one load as LoadSettings say, on settings.threads worker threads that
// share nothing while the run is on, and merges what they measured. This is the boundary
// between the load generator and the system under test: the engine knows a URL and a request,
// nothing about what serves them.

#ifndef SERVEBENCH_LOAD_LOAD_ENGINE_H_
#define SERVEBENCH_LOAD_LOAD_ENGINE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "servebench/load/load_result.h"
#include "servebench/load/load_settings.h"

namespace servebench {

struct LoadProgress {
  double elapsed_s = 0;  // since the start of warm-up
  double total_s = 0;    // warm-up + duration
  bool warming_up = true;
  int64_t completed = 0;  // requests completed so far, any status, warm-up included
  double recent_rps = 0;  // completions per second since the previous report
};

using ProgressCallback = std::function<void(const LoadProgress&)>;

// Watches a windowed measurement (LoadSettings::window_ns > 0) from the calling thread and may
// end it early, as perf_analyzer's and MLPerf's stopping rules do.
class MeasurementObserver {
 public:
  virtual ~MeasurementObserver() = default;
  // The warm-up is over: the first window starts now.
  virtual void OnMeasurementStart() {}
  // A window has closed; `windows` holds every window so far, this one last. Returning true ends
  // the measurement at the end of the window now in progress (the next one), which is the last
  // measured: requests started later are not measured, and the requests of the measured span
  // drain as at a normal end. The end must lie ahead so that every thread knows it in time.
  virtual bool OnWindow(const std::vector<WindowStats>& windows) = 0;
};

struct LoadHooks {
  ProgressCallback progress;                     // may be empty
  const std::atomic<bool>* interrupt = nullptr;  // may be null
  MeasurementObserver* observer = nullptr;       // may be null
};

// Runs the load. `progress` (may be empty) is called about once a second on the calling thread.
// When *interrupt becomes true (may be null) the window ends 25 ms later and the result covers
// what was measured so far, marked interrupted. Returns false with a message in *error when the run
// cannot happen at all: invalid settings, a host that does not resolve, a connection refused or
// unanswered at the start. A server that fails during the run is not fatal: its failures are
// counted as errors by kind.
bool RunLoad(const LoadSettings& settings, const LoadHooks& hooks, LoadResult* result,
             std::string* error);

// The same without an observer.
bool RunLoad(const LoadSettings& settings, const ProgressCallback& progress,
             const std::atomic<bool>* interrupt, LoadResult* result, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_LOAD_LOAD_ENGINE_H_
