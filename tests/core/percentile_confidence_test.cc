// Copyright servebench authors.
//
// Order-statistic confidence intervals: the ranks against a brute-force scan of the binomial
// distribution in long double, the latencies against known histograms, and the coverage the
// interval promises against repeated sampling from a distribution whose quantile is known.

#include "servebench/core/percentile_confidence.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "servebench/core/histogram.h"

namespace servebench {
namespace {

constexpr int64_t kMicro = 1000;  // ns

// P(Binomial(n, q) = i) for every i, from the multiplicative recurrence for the coefficients.
std::vector<long double> BruteForcePmf(int64_t n, long double q) {
  std::vector<long double> pmf(static_cast<size_t>(n) + 1);
  long double coefficient = 1;
  for (int64_t i = 0; i <= n; ++i) {
    if (i > 0) coefficient = coefficient * (n - i + 1) / i;
    pmf[static_cast<size_t>(i)] = coefficient * powl(q, i) * powl(1 - q, n - i);
  }
  return pmf;
}

// The equal-tailed ranks by scanning: l the largest with P(B <= l - 1) <= a, u the smallest with
// P(B >= u) <= a (0 and n + 1 when none).
OrderStatisticRanks BruteForceRanks(int64_t n, double percentile, double confidence) {
  const std::vector<long double> pmf = BruteForcePmf(n, percentile / 100.0L);
  const long double tail = (1 - static_cast<long double>(confidence)) / 2;
  OrderStatisticRanks ranks;
  long double below = 0;  // P(B <= l - 1)
  for (int64_t l = 1; l <= n; ++l) {
    below += pmf[static_cast<size_t>(l - 1)];
    if (below <= tail) ranks.lower = l;
  }
  ranks.upper = n + 1;
  long double above = 0;  // P(B >= u)
  for (int64_t u = n; u >= 1; --u) {
    above += pmf[static_cast<size_t>(u)];
    if (above <= tail) ranks.upper = u;
  }
  return ranks;
}

Histogram OneToThousandMicros() {
  Histogram h = Histogram::ForLatency();
  for (int64_t i = 1; i <= 1000; ++i) h.Record(i * kMicro);
  return h;
}

TEST(PercentileConfidenceTest, RanksMatchBruteForce) {
  for (int64_t n : {1, 2, 5, 6, 10, 29, 30, 59, 100, 299, 1000}) {
    for (double percentile : {50.0, 90.0, 95.0, 99.0}) {
      for (double confidence : {0.90, 0.95, 0.99}) {
        const OrderStatisticRanks want = BruteForceRanks(n, percentile, confidence);
        const OrderStatisticRanks got = PercentileRanks(n, percentile, confidence);
        const std::string what = "n=" + std::to_string(n) + " p" + std::to_string(percentile) +
                                 " c=" + std::to_string(confidence);
        EXPECT_EQ(got.lower, want.lower) << what;
        EXPECT_EQ(got.upper, want.upper) << what;
        EXPECT_GE(got.coverage, confidence - 1e-12) << what;
      }
    }
  }
}

TEST(PercentileConfidenceTest, MedianOfOneToThousandMicros) {
  const Histogram h = OneToThousandMicros();
  const OrderStatisticRanks want = BruteForceRanks(1000, 50, 0.95);
  // The textbook interval for the median of 1000: 500 -+ 1.96 sqrt(250), rounded outward.
  EXPECT_EQ(want.lower, 469);
  EXPECT_EQ(want.upper, 532);

  const PercentileInterval interval = PercentileConfidenceInterval(h, 50, 0.95);
  EXPECT_EQ(interval.samples, 1000);
  EXPECT_EQ(interval.ranks.lower, want.lower);
  EXPECT_EQ(interval.ranks.upper, want.upper);
  ASSERT_TRUE(interval.defined());
  // The value of rank r is r us; the histogram may widen each end by less than 1/1024.
  const int64_t lower_truth = want.lower * kMicro;
  const int64_t upper_truth = want.upper * kMicro;
  EXPECT_LE(interval.lower, lower_truth);
  EXPECT_GT(interval.lower, lower_truth - lower_truth / 1024);
  EXPECT_GE(interval.upper, upper_truth);
  EXPECT_LT(interval.upper, upper_truth + upper_truth / 1024);
  EXPECT_LE(interval.lower, interval.estimate);
  EXPECT_LE(interval.estimate, interval.upper);
  EXPECT_EQ(interval.estimate, h.ValueAtPercentile(50));
}

TEST(PercentileConfidenceTest, ExactForValuesTheHistogramHoldsExactly) {
  // Below 2048 ns every value has its own bucket: ranks map to values exactly.
  Histogram h = Histogram::ForLatency();
  for (int64_t i = 1; i <= 2000; ++i) h.Record(i);
  const PercentileInterval interval = PercentileConfidenceInterval(h, 99, 0.95);
  const OrderStatisticRanks want = BruteForceRanks(2000, 99, 0.95);
  ASSERT_TRUE(interval.defined());
  EXPECT_EQ(interval.lower, want.lower);
  EXPECT_EQ(interval.upper, want.upper);
}

TEST(PercentileConfidenceTest, TooFewSamplesLeaveAnEndUnbounded) {
  // Five samples cannot bound the median at 95%: each end's tail is 1/32 > 2.5%.
  Histogram five = Histogram::ForLatency();
  for (int64_t i = 1; i <= 5; ++i) five.Record(i * kMicro);
  PercentileInterval interval = PercentileConfidenceInterval(five, 50, 0.95);
  EXPECT_FALSE(interval.lower_bounded);
  EXPECT_FALSE(interval.upper_bounded);
  EXPECT_FALSE(interval.defined());
  EXPECT_EQ(interval.ranks.lower, 0);
  EXPECT_EQ(interval.ranks.upper, 6);

  // Six can (1/64 <= 2.5%): the extremes.
  five.Record(6 * kMicro);
  interval = PercentileConfidenceInterval(five, 50, 0.95);
  ASSERT_TRUE(interval.defined());
  EXPECT_EQ(interval.lower, 1 * kMicro);
  EXPECT_EQ(interval.upper, 6 * kMicro);

  // p99 of five: the upper end needs P(B >= 5) = 0.99^5 <= 2.5%, far from it; the lower end is
  // the 4th smallest (P(B <= 3) = 0.00098, P(B <= 4) = 0.049).
  Histogram p99 = Histogram::ForLatency();
  for (int64_t i = 1; i <= 5; ++i) p99.Record(i * kMicro);
  interval = PercentileConfidenceInterval(p99, 99, 0.95);
  EXPECT_TRUE(interval.lower_bounded);
  EXPECT_FALSE(interval.upper_bounded);
  EXPECT_EQ(interval.ranks.lower, 4);
  EXPECT_EQ(interval.lower, 4 * kMicro);

  // The upper end of p99 at 95% needs P(B >= n) = 0.99^n <= 2.5%: n >= ln(0.025) / ln(0.99).
  const int64_t needed = static_cast<int64_t>(std::ceil(std::log(0.025) / std::log(0.99)));
  EXPECT_EQ(needed, 368);
  EXPECT_EQ(BruteForceRanks(needed - 1, 99, 0.95).upper, needed);  // unbounded: n + 1
  EXPECT_EQ(BruteForceRanks(needed, 99, 0.95).upper, needed);
  EXPECT_EQ(PercentileRanks(needed - 1, 99, 0.95).upper, needed);
  EXPECT_EQ(PercentileRanks(needed, 99, 0.95).upper, needed);
}

TEST(PercentileConfidenceTest, EmptyHistogram) {
  const PercentileInterval interval =
      PercentileConfidenceInterval(Histogram::ForLatency(), 99, 0.95);
  EXPECT_EQ(interval.samples, 0);
  EXPECT_FALSE(interval.lower_bounded);
  EXPECT_FALSE(interval.upper_bounded);
}

TEST(PercentileConfidenceTest, CoversTheTrueQuantileAsOftenAsPromised) {
  // Exponential latencies of mean 1 ms: the p90 is ln(10) ms. 2000 runs of 200 samples each;
  // the share of intervals that contain the truth must match the exact coverage the ranks give
  // (at least 95%) within four standard errors.
  const double truth_ns = std::log(10.0) * 1e6;
  const int runs = 2000;
  const int64_t n = 200;
  std::mt19937_64 generator(20260101);
  std::exponential_distribution<double> latency(1.0 / 1e6);
  int covered = 0;
  double coverage = 0;
  for (int run = 0; run < runs; ++run) {
    Histogram h = Histogram::ForLatency();
    for (int64_t i = 0; i < n; ++i) h.Record(static_cast<int64_t>(latency(generator)));
    const PercentileInterval interval = PercentileConfidenceInterval(h, 90, 0.95);
    ASSERT_TRUE(interval.defined());
    coverage = interval.ranks.coverage;
    if (interval.lower <= truth_ns && truth_ns <= interval.upper) ++covered;
  }
  EXPECT_GE(coverage, 0.95);
  const double share = static_cast<double>(covered) / runs;
  const double standard_error = std::sqrt(coverage * (1 - coverage) / runs);
  EXPECT_NEAR(share, coverage, 4 * standard_error) << covered << " of " << runs;
}

TEST(PercentileConfidenceTest, LargeCountsFollowTheNormalApproximation) {
  // Ten million samples at p99: l and u lie 1.96 standard deviations (sqrt(n q (1 - q)) = 314.6)
  // either side of n q, to within the skew of the binomial (a rank or two).
  const int64_t n = 10'000'000;
  const OrderStatisticRanks ranks = PercentileRanks(n, 99, 0.95);
  const double center = 0.99 * n;
  const double spread = 1.959964 * std::sqrt(n * 0.99 * 0.01);
  EXPECT_NEAR(static_cast<double>(ranks.lower), center - spread, 3);
  EXPECT_NEAR(static_cast<double>(ranks.upper), center + spread, 3);
  EXPECT_GE(ranks.coverage, 0.95);
  EXPECT_LT(ranks.coverage, 0.951);
}

TEST(PercentileConfidenceTest, ValueAtRankReadsTheSortedOrder) {
  const Histogram h = OneToThousandMicros();
  for (int64_t rank : {1, 2, 499, 500, 501, 999, 1000}) {
    const int64_t truth = rank * kMicro;
    EXPECT_GE(ValueAtRank(h, rank), truth) << rank;
    EXPECT_LT(ValueAtRank(h, rank), truth + truth / 1024 + 1) << rank;
    EXPECT_LE(LowestValueAtRank(h, rank), truth) << rank;
    EXPECT_GT(LowestValueAtRank(h, rank), truth - truth / 1024 - 1) << rank;
  }
  EXPECT_EQ(ValueAtRank(h, 1000), h.max());
  EXPECT_EQ(LowestValueAtRank(h, 1), h.min());
}

}  // namespace
}  // namespace servebench
