// Copyright servebench authors.
//
// MLPerf LoadGen's early-stopping rule, implemented from its definition (the MLPerf Inference
// rules, appendix "Early Stopping Criterion"): how many queries are enough to trust a latency
// percentile, given how many of them overran the latency bound.
//
// Let p be the percentile (a fraction here), c the confidence and d the tolerance. A "minimally
// failing" system overruns the bound with probability q = 1 - (p - d). Having seen n queries of
// which t overran, the rule concludes that the percentile holds when such a system would show t
// or fewer overruns in n queries with probability at most 1 - c:
//
//     P(Binomial(n, q) <= t) <= 1 - c.
//
// The left side falls as n grows, so for each t there is a least n, MinQueries(t); MLPerf's
// defaults are c = 0.99 and d = 0. The percentile *estimate* (SingleStream, MultiStream) turns
// the rule around: with n queries, t* is the largest t with MinQueries(t) <= n, and the estimate
// is the latency at rank n - t* + 1 in ascending order (the t* - 1 highest are discarded). It
// needs t* >= 1, i.e. n >= MinQueries(1): 64 queries at p90 and 662 at p99, the published
// minimums; with exactly that many, nothing is discarded and the estimate is the maximum. With
// d = 0 the estimate is an upper confidence bound on the true percentile: the (n - t* + 1)-th
// smallest of n samples lies below it only when at most t* - 1 samples exceed it, so
// P(estimate < true percentile) <= P(Binomial(n, 1 - p) <= t* - 1) < 1 - c, one rank more
// cautious than the bound requires (as published).
//
// servebench adds the mirror-image rule, so that a level can also be judged as failing rather
// than only "not yet passing": the percentile is exceeded, with confidence c, when a system that
// overruns with probability exactly 1 - p would show t or more overruns with probability at most
// 1 - c: P(Binomial(n, 1 - p) >= t) <= 1 - c.
//
// Percentiles in this API are in percent (99 for p99), as elsewhere in servebench.

#ifndef SERVEBENCH_CORE_EARLY_STOPPING_H_
#define SERVEBENCH_CORE_EARLY_STOPPING_H_

#include <cstdint>
#include <string>

#include "servebench/core/histogram.h"

namespace servebench {

struct EarlyStoppingSettings {
  double percentile = 99;    // p in percent, 0 < p < 100
  double confidence = 0.99;  // c, 0 < c < 1
  double tolerance = 0;      // d in percentage points, 0 <= d < p
};

// Checks the settings; explains the first bad value in *error, naming the field.
bool ValidateEarlyStoppingSettings(const EarlyStoppingSettings& settings, std::string* error);

// The following functions require valid settings, and counts with 0 <= overruns <= queries.

// P(Binomial(queries, q) <= overruns), q = 1 - (p - d): how likely a minimally failing system is
// to look this good.
double MinimallyFailingOdds(int64_t queries, int64_t overruns,
                            const EarlyStoppingSettings& settings);

// MinQueries(t): the least n (>= t + 1) with P(Binomial(n, q) <= t) <= 1 - c.
int64_t MinQueriesForEarlyStopping(int64_t overruns, const EarlyStoppingSettings& settings);

// Whether `queries` queries of which `overruns` overran are enough to conclude that the
// percentile holds: queries >= MinQueries(overruns).
bool EarlyStoppingPasses(int64_t queries, int64_t overruns, const EarlyStoppingSettings& settings);

// t*(n): the largest number of overruns that `queries` queries can absorb and still pass;
// -1 when even none would do (queries < MinQueries(0)).
int64_t MaxOverrunsAllowed(int64_t queries, const EarlyStoppingSettings& settings);

// servebench's mirror rule: whether `overruns` out of `queries` show, with confidence c, that the
// percentile is exceeded: P(Binomial(queries, 1 - p) >= overruns) <= 1 - c.
bool EarlyStoppingFails(int64_t queries, int64_t overruns, const EarlyStoppingSettings& settings);

// The early-stopping percentile estimate of the values recorded in a histogram.
struct EarlyStoppingEstimate {
  int64_t queries = 0;      // n: the histogram's count
  int64_t min_queries = 0;  // MinQueries(1): the least n that gives an estimate
  bool defined = false;     // n >= min_queries
  // When defined:
  int64_t rank = 0;       // n - t* + 1, 1-based in ascending order
  int64_t discarded = 0;  // t* - 1 highest values left out
  int64_t value = 0;      // the histogram's value at `rank` (never below the true order statistic,
                          // above it by less than one bucket's width)
};
EarlyStoppingEstimate EarlyStoppingPercentile(const Histogram& histogram,
                                              const EarlyStoppingSettings& settings);

// A latency bound judged on a histogram of latencies.
enum class BoundVerdict {
  kMet,        // EarlyStoppingPasses: the percentile is within the bound with confidence c
  kNotMet,     // EarlyStoppingFails: the percentile exceeds the bound with confidence c
  kUndecided,  // neither yet: more queries would decide
};
const char* BoundVerdictName(BoundVerdict verdict);  // "met" | "not_met" | "undecided"

struct BoundJudgement {
  BoundVerdict verdict = BoundVerdict::kUndecided;
  int64_t queries = 0;
  // Values above the bound. A histogram bucket can straddle the bound, so the count is known
  // within that bucket's population: `overruns` counts all of it (used to pass, conservatively),
  // `certain_overruns` none of it (used to fail, conservatively).
  int64_t overruns = 0;
  int64_t certain_overruns = 0;
  // MinQueries(overruns): the level passes once it has this many queries if no further query
  // overruns.
  int64_t min_queries = 0;
};
BoundJudgement JudgeLatencyBound(const Histogram& histogram, int64_t bound,
                                 const EarlyStoppingSettings& settings);

}  // namespace servebench

#endif  // SERVEBENCH_CORE_EARLY_STOPPING_H_
