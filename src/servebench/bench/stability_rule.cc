// Copyright servebench authors.

#include "servebench/bench/stability_rule.h"

#include <algorithm>
#include <cmath>

#include "servebench/bench/level_verdict.h"
#include "servebench/core/early_stopping.h"

namespace servebench {

bool LastThreeWindowsAgree(const std::vector<WindowStats>& windows, double tolerance) {
  if (windows.size() < 3) return false;
  const WindowStats* last[3] = {&windows[windows.size() - 3], &windows[windows.size() - 2],
                                &windows[windows.size() - 1]};
  double throughput_mean = 0, latency_mean = 0;
  for (const WindowStats* w : last) {
    if (w->ok == 0) return false;
    throughput_mean += w->throughput_rps / 3;
    latency_mean += w->mean_latency_us / 3;
  }
  // Under Poisson arrivals a window's count itself varies, with a standard deviation of
  // sqrt(count): at 25 requests a window that is 20%, so a fixed 10% could never be met. The
  // allowance for throughput is therefore the tolerance or three such deviations, whichever is
  // larger.
  const double seconds = last[2]->seconds;
  const double expected_count = throughput_mean * seconds;
  const double counting_noise_rps = seconds > 0 ? 3 * std::sqrt(expected_count) / seconds : 0;
  const double throughput_allowance = std::max(tolerance * throughput_mean, counting_noise_rps);
  for (const WindowStats* w : last) {
    if (std::abs(w->throughput_rps - throughput_mean) > throughput_allowance) return false;
    if (std::abs(w->mean_latency_us - latency_mean) > tolerance * latency_mean) return false;
  }
  return true;
}

StabilityRule::StabilityRule(const MeasurementSettings& settings,
                             std::function<bool()> server_alive, std::function<void()> on_start,
                             double offered_rps, const Slo* slo)
    : settings_(settings),
      server_alive_(std::move(server_alive)),
      on_start_(std::move(on_start)),
      offered_rps_(offered_rps),
      slo_(slo),
      slo_decided_(slo == nullptr) {}

void StabilityRule::OnMeasurementStart() {
  if (on_start_) on_start_();
}

bool StabilityRule::OnWindow(const std::vector<WindowStats>& windows) {
  if (server_alive_ && !server_alive_()) {
    server_died_ = true;
    return true;
  }
  double seconds = 0;
  int64_t ok = 0;
  for (const WindowStats& w : windows) {
    seconds += w.seconds;
    ok += w.ok;
  }
  // Overload: the last three windows delivered less than half of what arrived, by more than
  // three standard deviations of the arrival count (so that a few requests at a low rate never
  // look like overload by chance).
  if (offered_rps_ > 0 && windows.size() >= 3) {
    double recent_seconds = 0;
    int64_t recent_ok = 0;
    for (size_t i = windows.size() - 3; i < windows.size(); ++i) {
      recent_seconds += windows[i].seconds;
      recent_ok += windows[i].ok;
    }
    const double expected = offered_rps_ * recent_seconds;
    if (recent_ok < 0.5 * expected - 3 * std::sqrt(expected)) {
      overloaded_ = true;
      return true;
    }
  }
  // The window now in progress is measured too (the engine ends the level after it), so the
  // minimums may count it as it will be when it closes.
  const double min_seconds = settings_.min_duration_ns / 1e9;
  if (seconds + settings_.window_ns / 1e9 < min_seconds - 1e-9) return false;
  if (ok < settings_.min_requests) return false;
  if (slo_ != nullptr) {
    bool exceeded = false;
    slo_decided_ = SloDecided(*slo_, windows, &exceeded);
    // A constraint shown exceeded decides the level: agreement would change nothing.
    if (exceeded) {
      slo_exceeded_ = true;
      return true;
    }
    if (!slo_decided_) return false;
  }
  if (!LastThreeWindowsAgree(windows, settings_.stability_tolerance)) return false;
  stable_ = true;
  return true;
}

std::vector<int64_t> WindowBounds(const Slo& slo) {
  std::vector<int64_t> bounds;
  for (const SloConstraint& c : slo.constraints) bounds.push_back(c.bound_ns);
  return bounds;
}

bool SloDecided(const Slo& slo, const std::vector<WindowStats>& windows, bool* exceeded) {
  *exceeded = false;
  int64_t n = 0;
  std::vector<int64_t> over(slo.constraints.size(), 0);
  for (const WindowStats& w : windows) {
    n += w.measured_ok;
    for (size_t i = 0; i < over.size() && i < w.over_bound.size(); ++i) over[i] += w.over_bound[i];
  }
  bool all_met = true;
  for (size_t i = 0; i < slo.constraints.size(); ++i) {
    EarlyStoppingSettings es;
    es.percentile = slo.constraints[i].percentile;
    es.confidence = kSloStopConfidence;
    if (EarlyStoppingFails(n, over[i], es)) {
      *exceeded = true;
      return true;
    }
    all_met = all_met && EarlyStoppingPasses(n, over[i], es);
  }
  return all_met;
}

}  // namespace servebench
