// Copyright servebench authors.

#include "servebench/bench/cell_summary.h"

#include <gtest/gtest.h>

#include "servebench/bench/runner.h"

namespace servebench {
namespace {

// 100 successful requests in a 1 s window: 90 at 10 ms, 10 at 300 ms.
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

TEST(CellSummaryTest, SloAtP99FailsWhenTheTailIsOverTheBound) {
  Slo slo;
  slo.percentile = 99;
  slo.bound_ns = 100 * kNanosPerMilli;
  LevelVerdict v = JudgeLevel(KnownLevel(), slo);
  EXPECT_FALSE(v.slo_met);
  EXPECT_NEAR(v.slo_latency_us, 300'000, 300);  // within the histogram's 0.1%
  // 90 of 100 requests were within 100 ms: goodput is 90% of 100 req/s.
  EXPECT_DOUBLE_EQ(v.goodput_rps, 90);
}

TEST(CellSummaryTest, SloAtP90HoldsWhenNinetyPercentAreFast) {
  Slo slo;
  slo.percentile = 90;
  slo.bound_ns = 100 * kNanosPerMilli;
  LevelVerdict v = JudgeLevel(KnownLevel(), slo);
  EXPECT_TRUE(v.slo_met);
  EXPECT_NEAR(v.slo_latency_us, 10'000, 10);
}

TEST(CellSummaryTest, ErrorsBeyondTheBudgetFailTheSlo) {
  Slo slo;
  slo.percentile = 50;
  slo.bound_ns = 100 * kNanosPerMilli;
  LoadResult r = KnownLevel();
  r.counters.sent = 102;
  r.counters.errors.timeout = 1;  // 1/102 < 1%: within budget
  EXPECT_TRUE(JudgeLevel(r, slo).slo_met);
  r.counters.errors.timeout = 2;  // 2/102 > 1%
  EXPECT_FALSE(JudgeLevel(r, slo).slo_met);
  LoadResult empty;
  EXPECT_FALSE(JudgeLevel(empty, slo).slo_met);
}

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
  EXPECT_EQ(c.scenarios[2].max_levels, 3);
  EXPECT_LE(c.measurement.max_duration_ns, 2 * kNanosPerSecond);
}

}  // namespace
}  // namespace servebench
