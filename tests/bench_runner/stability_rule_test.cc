// Copyright servebench authors.

#include "servebench/bench/stability_rule.h"

#include <gtest/gtest.h>

namespace servebench {
namespace {

WindowStats Window(double throughput, double latency_us, double seconds = 0.5) {
  WindowStats w;
  w.seconds = seconds;
  w.throughput_rps = throughput;
  w.ok = static_cast<int64_t>(throughput * seconds);
  w.mean_latency_us = latency_us;
  return w;
}

TEST(StabilityRuleTest, LastThreeWindowsAgreeWithinTheTolerance) {
  // Means 100 req/s and 1000 us; 10% tolerance allows 90..110 and 900..1100.
  EXPECT_TRUE(LastThreeWindowsAgree({Window(95, 950), Window(100, 1000), Window(105, 1050)}, 0.1));
  // Throughput 800 is 20% below the mean of 1000 (500 requests a window: counting noise allows
  // 3 sqrt(500) / 0.5 s = 134 req/s, less than the 200 of the spread).
  EXPECT_FALSE(
      LastThreeWindowsAgree({Window(800, 1000), Window(1000, 1000), Window(1200, 1000)}, 0.1));
  EXPECT_FALSE(LastThreeWindowsAgree({Window(100, 800), Window(100, 1000), Window(100, 1200)},
                                     0.1));  // latency spread
  EXPECT_FALSE(LastThreeWindowsAgree({Window(100, 1000), Window(100, 1000)}, 0.1));  // two only
  EXPECT_FALSE(LastThreeWindowsAgree({Window(0, 0), Window(0, 0), Window(0, 0)}, 0.1));
  // Only the last three count.
  EXPECT_TRUE(LastThreeWindowsAgree(
      {Window(5, 90000), Window(100, 1000), Window(101, 1001), Window(99, 999)}, 0.1));
}

MeasurementSettings Settings() {
  MeasurementSettings m;
  m.window_ns = 500 * kNanosPerMilli;
  m.min_duration_ns = 2 * kNanosPerSecond;
  m.min_requests = 100;
  m.stability_tolerance = 0.1;
  return m;
}

TEST(StabilityRuleTest, SmallCountsGetThePoissonAllowance) {
  // 50 req/s in 0.5 s windows: 25 requests a window, whose count varies by sqrt(25) = 5 (20%)
  // under Poisson arrivals. Three deviations (15 requests, 30 req/s) are allowed.
  EXPECT_TRUE(LastThreeWindowsAgree({Window(36, 1000), Window(50, 1000), Window(64, 1000)}, 0.1));
  EXPECT_FALSE(LastThreeWindowsAgree({Window(10, 1000), Window(50, 1000), Window(90, 1000)}, 0.1));
  // At 10,000 requests a window the allowance is the tolerance: sqrt(10000) is only 1%.
  EXPECT_FALSE(
      LastThreeWindowsAgree({Window(17000, 1000), Window(20000, 1000), Window(23000, 1000)}, 0.1));
}

TEST(StabilityRuleTest, StopsOnlyWhenMinimumsAreMetAndWindowsAgree) {
  StabilityRule rule(Settings(), nullptr, nullptr);
  std::vector<WindowStats> windows = {Window(100, 1000), Window(100, 1000)};
  EXPECT_FALSE(rule.OnWindow(windows));  // fewer than three windows
  windows.push_back(Window(100, 1000));
  // 1.5 s measured plus the 0.5 s window in progress reach the 2 s minimum; 150 requests.
  EXPECT_TRUE(rule.OnWindow(windows));
  EXPECT_TRUE(rule.stable());
  EXPECT_FALSE(rule.server_died());
}

TEST(StabilityRuleTest, MinimumDurationAndCountHoldItBack) {
  MeasurementSettings m = Settings();
  m.min_duration_ns = 3 * kNanosPerSecond;
  StabilityRule by_time(m, nullptr, nullptr);
  std::vector<WindowStats> three = {Window(100, 1000), Window(100, 1000), Window(100, 1000)};
  EXPECT_FALSE(by_time.OnWindow(three));  // 1.5 s + 0.5 s < 3 s
  m = Settings();
  m.min_requests = 1000;
  StabilityRule by_count(m, nullptr, nullptr);
  EXPECT_FALSE(by_count.OnWindow(three));  // 150 requests < 1000
  EXPECT_FALSE(by_count.stable());
}

TEST(StabilityRuleTest, DeadServerEndsTheLevel) {
  bool alive = true;
  int starts = 0;
  StabilityRule rule(
      Settings(), [&] { return alive; }, [&] { ++starts; });
  rule.OnMeasurementStart();
  EXPECT_EQ(starts, 1);
  EXPECT_FALSE(rule.OnWindow({Window(100, 1000)}));
  alive = false;
  EXPECT_TRUE(rule.OnWindow({Window(100, 1000), Window(0, 0)}));
  EXPECT_TRUE(rule.server_died());
  EXPECT_FALSE(rule.stable());
}

}  // namespace
}  // namespace servebench

namespace servebench {
namespace {

TEST(StabilityRuleTest, OverloadEndsAnOpenLoopLevelEarly) {
  // 1,000 req/s offered; three 0.5 s windows delivering 200 req/s: 300 of 1,500 arrivals.
  StabilityRule overloaded(Settings(), nullptr, nullptr, 1000);
  EXPECT_TRUE(overloaded.OnWindow({Window(200, 5e5), Window(200, 9e5), Window(200, 13e5)}));
  EXPECT_TRUE(overloaded.overloaded());
  EXPECT_FALSE(overloaded.stable());
  // At 5 req/s a window holds 2.5 arrivals: a quiet stretch is chance, not overload.
  StabilityRule slow(Settings(), nullptr, nullptr, 5);
  EXPECT_FALSE(slow.OnWindow({Window(0, 0), Window(2, 1000), Window(0, 0)}));
  EXPECT_FALSE(slow.overloaded());
  // Closed loop (no offered rate) never counts as overloaded.
  StabilityRule closed(Settings(), nullptr, nullptr);
  EXPECT_FALSE(closed.OnWindow({Window(10, 5e5), Window(300, 5e5), Window(10, 5e5)}));
}

}  // namespace
}  // namespace servebench

namespace servebench {
namespace {

// A window of `ok` measured successes, `over` of them above the SLO's one bound.
WindowStats Judged(int64_t ok, int64_t over) {
  WindowStats w = Window(ok / 0.5, 1000);
  w.measured_ok = ok;
  w.over_bound = {over};
  return w;
}

Slo P99Within100Ms() {
  Slo slo;
  slo.constraints = {{99, 100 * kNanosPerMilli}};
  return slo;
}

// Stable windows are not enough while early stopping cannot judge the SLO. The stop rule asks
// 99.9% confidence at each look: at p99 a level needs 688 requests without an overrun
// (ln(0.001) / ln(0.99)), 920 with one.
TEST(StabilityRuleTest, AnSloKeepsTheLevelGoingUntilItCanBeJudged) {
  const Slo slo = P99Within100Ms();
  EXPECT_EQ(WindowBounds(slo), (std::vector<int64_t>{100 * kNanosPerMilli}));
  StabilityRule rule(Settings(), nullptr, nullptr, 0, &slo);
  std::vector<WindowStats> windows = {Judged(50, 0), Judged(50, 0), Judged(50, 0), Judged(50, 0)};
  EXPECT_FALSE(rule.OnWindow(windows));  // 200 requests: agreeing, but undecided
  EXPECT_FALSE(rule.slo_decided());
  while (windows.size() < 13) windows.push_back(Judged(50, 0));
  EXPECT_FALSE(rule.OnWindow(windows));  // 650 < 688
  windows.push_back(Judged(50, 1));      // 700 with one overrun: 920 needed
  EXPECT_FALSE(rule.OnWindow(windows));
  while (windows.size() < 18) windows.push_back(Judged(50, 0));  // 900
  EXPECT_FALSE(rule.OnWindow(windows));
  windows.push_back(Judged(50, 0));  // 950
  EXPECT_TRUE(rule.OnWindow(windows));
  EXPECT_TRUE(rule.slo_decided());
  EXPECT_TRUE(rule.stable());
  EXPECT_FALSE(rule.slo_exceeded());
  bool exceeded = true;
  EXPECT_TRUE(SloDecided(slo, windows, &exceeded));
  EXPECT_FALSE(exceeded);
}

// A constraint shown exceeded decides the level at once (after the minimums), agreeing or not.
TEST(StabilityRuleTest, AnExceededConstraintEndsTheLevel) {
  const Slo slo = P99Within100Ms();
  StabilityRule rule(Settings(), nullptr, nullptr, 0, &slo);
  // 150 requests, 20 over: P(Bin(150, 0.01) >= 20) is far below 1%. Windows disagree wildly.
  std::vector<WindowStats> windows = {Judged(10, 0), Judged(100, 10), Judged(40, 10)};
  windows[1].mean_latency_us = 90000;
  EXPECT_TRUE(rule.OnWindow(windows));
  EXPECT_TRUE(rule.slo_exceeded());
  EXPECT_FALSE(rule.stable());
  // Warm-up stragglers are not measured requests and do not count: WindowStats::measured_ok.
  std::vector<WindowStats> stragglers = {Judged(0, 0), Judged(0, 0), Judged(0, 0)};
  for (WindowStats& w : stragglers) w.ok = 200;
  bool exceeded = true;
  EXPECT_FALSE(SloDecided(slo, stragglers, &exceeded));
  EXPECT_FALSE(exceeded);
}

}  // namespace
}  // namespace servebench
