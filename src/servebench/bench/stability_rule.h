// Copyright servebench authors.
//
// When a load level has been measured enough: perf_analyzer's rule of the last three windows
// agreeing, bounded below by a minimum duration and request count and above by a maximum
// duration (the load's own duration). Also ends a level at once when the server has died.

#ifndef SERVEBENCH_BENCH_STABILITY_RULE_H_
#define SERVEBENCH_BENCH_STABILITY_RULE_H_

#include <functional>
#include <vector>

#include "servebench/bench/experiment.h"
#include "servebench/load/load_engine.h"

namespace servebench {

// True when the last three windows each served at least one request, each one's mean latency
// lies within `tolerance` (a fraction) of the three windows' mean, and each one's throughput
// within the larger of `tolerance` and three standard deviations of a Poisson count (3 sqrt(n)
// requests, n the mean count of a window) of the mean.
bool LastThreeWindowsAgree(const std::vector<WindowStats>& windows, double tolerance);

class StabilityRule : public MeasurementObserver {
 public:
  // `server_alive` is asked after every window; `on_start` runs when the warm-up ends. Either
  // may be empty. `offered_rps` is an open-loop level's arrival rate (0 in closed loop): a
  // level whose last three windows delivered clearly less than half of it has shown that the
  // server is overloaded, and ends without waiting for the maximum duration.
  StabilityRule(const MeasurementSettings& settings, std::function<bool()> server_alive,
                std::function<void()> on_start, double offered_rps = 0);

  void OnMeasurementStart() override;
  bool OnWindow(const std::vector<WindowStats>& windows) override;

  // After the run: whether it ended because the windows agreed (with the minimums met), because
  // the server died, or because it was overloaded. None: it ran to the maximum duration.
  bool stable() const { return stable_; }
  bool server_died() const { return server_died_; }
  bool overloaded() const { return overloaded_; }

 private:
  const MeasurementSettings settings_;
  std::function<bool()> server_alive_;
  std::function<void()> on_start_;
  const double offered_rps_;
  bool stable_ = false;
  bool server_died_ = false;
  bool overloaded_ = false;
};

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_STABILITY_RULE_H_
