// Copyright servebench authors.
//
// When a load level has been measured enough: perf_analyzer's rule of the last three windows
// agreeing, bounded below by a minimum duration and request count and above by a maximum
// duration (the load's own duration), and, when the level is judged against an SLO, not before
// early stopping can decide every latency constraint from the windows' counts (or has shown one
// of them exceeded, which ends the level without waiting for agreement). Also ends a level at
// once when the server has died, and an open-loop level that is clearly overloaded.

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
  //
  // With `slo` (may be null; must outlive this), the load's LoadSettings::window_bounds_ns must be
  // the bounds of slo->constraints in order (WindowBounds), so that each window counts the
  // requests above each bound.
  StabilityRule(const MeasurementSettings& settings, std::function<bool()> server_alive,
                std::function<void()> on_start, double offered_rps = 0, const Slo* slo = nullptr);

  void OnMeasurementStart() override;
  bool OnWindow(const std::vector<WindowStats>& windows) override;

  // After the run: whether it ended because the windows agreed (with the minimums met and the
  // SLO decided), because the server died, because it was overloaded, or because a latency
  // constraint was shown exceeded. None: it ran to the maximum duration.
  bool stable() const { return stable_; }
  bool server_died() const { return server_died_; }
  bool overloaded() const { return overloaded_; }
  // Whether the SLO was decided from the windows' counts when the level ended (always true
  // without an SLO); a level that reached the maximum duration may not have been.
  bool slo_decided() const { return slo_decided_; }
  // Whether the level ended early because a latency constraint was shown exceeded.
  bool slo_exceeded() const { return slo_exceeded_; }

 private:
  const MeasurementSettings settings_;
  std::function<bool()> server_alive_;
  std::function<void()> on_start_;
  const double offered_rps_;
  bool stable_ = false;
  bool server_died_ = false;
  bool overloaded_ = false;
  const Slo* slo_;
  bool slo_decided_ = false;
  bool slo_exceeded_ = false;
};

// The load settings' window bounds for judging `slo`: its constraints' bounds, in order.
std::vector<int64_t> WindowBounds(const Slo& slo);

// From the windows' counts (WindowStats::measured_ok and over_bound, in the order of
// WindowBounds), at kSloStopConfidence, whether early
// stopping can already decide the SLO: every constraint shown met, or one shown exceeded
// (*exceeded is then true).
bool SloDecided(const Slo& slo, const std::vector<WindowStats>& windows, bool* exceeded);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_STABILITY_RULE_H_
