// Copyright servebench authors.

#include "servebench/core/percentile_confidence.h"

#include <algorithm>

#include "servebench/core/binomial.h"

namespace servebench {

int64_t ValueAtRank(const Histogram& histogram, int64_t rank) {
  const int64_t n = histogram.count();
  if (n == 0) return 0;
  rank = std::clamp<int64_t>(rank, 1, n);
  // ValueAtPercentile(p) returns the value at rank ceil(p / 100 * n). Asking for rank - 1/2 puts
  // the product half a rank away from any integer, far beyond its rounding error (about
  // n * 1e-16), so the ceiling is `rank` exactly.
  const double p = 100.0 * (static_cast<double>(rank) - 0.5) / static_cast<double>(n);
  return histogram.ValueAtPercentile(p);
}

int64_t LowestValueAtRank(const Histogram& histogram, int64_t rank) {
  if (histogram.count() == 0) return 0;
  const int64_t value = ValueAtRank(histogram, rank);
  const int64_t lowest = value & ~(histogram.BucketWidth(value) - 1);
  return std::max(lowest, histogram.min());
}

OrderStatisticRanks PercentileRanks(int64_t n, double percentile, double confidence) {
  const double q = percentile / 100;
  const double tail = (1 - confidence) / 2;
  OrderStatisticRanks ranks;
  // l: the largest rank in 1..n with P(B <= l - 1) <= tail; P(B <= l - 1) grows with l.
  if (n >= 1 && BinomialCdf(0, n, q) <= tail) {
    int64_t good = 1;
    int64_t bad = n + 1;
    while (bad - good > 1) {
      const int64_t mid = good + (bad - good) / 2;
      if (BinomialCdf(mid - 1, n, q) <= tail) {
        good = mid;
      } else {
        bad = mid;
      }
    }
    ranks.lower = good;
  }
  // u: the smallest rank in 1..n with P(B >= u) <= tail; P(B >= u) falls as u grows.
  ranks.upper = n + 1;
  if (n >= 1 && BinomialSurvival(n, n, q) <= tail) {
    int64_t bad = 0;
    int64_t good = n;
    while (good - bad > 1) {
      const int64_t mid = bad + (good - bad) / 2;
      if (BinomialSurvival(mid, n, q) <= tail) {
        good = mid;
      } else {
        bad = mid;
      }
    }
    ranks.upper = good;
  }
  const double below = ranks.lower >= 1 ? BinomialCdf(ranks.lower - 1, n, q) : 0;
  const double above = ranks.upper <= n ? BinomialSurvival(ranks.upper, n, q) : 0;
  ranks.coverage = 1 - below - above;
  return ranks;
}

PercentileInterval PercentileConfidenceInterval(const Histogram& histogram, double percentile,
                                                double confidence) {
  PercentileInterval interval;
  interval.percentile = percentile;
  interval.confidence = confidence;
  interval.samples = histogram.count();
  interval.estimate = histogram.ValueAtPercentile(percentile);
  interval.ranks = PercentileRanks(interval.samples, percentile, confidence);
  interval.lower_bounded = interval.ranks.lower >= 1;
  interval.upper_bounded = interval.samples >= 1 && interval.ranks.upper <= interval.samples;
  interval.lower = interval.lower_bounded ? LowestValueAtRank(histogram, interval.ranks.lower) : 0;
  interval.upper =
      interval.upper_bounded ? ValueAtRank(histogram, interval.ranks.upper) : histogram.max();
  return interval;
}

}  // namespace servebench
