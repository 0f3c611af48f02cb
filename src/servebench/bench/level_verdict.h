// Copyright servebench authors.
//
// Judging one measured load level (docs/metrics.md, "Validity of a level"): whether it meets its
// SLO with enough samples to say so (MLPerf's early stopping, core/early_stopping.h): met, not
// met, or inconclusive; its goodput; the confidence intervals of its latency percentiles; and
// whether the generator's own lag is a material part of the latency it reports.

#ifndef SERVEBENCH_BENCH_LEVEL_VERDICT_H_
#define SERVEBENCH_BENCH_LEVEL_VERDICT_H_

#include <string>

#include "servebench/bench/experiment.h"
#include "servebench/load/load_result.h"
#include "servebench/records/level_record.h"
#include "servebench/records/slo_record.h"

namespace servebench {

// A level may fail at most this share of its requests and still meet the SLO.
inline constexpr double kSloErrorBudget = 0.01;
// Early stopping's confidence for a verdict on a latency constraint (MLPerf's default).
inline constexpr double kSloConfidence = 0.99;
// The confidence the stop rule asks of the windows' counts before it ends a level on a verdict.
// It looks after every window, and each look is a chance to decide wrongly: at 99.9% a level of
// up to ten looks ends on a wrong verdict at most 1% of the time (Bonferroni), as MLPerf's single
// judgement at the end of a run would. The level's verdict itself is then judged once, at 99%.
inline constexpr double kSloStopConfidence = 0.999;
// The confidence of the percentiles' intervals.
inline constexpr double kPercentileConfidence = 0.95;
// A level whose generator schedule lag p99 exceeds this share of a reported latency percentile
// is flagged, unless more than kQueuedShareLimit of its requests waited for a free connection
// (then the lag is the server's back-pressure).
inline constexpr double kLagShareLimit = 0.10;
inline constexpr double kQueuedShareLimit = 0.01;
// An open-loop level keeps up when it completes, inside its window, at least this share of the
// requests its window's arrivals offered, give or take the queue's own fluctuation.
inline constexpr double kKeptUpShare = 0.95;

// Fills the level's samples, slo_verdict, slo_met, slo_reason, slo_constraints, goodput_rps,
// latency_ci_us and generator_lag from `result`, judged against `slo`. The level's overloaded and
// max_duration_reached must be set already (they shape the verdict and its reason).
//
// Not met (first that applies): overloaded; errors above kSloErrorBudget of the window's
// requests; an open loop that did not keep up; a constraint early stopping shows exceeded.
// Met: every constraint shown within its bound. Otherwise inconclusive.
void JudgeLevel(const LoadResult& result, const Slo& slo, LevelRecord* level);

// The record of an SLO, naming where it came from.
SloRecord ToRecord(const Slo& slo, const std::string& source);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_LEVEL_VERDICT_H_
