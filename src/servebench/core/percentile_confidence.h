// Copyright servebench authors.
//
// How far a percentile read from a histogram can be trusted: a distribution-free confidence
// interval from order statistics, computed from the histogram's counts alone.
//
// Of n independent samples of a continuous distribution, the number B that fall at or below its
// true q-quantile x_q is Binomial(n, q). The k-th smallest sample X_(k) is <= x_q exactly when
// B >= k, and X_(k) >= x_q exactly when B <= k - 1, so for ranks l < u
//
//     P(X_(l) <= x_q <= X_(u)) = P(l <= B <= u - 1),
//
// whatever the distribution (for a discrete one the coverage is at least this). The interval is
// equal-tailed: l is the largest rank with P(B <= l - 1) <= alpha / 2 and u the smallest with
// P(B >= u) <= alpha / 2, so the coverage is at least 1 - alpha. When no rank qualifies (too few
// samples: l would be 0, or u would be n + 1), that end is unbounded and the result says so.
//
// Ranks are mapped to latencies through the histogram conservatively: the lower end is the lowest
// value of the lower rank's bucket, the upper end the highest value of the upper rank's bucket
// (capped at the recorded maximum), so the reported interval contains the interval of the exact
// order statistics. Percentiles are in percent, as in Histogram::ValueAtPercentile.

#ifndef SERVEBENCH_CORE_PERCENTILE_CONFIDENCE_H_
#define SERVEBENCH_CORE_PERCENTILE_CONFIDENCE_H_

#include <cstdint>

#include "servebench/core/histogram.h"

namespace servebench {

// The histogram's value at 1-based ascending rank `rank` (1 <= rank <= count()): the highest
// value of the bucket holding the rank-th smallest recorded value, capped at max(). Never below
// that value, above it by less than one bucket's width. 0 when empty. Exact ranks need
// count() < 10^11.
int64_t ValueAtRank(const Histogram& histogram, int64_t rank);
// The same rank's bucket's lowest value, raised to min(): never above the rank-th smallest value.
int64_t LowestValueAtRank(const Histogram& histogram, int64_t rank);

// The ranks of the equal-tailed order-statistic interval for the q-quantile of n samples, q =
// percentile / 100. Preconditions: n >= 0, 0 < percentile < 100, 0 < confidence < 1.
struct OrderStatisticRanks {
  int64_t lower = 0;    // l in 1..n, or 0 when the lower end is unbounded
  int64_t upper = 0;    // u in 1..n, or n + 1 when the upper end is unbounded
  double coverage = 0;  // P(l <= B <= u - 1) >= confidence (1 - the two tails left out)
};
OrderStatisticRanks PercentileRanks(int64_t n, double percentile, double confidence);

struct PercentileInterval {
  double percentile = 0;  // in percent
  double confidence = 0;  // the requested 1 - alpha
  int64_t samples = 0;    // n, the histogram's count
  int64_t estimate = 0;   // Histogram::ValueAtPercentile(percentile)
  OrderStatisticRanks ranks;
  // Whether each end exists; when not, too few samples bound it, and the value below is 0
  // (lower) or the largest recorded value (upper) only as a placeholder.
  bool lower_bounded = false;
  bool upper_bounded = false;
  int64_t lower = 0;
  int64_t upper = 0;
  // Both ends bounded: the interval is defined.
  bool defined() const { return lower_bounded && upper_bounded; }
};

// The confidence interval of `percentile` (0 < p < 100) at level `confidence` (0 < c < 1) for
// the values recorded in `histogram`. An empty histogram gives an interval with neither end
// bounded.
PercentileInterval PercentileConfidenceInterval(const Histogram& histogram, double percentile,
                                                double confidence = 0.95);

}  // namespace servebench

#endif  // SERVEBENCH_CORE_PERCENTILE_CONFIDENCE_H_
