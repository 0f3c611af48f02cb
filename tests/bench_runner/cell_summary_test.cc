// Copyright servebench authors.

#include "servebench/bench/cell_summary.h"

#include <gtest/gtest.h>

#include "servebench/bench/runner.h"

namespace servebench {
namespace {

TEST(CellSummaryTest, CostPerMillionInferences) {
  // 0.36 per hour at 100 inferences/s: 360,000 an hour, so a million cost 1.00.
  EXPECT_DOUBLE_EQ(CostPerMillion(100, 0.36), 1.0);
  EXPECT_EQ(CostPerMillion(0, 0.36), 0);
  CostSettings cost;
  cost.hourly_price_per_core = 0.05;
  EXPECT_DOUBLE_EQ(HourlyPrice(cost, 2), 0.1);
  cost.hourly_price = 0.4;
  EXPECT_DOUBLE_EQ(HourlyPrice(cost, 2), 0.4);  // the machine's price wins
}

LevelRecord Level(double throughput, bool slo_met, double p50, double p99, double cpu, double rss) {
  LevelRecord level;
  level.level = LevelPoint::Concurrency(1);
  level.slo_met = slo_met;
  level.slo_verdict = slo_met ? "met" : "not_met";
  level.stable = true;
  level.load.throughput_rps = throughput;
  level.load.latency_us.p50 = p50;
  level.load.latency_us.p99 = p99;
  level.load.latency_us.count = p50 > 0 ? 1000 : 0;
  level.load.requests.ok = 1000;
  ResourceRecord resources;
  resources.cpu_percent.mean = cpu;
  resources.rss_bytes.max = rss;
  level.resources = resources;
  level.energy_j = 50.0;
  return level;
}

CellRecord CellOf(std::vector<LevelRecord> levels) {
  CellRecord cell;
  cell.levels = std::move(levels);
  return cell;
}

TEST(CellSummaryTest, SummaryTakesTheBestLevelWithinTheSlo) {
  CellRecord cell =
      CellOf({Level(100, true, 1000, 2000, 20, 1e8), Level(400, true, 1500, 9000, 80, 3e8),
              Level(600, false, 5000, 500000, 99, 2e8)});
  ColdStartRecord cold;
  cold.mean.spawn_to_first_inference_s = 1.25;
  cell.cold_start = cold;
  CellSummary s = SummarizeCell(cell, 0.36);
  EXPECT_EQ(s.max_throughput_rps, 600);
  EXPECT_EQ(s.throughput_within_slo_rps, 400);
  EXPECT_EQ(s.p50_us, 1500);
  EXPECT_EQ(s.p99_us, 9000);
  EXPECT_EQ(s.cpu_percent_mean, 80);
  EXPECT_EQ(s.rss_max_bytes, 3e8);                           // the peak over every level
  EXPECT_DOUBLE_EQ(s.cost_per_million.value(), 0.25);        // 0.36 / (400 * 3600) * 1e6
  EXPECT_DOUBLE_EQ(s.energy_per_inference_j.value(), 0.05);  // 50 J / 1000
  EXPECT_EQ(s.cold_start_s, 1.25);
}

TEST(CellSummaryTest, NoLevelWithinTheSloShowsTheFirstAndNoCost) {
  CellSummary s = SummarizeCell(CellOf({Level(100, false, 1000, 2000, 20, 1e8)}), 0.36);
  EXPECT_EQ(s.max_throughput_rps, 100);
  EXPECT_FALSE(s.throughput_within_slo_rps.has_value());
  EXPECT_FALSE(s.cost_per_million.has_value());
  EXPECT_EQ(s.p99_us, 2000);
  EXPECT_FALSE(s.cold_start_s.has_value());
  // A level where nothing succeeded shows no latency rather than zeros.
  CellSummary failed = SummarizeCell(CellOf({Level(2.5, false, 0, 0, 99, 1e8)}), 0.36);
  EXPECT_FALSE(failed.p50_us.has_value());
  EXPECT_FALSE(failed.p99_us.has_value());
  EXPECT_EQ(failed.cpu_percent_mean, 99);
  CellSummary none = SummarizeCell(CellOf({}), 0.36);
  EXPECT_FALSE(none.max_throughput_rps.has_value());
}

// An inconclusive level feeds no headline figure, however fast it was; the summary counts it
// with the unstable, lagging and noisy levels.
TEST(CellSummaryTest, InconclusiveLevelsFeedNoHeadlineFigure) {
  LevelRecord fast_but_few = Level(5000, false, 100, 200, 50, 1e8);
  fast_but_few.slo_verdict = "inconclusive";
  fast_but_few.max_duration_reached = true;
  fast_but_few.stable = false;
  LevelRecord met = Level(100, true, 1000, 2000, 20, 1e8);
  GeneratorLagRecord lag;
  lag.flagged = true;
  met.generator_lag = lag;
  NoiseRecord noise;
  noise.disturbed = true;
  met.noise = noise;
  CellSummary s = SummarizeCell(CellOf({met, fast_but_few}), 0.36);
  EXPECT_EQ(s.throughput_within_slo_rps, 100);
  EXPECT_EQ(s.max_throughput_rps, 5000);  // what was delivered, not a verdict
  EXPECT_EQ(s.p99_us, 2000);
  EXPECT_DOUBLE_EQ(s.cost_per_million.value(), 1.0);
  EXPECT_EQ(s.levels, 2);
  EXPECT_EQ(s.inconclusive_levels, 1);
  EXPECT_EQ(s.unstable_levels, 1);
  EXPECT_EQ(s.lag_flagged_levels, 1);
  EXPECT_EQ(s.disturbed_levels, 1);
  // Alone, it leaves the cell without a throughput within SLO and without a cost.
  CellSummary alone = SummarizeCell(CellOf({fast_but_few}), 0.36);
  EXPECT_FALSE(alone.throughput_within_slo_rps.has_value());
  EXPECT_FALSE(alone.cost_per_million.has_value());
}

// Three repeats: each headline figure is their mean, with the spread and the Student t interval.
TEST(CellSummaryTest, RepeatsGiveMeanSpreadAndInterval) {
  std::vector<LevelRecord> levels;
  const double best[] = {380, 400, 420};
  for (int r = 0; r < 3; ++r) {
    LevelRecord low = Level(best[r] / 2, true, 500, 1000, 10, 1e8);
    LevelRecord high = Level(best[r], true, 900, 2000 + 100 * r, 30, 1e8);
    high.level = LevelPoint::Rate(best[r], "poisson");
    ConstraintVerdictRecord c;
    c.percentile = 99;
    c.latency_us = 2000 + 100 * r;
    high.slo_constraints = {c};
    low.repeat = high.repeat = r;
    levels.push_back(low);
    levels.push_back(high);
  }
  CellRecord cell = CellOf(levels);
  cell.repeats = 3;
  CellSummary s = SummarizeCell(cell, 0.36);
  EXPECT_DOUBLE_EQ(s.throughput_within_slo_rps.value(), 400);
  EXPECT_DOUBLE_EQ(s.found_rate_rps.value(), 400);
  EXPECT_DOUBLE_EQ(s.slo_latency_us.value(), 2100);
  EXPECT_DOUBLE_EQ(s.cost_per_million.value(), 0.25);  // priced at the mean
  ASSERT_TRUE(s.repeats.has_value());
  EXPECT_EQ(s.repeats->count, 3);
  const SpreadRecord& t = s.repeats->throughput_within_slo_rps.value();
  EXPECT_EQ(t.values, (std::vector<double>{380, 400, 420}));
  EXPECT_DOUBLE_EQ(t.stddev, 20);
  EXPECT_EQ(t.min, 380);
  EXPECT_EQ(t.max, 420);
  // t_{0.975, 2} = 4.303: 400 -+ 4.303 * 20 / sqrt(3) = 400 -+ 49.68.
  EXPECT_NEAR(t.lower.value(), 400 - 49.68, 0.01);
  EXPECT_NEAR(t.upper.value(), 400 + 49.68, 0.01);
  EXPECT_DOUBLE_EQ(s.repeats->slo_latency_us->mean, 2100);
  // One repeat has no spread.
  EXPECT_FALSE(SummarizeCell(CellOf({levels[0], levels[1]}), 0.36).repeats.has_value());
}

// A search's answer is its highest met rate, even where a lower met probe happened to achieve a
// little more.
TEST(CellSummaryTest, SearchAnswerIsTheBestLevel) {
  LevelRecord lower = Level(341.9, true, 1000, 2000, 20, 1e8);
  lower.level = LevelPoint::Rate(339.4, "poisson");
  LevelRecord answer = Level(338.0, true, 1100, 2100, 21, 1e8);
  answer.level = LevelPoint::Rate(354.4, "poisson");
  LevelRecord above = Level(360.8, false, 1500, 2500, 22, 1e8);
  above.level = LevelPoint::Rate(358.3, "poisson");
  CellRecord cell = CellOf({lower, answer, above});
  SearchRecord search;
  search.kind = "rate";
  search.found = 354.4;
  search.upper = 358.3;
  cell.searches = {search};
  const CellSummary s = SummarizeCell(cell, 0.36);
  EXPECT_EQ(s.found_rate_rps, 354.4);
  EXPECT_EQ(s.throughput_within_slo_rps, 338.0);
  EXPECT_EQ(s.p99_us, 2100);
}

TEST(CellSummaryTest, UnmeasuredResourcesAndEnergyStayEmpty) {
  // An external server: no resources, no RAPL. Its summary says so rather than showing zeros.
  LevelRecord level = Level(100, true, 1000, 2000, 20, 1e8);
  level.resources.reset();
  level.energy_j.reset();
  CellSummary s = SummarizeCell(CellOf({level}), 0);
  EXPECT_EQ(s.throughput_within_slo_rps, 100);
  EXPECT_FALSE(s.cpu_percent_mean.has_value());
  EXPECT_FALSE(s.rss_max_bytes.has_value());
  EXPECT_FALSE(s.energy_per_inference_j.has_value());
  EXPECT_FALSE(s.cost_per_million.has_value());  // not priced
}

TEST(CellSummaryTest, QuickShrinksTheExperiment) {
  ExperimentConfig c;
  c.models.variants = {{"a", "r"}, {"b", "r"}, {"c", "r"}};
  Scenario conc;
  conc.kind = ScenarioKind::kConcurrencySweep;
  conc.concurrency = {1, 4, 16, 64};
  Scenario cold;
  cold.kind = ScenarioKind::kColdStart;
  cold.repeats = 5;
  Scenario rate;
  rate.kind = ScenarioKind::kRateSweep;
  rate.saturate = true;
  rate.max_levels = 8;
  c.scenarios = {conc, cold, rate};
  ApplyQuick(&c);
  EXPECT_EQ(c.models.variants.size(), 2u);
  EXPECT_EQ(c.scenarios[0].concurrency, (std::vector<int>{1, 64}));
  EXPECT_EQ(c.scenarios[1].repeats, 1);
  EXPECT_EQ(c.scenarios[2].max_levels, 6);
  EXPECT_EQ(c.scenarios[2].tolerance, kQuickTolerance);
  EXPECT_LE(c.measurement.max_duration_ns, 2 * kNanosPerSecond);
}

}  // namespace
}  // namespace servebench
