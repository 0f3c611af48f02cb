// Copyright servebench authors.
//
// MLPerf's early-stopping rule against its published minimums and against a brute-force search
// that evaluates every binomial term in long double.

#include "servebench/core/early_stopping.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "servebench/core/histogram.h"

namespace servebench {
namespace {

constexpr int64_t kMicro = 1000;  // ns

EarlyStoppingSettings At(double percentile) {
  EarlyStoppingSettings settings;
  settings.percentile = percentile;
  return settings;
}

// P(Binomial(n, q) <= t) by summing C(n, i) q^i (1 - q)^(n - i), each coefficient built by the
// multiplicative recurrence in long double (exact enough for n of a few thousand).
long double BruteForceCdf(int64_t t, int64_t n, long double q) {
  long double sum = 0;
  long double coefficient = 1;  // C(n, i)
  for (int64_t i = 0; i <= t && i <= n; ++i) {
    if (i > 0) coefficient = coefficient * (n - i + 1) / i;
    sum += coefficient * powl(q, i) * powl(1 - q, n - i);
  }
  return sum;
}

// The least n with P(Binomial(n, q) <= t) <= 1 - c, by trying every n from t + 1 up.
int64_t BruteForceMinQueries(int64_t t, double percentile, double confidence) {
  const long double q = 1 - static_cast<long double>(percentile) / 100;
  for (int64_t n = t + 1;; ++n) {
    if (BruteForceCdf(t, n, q) <= 1 - static_cast<long double>(confidence)) return n;
  }
}

TEST(EarlyStoppingTest, PublishedMinimums) {
  // The MLPerf Inference rules: SingleStream (p90) needs 64 queries, p99 needs 662, for an
  // early-stopping estimate; that is MinQueries(1).
  EXPECT_EQ(MinQueriesForEarlyStopping(1, At(90)), 64);
  EXPECT_EQ(MinQueriesForEarlyStopping(1, At(99)), 662);
  // With no overrun at all (the Server rule), the closed form ceil(log(1 - c) / log(p)).
  EXPECT_EQ(MinQueriesForEarlyStopping(0, At(90)), 44);
  EXPECT_EQ(MinQueriesForEarlyStopping(0, At(99)), 459);
  EXPECT_EQ(MinQueriesForEarlyStopping(0, At(90)),
            static_cast<int64_t>(std::ceil(std::log(0.01) / std::log(0.90))));
  EXPECT_EQ(MinQueriesForEarlyStopping(0, At(99)),
            static_cast<int64_t>(std::ceil(std::log(0.01) / std::log(0.99))));
}

TEST(EarlyStoppingTest, MinimumsWithOverrunsMatchBruteForce) {
  for (double percentile : {90.0, 95.0, 99.0}) {
    for (int64_t t = 0; t <= 8; ++t) {
      EXPECT_EQ(MinQueriesForEarlyStopping(t, At(percentile)),
                BruteForceMinQueries(t, percentile, 0.99))
          << "p" << percentile << " t=" << t;
    }
  }
  // Another confidence.
  EarlyStoppingSettings settings = At(95);
  settings.confidence = 0.95;
  for (int64_t t = 0; t <= 5; ++t) {
    EXPECT_EQ(MinQueriesForEarlyStopping(t, settings), BruteForceMinQueries(t, 95, 0.95))
        << "t=" << t;
  }
}

TEST(EarlyStoppingTest, ToleranceMakesTheMinimallyFailingSystemWorse) {
  // d = 1 point at p90: the minimally failing system overruns 11% of the time, so no overrun in
  // n queries has probability 0.89^n.
  EarlyStoppingSettings settings = At(90);
  settings.tolerance = 1;
  EXPECT_EQ(MinQueriesForEarlyStopping(0, settings),
            static_cast<int64_t>(std::ceil(std::log(0.01) / std::log(0.89))));
  EXPECT_EQ(MinQueriesForEarlyStopping(3, settings), BruteForceMinQueries(3, 89, 0.99));
}

TEST(EarlyStoppingTest, PassesExactlyFromTheMinimum) {
  for (double percentile : {90.0, 99.0}) {
    for (int64_t t : {0, 1, 2, 10, 50}) {
      const int64_t n = MinQueriesForEarlyStopping(t, At(percentile));
      EXPECT_FALSE(EarlyStoppingPasses(n - 1, t, At(percentile))) << percentile << " " << t;
      EXPECT_TRUE(EarlyStoppingPasses(n, t, At(percentile))) << percentile << " " << t;
      EXPECT_TRUE(EarlyStoppingPasses(n + 1000, t, At(percentile))) << percentile << " " << t;
      EXPECT_LE(MinimallyFailingOdds(n, t, At(percentile)), 0.01);
      EXPECT_GT(MinimallyFailingOdds(n - 1, t, At(percentile)), 0.01);
    }
  }
}

TEST(EarlyStoppingTest, MaxOverrunsIsTheInverseOfTheMinimum) {
  for (double percentile : {90.0, 99.0}) {
    const EarlyStoppingSettings settings = At(percentile);
    EXPECT_EQ(MaxOverrunsAllowed(MinQueriesForEarlyStopping(0, settings) - 1, settings), -1);
    for (int64_t n : {44, 63, 64, 65, 459, 661, 662, 1000, 5000, 24576}) {
      const int64_t t = MaxOverrunsAllowed(n, settings);
      if (t < 0) {
        EXPECT_LT(n, MinQueriesForEarlyStopping(0, settings));
        continue;
      }
      EXPECT_LE(MinQueriesForEarlyStopping(t, settings), n) << percentile << " n=" << n;
      EXPECT_GT(MinQueriesForEarlyStopping(t + 1, settings), n) << percentile << " n=" << n;
    }
  }
}

TEST(EarlyStoppingTest, LargeRunsApproachTheTruePercentile) {
  // Ten million queries at p99: the allowed overruns approach 1% of the queries from below, by
  // about z_0.99 = 2.33 standard deviations of the count (sqrt(n * 0.01 * 0.99) = 315).
  const int64_t n = 10'000'000;
  const int64_t t = MaxOverrunsAllowed(n, At(99));
  const double expected = 0.01 * n - 2.326 * std::sqrt(n * 0.01 * 0.99);
  EXPECT_NEAR(static_cast<double>(t), expected, 3);
  EXPECT_LE(MinQueriesForEarlyStopping(t, At(99)), n);
}

TEST(EarlyStoppingTest, EstimateNeedsTheMinimumAndIsTheMaximumThere) {
  Histogram h = Histogram::ForLatency();
  for (int64_t i = 1; i <= 63; ++i) h.Record(i * kMicro);
  EarlyStoppingEstimate estimate = EarlyStoppingPercentile(h, At(90));
  EXPECT_FALSE(estimate.defined);
  EXPECT_EQ(estimate.queries, 63);
  EXPECT_EQ(estimate.min_queries, 64);

  h.Record(64 * kMicro);
  estimate = EarlyStoppingPercentile(h, At(90));
  ASSERT_TRUE(estimate.defined);
  EXPECT_EQ(estimate.rank, 64);
  EXPECT_EQ(estimate.discarded, 0);
  EXPECT_EQ(estimate.value, 64 * kMicro);  // the maximum (a bucket's highest value, capped at max)
}

TEST(EarlyStoppingTest, EstimateDiscardsTheOverrunsTheBoundAllows) {
  // 1000 queries of 1..1000 us at p90: t* by brute force, rank n - t* + 1, value rank us.
  Histogram h = Histogram::ForLatency();
  const int64_t n = 1000;
  for (int64_t i = 1; i <= n; ++i) h.Record(i * kMicro);
  int64_t t_star = 0;
  while (BruteForceCdf(t_star + 1, n, 0.1L) <= 0.01L) ++t_star;
  ASSERT_GE(t_star, 1);
  const EarlyStoppingEstimate estimate = EarlyStoppingPercentile(h, At(90));
  ASSERT_TRUE(estimate.defined);
  EXPECT_EQ(estimate.discarded, t_star - 1);
  EXPECT_EQ(estimate.rank, n - t_star + 1);
  // The histogram reports the rank's bucket's highest value: >= the true value, within 1/1024.
  const int64_t truth = estimate.rank * kMicro;
  EXPECT_GE(estimate.value, truth);
  EXPECT_LT(estimate.value, truth + truth / 1024);
  // Above the plain p90 (900 us): the price of 1000 queries at 99% confidence.
  EXPECT_GT(estimate.value, h.ValueAtPercentile(90));
}

TEST(EarlyStoppingTest, FailingRuleMatchesBruteForce) {
  // At p99 with 100 queries, P(Binomial(100, 0.01) >= t) <= 0.01 first holds at t = 5.
  const long double q = 0.01L;
  int64_t first = 0;
  while (1 - BruteForceCdf(first - 1, 100, q) > 0.01L) ++first;
  EXPECT_EQ(first, 5);
  EXPECT_FALSE(EarlyStoppingFails(100, first - 1, At(99)));
  EXPECT_TRUE(EarlyStoppingFails(100, first, At(99)));
  EXPECT_FALSE(EarlyStoppingFails(0, 0, At(99)));
}

TEST(EarlyStoppingTest, JudgesALatencyBound) {
  const int64_t bound = 2000 * kMicro;
  Histogram few = Histogram::ForLatency();
  for (int i = 0; i < 10; ++i) few.Record(1000 * kMicro);
  BoundJudgement judgement = JudgeLatencyBound(few, bound, At(99));
  EXPECT_EQ(judgement.verdict, BoundVerdict::kUndecided);
  EXPECT_EQ(judgement.overruns, 0);
  EXPECT_EQ(judgement.min_queries, 459);

  Histogram enough = Histogram::ForLatency();
  enough.RecordN(1000 * kMicro, 459);
  judgement = JudgeLatencyBound(enough, bound, At(99));
  EXPECT_EQ(judgement.verdict, BoundVerdict::kMet);
  EXPECT_STREQ(BoundVerdictName(judgement.verdict), "met");

  // 5% over the bound at p99: clearly exceeded.
  Histogram slow = Histogram::ForLatency();
  slow.RecordN(1000 * kMicro, 950);
  slow.RecordN(10000 * kMicro, 50);
  judgement = JudgeLatencyBound(slow, bound, At(99));
  EXPECT_EQ(judgement.verdict, BoundVerdict::kNotMet);
  EXPECT_EQ(judgement.overruns, 50);
  EXPECT_EQ(judgement.certain_overruns, 50);

  // 1% over with 1000 queries: neither rule can tell.
  Histogram edge = Histogram::ForLatency();
  edge.RecordN(1000 * kMicro, 990);
  edge.RecordN(10000 * kMicro, 10);
  EXPECT_EQ(JudgeLatencyBound(edge, bound, At(99)).verdict, BoundVerdict::kUndecided);
}

TEST(EarlyStoppingTest, ABucketStraddlingTheBoundCountsAgainstPassingOnly) {
  // 1,000,000 ns lies in a bucket 512 ns wide (2^19 .. 2^20); 1,000,100 ns shares it but is above.
  const int64_t bound = 1'000'000;
  Histogram h = Histogram::ForLatency();
  ASSERT_EQ(h.HighestEquivalentValue(bound), h.HighestEquivalentValue(1'000'100));
  h.RecordN(500'000, 999);
  h.Record(1'000'100);
  const BoundJudgement judgement = JudgeLatencyBound(h, bound, At(99));
  EXPECT_EQ(judgement.overruns, 1);
  EXPECT_EQ(judgement.certain_overruns, 0);
}

TEST(EarlyStoppingTest, RejectsBadSettingsNamingTheField) {
  std::string error;
  EXPECT_TRUE(ValidateEarlyStoppingSettings(At(99), &error));
  EarlyStoppingSettings bad = At(100);
  EXPECT_FALSE(ValidateEarlyStoppingSettings(bad, &error));
  EXPECT_NE(error.find("percentile"), std::string::npos) << error;
  bad = At(99);
  bad.confidence = 1;
  EXPECT_FALSE(ValidateEarlyStoppingSettings(bad, &error));
  EXPECT_NE(error.find("confidence"), std::string::npos) << error;
  bad = At(99);
  bad.tolerance = -1;
  EXPECT_FALSE(ValidateEarlyStoppingSettings(bad, &error));
  EXPECT_NE(error.find("tolerance"), std::string::npos) << error;
  bad = At(std::nan(""));
  EXPECT_FALSE(ValidateEarlyStoppingSettings(bad, &error));
}

}  // namespace
}  // namespace servebench
