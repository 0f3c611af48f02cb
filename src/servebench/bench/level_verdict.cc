// Copyright servebench authors.

#include "servebench/bench/level_verdict.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "servebench/core/duration.h"
#include "servebench/core/early_stopping.h"
#include "servebench/core/percentile_confidence.h"

namespace servebench {

namespace {

std::string Printf(const char* format, double a, double b = 0, double c = 0) {
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, format, a, b, c);
  return buffer;
}

// "p99 <= 100 ms"
std::string ConstraintText(const SloConstraint& c) {
  return Printf("p%g", c.percentile) + " <= " + FormatDuration(c.bound_ns);
}

IntervalRecord Interval(const Histogram& h, double percentile) {
  const PercentileInterval ci = PercentileConfidenceInterval(h, percentile, kPercentileConfidence);
  IntervalRecord r;
  if (ci.lower_bounded) r.lower = ci.lower / 1e3;
  if (ci.upper_bounded) r.upper = ci.upper / 1e3;
  return r;
}

LatencyIntervalsRecord Intervals(const Histogram& h) {
  LatencyIntervalsRecord r;
  r.confidence = kPercentileConfidence;
  r.p50 = Interval(h, 50);
  r.p90 = Interval(h, 90);
  r.p95 = Interval(h, 95);
  r.p99 = Interval(h, 99);
  r.p999 = Interval(h, 99.9);
  return r;
}

// The schedule lag p99 against the latency at p99 and at each constraint's percentile: the
// largest share is the number the lag distorts most.
GeneratorLagRecord Lag(const LoadResult& r, const Slo& slo) {
  GeneratorLagRecord lag;
  lag.schedule_lag_p99_us = r.schedule_lag.ValueAtPercentile(99) / 1e3;
  std::vector<double> percentiles = {99};
  for (const SloConstraint& c : slo.constraints) percentiles.push_back(c.percentile);
  for (double p : percentiles) {
    const double latency_us = r.latency.ValueAtPercentile(p) / 1e3;
    if (latency_us <= 0) continue;
    const double share = lag.schedule_lag_p99_us / latency_us;
    if (lag.latency_us == 0 || share > lag.share) {
      lag.percentile = p;
      lag.latency_us = latency_us;
      lag.share = share;
    }
  }
  // A request that found every connection busy waits for one, and that wait is in its lag: the
  // server's back-pressure, not the generator's lateness. Where more than 1% waited so, the lag
  // is recorded but not blamed on the generator.
  lag.flagged = lag.share > kLagShareLimit && r.queued_fraction() <= kQueuedShareLimit;
  return lag;
}

// Whether an open-loop level completed about as many requests as its arrivals offered. In a
// steady state the requests in flight at the window's start and end balance, so completions
// match arrivals up to the queue's fluctuation, about the square root of the number in flight
// (Little's law: rate x mean latency); a server that cannot keep up falls behind by a share.
bool KeptUp(const LoadResult& r, double* delivered, double* offered) {
  *offered = static_cast<double>(r.counters.scheduled);
  *delivered = r.throughput_rps() * r.window_s;
  const double in_flight = r.settings.rate * r.latency.mean() / 1e9;
  const double allowance = (1 - kKeptUpShare) * *offered + 3 * std::sqrt(2 * in_flight + 1);
  return *offered - *delivered <= allowance;
}

}  // namespace

void JudgeLevel(const LoadResult& r, const Slo& slo, LevelRecord* level) {
  const Histogram& h = r.latency;
  const int64_t n = h.count();
  const bool open = r.settings.mode == LoopMode::kOpen;
  level->samples = n;
  level->latency_ci_us = Intervals(h);
  level->goodput_rps = n > 0 ? r.throughput_rps() *
                                   static_cast<double>(h.CountAtOrBelow(slo.goodput_bound_ns())) /
                                   static_cast<double>(n)
                             : 0;
  level->generator_lag.reset();
  if (open) level->generator_lag = Lag(r, slo);

  // Each constraint by early stopping.
  level->slo_constraints.clear();
  std::string not_met, undecided;
  bool all_met = true;
  for (const SloConstraint& c : slo.constraints) {
    EarlyStoppingSettings es;
    es.percentile = c.percentile;
    es.confidence = kSloConfidence;
    const BoundJudgement j = JudgeLatencyBound(h, c.bound_ns, es);
    ConstraintVerdictRecord v;
    v.percentile = c.percentile;
    v.bound_us = c.bound_ns / 1e3;
    v.verdict = BoundVerdictName(j.verdict);
    v.latency_us = h.ValueAtPercentile(c.percentile) / 1e3;
    v.overruns = j.overruns;
    v.min_queries = j.min_queries;
    level->slo_constraints.push_back(v);
    all_met = all_met && j.verdict == BoundVerdict::kMet;
    const std::string over = Printf("%.0f of %.0f requests over the bound", j.overruns, n);
    if (j.verdict == BoundVerdict::kNotMet && not_met.empty()) {
      not_met = ConstraintText(c) + " exceeded with 99% confidence: " + over;
    } else if (j.verdict == BoundVerdict::kUndecided && undecided.empty()) {
      undecided = "too few samples to judge " + ConstraintText(c) + ": " + over + ", " +
                  Printf("%.0f needed", j.min_queries) + " to show it met";
    }
  }

  const int64_t requests = open ? r.counters.scheduled : r.counters.sent;
  const double error_share =
      requests > 0 ? static_cast<double>(r.counters.errors.total()) / requests : 0;
  double delivered = 0, offered = 0;
  const bool kept_up = !open || KeptUp(r, &delivered, &offered);
  std::string verdict = "inconclusive", reason;
  if (level->overloaded) {
    verdict = "not_met";
    reason = "overloaded: " + Printf("delivered %.0f%% of the offered rate",
                                     100 * r.throughput_rps() / std::max(r.settings.rate, 1e-9));
  } else if (error_share > kSloErrorBudget) {
    verdict = "not_met";
    reason = Printf("errors were %.1f%% of the requests (at most %g%% allowed)", 100 * error_share,
                    100 * kSloErrorBudget);
  } else if (!kept_up) {
    verdict = "not_met";
    reason =
        Printf("did not keep up: completed %.0f of the %.0f requests offered", delivered, offered);
  } else if (!not_met.empty()) {
    verdict = "not_met";
    reason = not_met;
  } else if (n == 0) {
    reason = "no successful request";
  } else if (all_met) {
    verdict = "met";
  } else {
    reason = undecided;
    if (level->max_duration_reached) reason += " (the level reached max_duration)";
  }
  level->slo_verdict = verdict;
  level->slo_met = verdict == "met";
  level->slo_reason = reason;
}

SloRecord ToRecord(const Slo& slo, const std::string& source) {
  SloRecord record;
  for (const SloConstraint& c : slo.constraints) {
    record.constraints.push_back({c.percentile, c.bound_ns / 1e3});
  }
  record.request_bound_us = slo.goodput_bound_ns() / 1e3;
  record.source = source;
  return record;
}

}  // namespace servebench
