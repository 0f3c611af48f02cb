// Copyright servebench authors.
//
// The level verdict against histograms whose content is known: every verdict below follows from
// the binomial arithmetic of docs/metrics.md, worked in the comments.

#include "servebench/bench/level_verdict.h"

#include <gtest/gtest.h>

#include "servebench/core/binomial.h"

namespace servebench {
namespace {

// 100 successful requests in a 1 s closed-loop window: 90 at 10 ms, 10 at 300 ms.
LoadResult KnownLevel() {
  LoadResult r;
  r.settings.mode = LoopMode::kClosed;
  r.window_s = 1.0;
  r.counters.sent = 100;
  r.counters.ok = 100;
  r.counters.ok_in_window = 100;
  r.latency.RecordN(10 * kNanosPerMilli, 90);
  r.latency.RecordN(300 * kNanosPerMilli, 10);
  return r;
}

Slo SloOf(std::vector<SloConstraint> constraints) {
  Slo slo;
  slo.constraints = std::move(constraints);
  return slo;
}

LevelRecord Judge(const LoadResult& r, const Slo& slo) {
  LevelRecord level;
  JudgeLevel(r, slo, &level);
  return level;
}

TEST(LevelVerdictTest, TenOverrunsInAHundredExceedP99) {
  // A system exactly at p99 overruns 1% of the time: 10 or more of 100 has probability 7e-8.
  const LevelRecord level = Judge(KnownLevel(), SloOf({{99, 100 * kNanosPerMilli}}));
  EXPECT_EQ(level.slo_verdict, "not_met");
  EXPECT_FALSE(level.slo_met);
  EXPECT_NE(level.slo_reason.find("p99 <= 100 ms exceeded with 99% confidence"), std::string::npos)
      << level.slo_reason;
  ASSERT_EQ(level.slo_constraints.size(), 1u);
  EXPECT_EQ(level.slo_constraints[0].verdict, "not_met");
  EXPECT_EQ(level.slo_constraints[0].overruns, 10);
  EXPECT_NEAR(level.slo_constraints[0].latency_us, 300'000, 300);
  EXPECT_EQ(level.samples, 100);
  // 90 of 100 requests were within 100 ms: goodput is 90% of 100 req/s.
  EXPECT_DOUBLE_EQ(level.goodput_rps, 90);
}

TEST(LevelVerdictTest, TenOverrunsInAHundredCannotDecideP90) {
  // At p90 ten overruns of a hundred is exactly what a system at the percentile shows: neither
  // P(Bin(100, 0.1) <= 10) = 0.58 nor P(Bin(100, 0.1) >= 10) = 0.55 is below 1%.
  const LevelRecord level = Judge(KnownLevel(), SloOf({{90, 100 * kNanosPerMilli}}));
  EXPECT_EQ(level.slo_verdict, "inconclusive");
  EXPECT_TRUE(level.inconclusive());
  EXPECT_EQ(level.slo_constraints[0].verdict, "undecided");
  EXPECT_NE(level.slo_reason.find("too few samples to judge p90 <= 100 ms"), std::string::npos)
      << level.slo_reason;
  // With 10 overruns it takes 197 requests: the least n with P(Bin(n, 0.1) <= 10) <= 1%.
  EXPECT_EQ(level.slo_constraints[0].min_queries, 197);
  EXPECT_LE(BinomialCdf(10, 197, 0.1), 0.01);
  EXPECT_GT(BinomialCdf(10, 196, 0.1), 0.01);
  // ... and the same counts easily show the median within the bound.
  EXPECT_EQ(Judge(KnownLevel(), SloOf({{50, 100 * kNanosPerMilli}})).slo_verdict, "met");
}

// The resnet18 level: six requests, all well within 100 ms, said nothing about p99.
TEST(LevelVerdictTest, SixFastRequestsAreInconclusiveAtP99) {
  LoadResult r;
  r.settings.mode = LoopMode::kOpen;
  r.settings.rate = 1.6;
  r.window_s = 2.4;
  r.counters.scheduled = 6;
  r.counters.sent = 6;
  r.counters.ok = 6;
  r.counters.ok_in_window = 6;
  r.latency.RecordN(60 * kNanosPerMilli, 5);
  r.latency.Record(69'900'000);
  LevelRecord level;
  level.max_duration_reached = true;
  JudgeLevel(r, SloOf({{99, 100 * kNanosPerMilli}}), &level);
  EXPECT_EQ(level.slo_verdict, "inconclusive");
  EXPECT_EQ(level.slo_constraints[0].min_queries, 459);  // MinQueries(0) at p99
  EXPECT_NE(level.slo_reason.find("459 needed"), std::string::npos) << level.slo_reason;
  EXPECT_NE(level.slo_reason.find("max_duration"), std::string::npos) << level.slo_reason;
  // Six samples bound no p99 from above, and not even the median from below and above both
  // (5 samples never do; 6 give [X(1), X(6)]).
  EXPECT_FALSE(level.latency_ci_us.p99.upper.has_value());
  EXPECT_TRUE(level.latency_ci_us.p50.lower.has_value());
  EXPECT_TRUE(level.latency_ci_us.p50.upper.has_value());
}

// A server of known latency: 1000 requests at 10 ms. The verdict flips as the bound crosses it.
TEST(LevelVerdictTest, VerdictFlipsWhenTheBoundCrossesTheLatency) {
  LoadResult r = KnownLevel();
  r.latency.Reset();
  r.latency.RecordN(10 * kNanosPerMilli, 1000);
  r.counters.sent = r.counters.ok = 1000;
  EXPECT_EQ(Judge(r, SloOf({{99, 10'100'000}})).slo_verdict, "met");
  EXPECT_EQ(Judge(r, SloOf({{99, 9'900'000}})).slo_verdict, "not_met");
}

TEST(LevelVerdictTest, EveryConstraintMustHold) {
  // p50 <= 20 ms holds (10 ms), p99 <= 100 ms does not: the SLO is not met.
  LevelRecord level =
      Judge(KnownLevel(), SloOf({{50, 20 * kNanosPerMilli}, {99, 100 * kNanosPerMilli}}));
  EXPECT_EQ(level.slo_verdict, "not_met");
  ASSERT_EQ(level.slo_constraints.size(), 2u);
  EXPECT_EQ(level.slo_constraints[0].verdict, "met");
  EXPECT_EQ(level.slo_constraints[1].verdict, "not_met");
  // Both loose: met. One of them undecided: inconclusive.
  EXPECT_EQ(
      Judge(KnownLevel(), SloOf({{50, 20 * kNanosPerMilli}, {90, kNanosPerSecond}})).slo_verdict,
      "met");
  EXPECT_EQ(Judge(KnownLevel(), SloOf({{50, 20 * kNanosPerMilli}, {90, 100 * kNanosPerMilli}}))
                .slo_verdict,
            "inconclusive");
}

TEST(LevelVerdictTest, GoodputCountsRequestsWithinTheRequestBound) {
  Slo slo = SloOf({{50, 20 * kNanosPerMilli}, {99, kNanosPerSecond}});
  // By default the largest bound (1 s): all 100 requests count.
  EXPECT_DOUBLE_EQ(Judge(KnownLevel(), slo).goodput_rps, 100);
  slo.request_bound_ns = 50 * kNanosPerMilli;
  EXPECT_DOUBLE_EQ(Judge(KnownLevel(), slo).goodput_rps, 90);
}

TEST(LevelVerdictTest, ErrorsBeyondTheBudgetFailTheSlo) {
  const Slo slo = SloOf({{50, 100 * kNanosPerMilli}});
  LoadResult r = KnownLevel();
  r.counters.sent = 102;
  r.counters.errors.timeout = 1;  // 1/102 < 1%: within budget
  EXPECT_EQ(Judge(r, slo).slo_verdict, "met");
  r.counters.errors.timeout = 2;  // 2/102 > 1%
  const LevelRecord level = Judge(r, slo);
  EXPECT_EQ(level.slo_verdict, "not_met");
  EXPECT_NE(level.slo_reason.find("errors were 2.0% of the requests"), std::string::npos)
      << level.slo_reason;
  EXPECT_EQ(Judge(LoadResult(), slo).slo_verdict, "inconclusive");  // nothing was sent
}

// Open loop at 1000 req/s for 1 s with 1000 arrivals.
LoadResult OpenLevel(int64_t delivered, int64_t lag_p99_ns, int64_t latency_ns) {
  LoadResult r;
  r.settings.mode = LoopMode::kOpen;
  r.settings.rate = 1000;
  r.window_s = 1.0;
  r.counters.scheduled = 1000;
  r.counters.sent = 1000;
  r.counters.ok = 1000;
  r.counters.ok_in_window = delivered;
  r.latency.RecordN(latency_ns, 1000);
  r.schedule_lag.RecordN(lag_p99_ns, 1000);
  return r;
}

TEST(LevelVerdictTest, AnOpenLoopThatFallsBehindDoesNotMeetTheSlo) {
  const Slo slo = SloOf({{50, 100 * kNanosPerMilli}});
  EXPECT_EQ(Judge(OpenLevel(990, 10'000, kNanosPerMilli), slo).slo_verdict, "met");
  // 800 of 1000 delivered: 20% behind, far beyond the 5% and the queue's fluctuation.
  const LevelRecord behind = Judge(OpenLevel(800, 10'000, kNanosPerMilli), slo);
  EXPECT_EQ(behind.slo_verdict, "not_met");
  EXPECT_NE(behind.slo_reason.find("did not keep up"), std::string::npos) << behind.slo_reason;
  LevelRecord overloaded;
  overloaded.overloaded = true;
  JudgeLevel(OpenLevel(990, 10'000, kNanosPerMilli), slo, &overloaded);
  EXPECT_EQ(overloaded.slo_verdict, "not_met");
  EXPECT_NE(overloaded.slo_reason.find("overloaded"), std::string::npos);
}

// The figures: schedule lag p99 601 us against a latency p99 of 1.10 ms is flagged with
// its share; 50 us against the same is not.
TEST(LevelVerdictTest, GeneratorLagIsFlaggedAboveTenPercentOfTheLatency) {
  const Slo slo = SloOf({{99, 100 * kNanosPerMilli}});
  const LevelRecord lagging = Judge(OpenLevel(1000, 601'000, 1'100'000), slo);
  ASSERT_TRUE(lagging.generator_lag.has_value());
  EXPECT_TRUE(lagging.generator_lag->flagged);
  EXPECT_NEAR(lagging.generator_lag->schedule_lag_p99_us, 601, 1);
  EXPECT_NEAR(lagging.generator_lag->latency_us, 1100, 2);
  EXPECT_NEAR(lagging.generator_lag->share, 601.0 / 1100, 0.003);
  const LevelRecord fine = Judge(OpenLevel(1000, 50'000, 1'100'000), slo);
  EXPECT_FALSE(fine.generator_lag->flagged);
  // When the requests waited for a free connection the lag is the server's back-pressure:
  // recorded, not blamed on the generator.
  LoadResult queued = OpenLevel(1000, 601'000, 1'100'000);
  queued.counters.queued = 20;  // 2% of the sent requests
  const LevelRecord waited = Judge(queued, slo);
  EXPECT_NEAR(waited.generator_lag->share, 601.0 / 1100, 0.003);
  EXPECT_FALSE(waited.generator_lag->flagged);
  // Closed loop has no schedule.
  EXPECT_FALSE(Judge(KnownLevel(), slo).generator_lag.has_value());
}

TEST(LevelVerdictTest, PercentileIntervalsNeedEnoughSamples) {
  const LevelRecord level = Judge(KnownLevel(), SloOf({{99, kNanosPerSecond}}));
  EXPECT_EQ(level.latency_ci_us.confidence, 0.95);
  // 100 samples bound the median on both sides (both at 10 ms)...
  ASSERT_TRUE(level.latency_ci_us.p50.lower && level.latency_ci_us.p50.upper);
  EXPECT_NEAR(*level.latency_ci_us.p50.lower, 10'000, 10);
  EXPECT_NEAR(*level.latency_ci_us.p50.upper, 10'000, 10);
  // ... but p99 needs 368 for an upper bound.
  EXPECT_FALSE(level.latency_ci_us.p99.upper.has_value());
}

TEST(LevelVerdictTest, SloRecordNamesItsConstraintsAndSource) {
  const SloRecord record =
      ToRecord(SloOf({{50, 20 * kNanosPerMilli}, {99, 100 * kNanosPerMilli}}), "family resnet18");
  EXPECT_EQ(record.Describe(), "p50 <= 20 ms and p99 <= 100 ms");
  EXPECT_EQ(record.request_bound_us, 100'000);
  EXPECT_EQ(record.source, "family resnet18");
}

}  // namespace
}  // namespace servebench
