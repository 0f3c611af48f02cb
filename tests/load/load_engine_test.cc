// Copyright servebench authors.
//
// The load engine against real servers on loopback whose behaviour is known: what it measures
// must match what the server was told to do.

#include "servebench/load/load_engine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <thread>

#include "servebench/core/clock.h"
#include "test_http_server.h"

namespace servebench {
namespace {

using testing::TestHttpServer;

LoadSettings Closed(const TestHttpServer& server, int concurrency, double seconds) {
  LoadSettings s;
  std::string error;
  EXPECT_TRUE(ParseUrl(server.url(), &s.url, &error)) << error;
  s.mode = LoopMode::kClosed;
  s.concurrency = concurrency;
  s.connections = concurrency;
  s.warmup_ns = 200 * kNanosPerMilli;
  s.duration_ns = static_cast<int64_t>(seconds * kNanosPerSecond);
  return s;
}

LoadSettings Open(const TestHttpServer& server, Arrival arrival, double rate, int connections,
                  double seconds) {
  LoadSettings s = Closed(server, 1, seconds);
  s.mode = LoopMode::kOpen;
  s.arrival = arrival;
  s.rate = rate;
  s.connections = connections;
  return s;
}

LoadResult MustRun(const LoadSettings& s) {
  LoadResult result;
  std::string error;
  EXPECT_TRUE(RunLoad(s, nullptr, nullptr, &result, &error)) << error;
  return result;
}

TestHttpServer::Options FixedDelay(int64_t delay_ns) {
  TestHttpServer::Options o;
  o.delay_ns = [delay_ns](int64_t) { return delay_ns; };
  return o;
}

// The server answers after exactly 100 ms (a timer, so concurrent requests do not queue). The
// measured p50 and p99 must be that delay plus the loopback round trip measured against the
// same server with no delay, within 5% of the delay.
TEST(LoadEngineTest, KnownDelayIsMeasuredWithinFivePercent) {
  double overhead_us;
  {
    TestHttpServer fast({});
    LoadResult r = MustRun(Closed(fast, 1, 0.5));
    ASSERT_GT(r.counters.ok, 100);
    overhead_us = SummarizeMicros(r.latency).p50;
  }
  const double delay_us = 100'000;
  const double tolerance_us = 0.05 * delay_us;
  TestHttpServer server(FixedDelay(100 * kNanosPerMilli));

  LoadResult closed = MustRun(Closed(server, 8, 2.0));
  LatencySummary c = SummarizeMicros(closed.latency);
  ASSERT_GE(c.count, 120);
  EXPECT_EQ(closed.counters.errors.total(), 0);
  EXPECT_NEAR(c.p50, delay_us + overhead_us, tolerance_us);
  EXPECT_NEAR(c.p99, delay_us + overhead_us, tolerance_us);
  EXPECT_GE(c.p50, delay_us);  // never below the truth: percentiles round up within a bucket

  // Open loop well under capacity: no request waits, so latency and service time agree. Its
  // tail is checked at p90, as in grpc_load_test.cc: 200 requests in 2 s make the p99 their
  // second largest, which one scheduling stall of this VM moves (2026-12-02, full ctest runs: the
  // p99 was 5.2 and 6.5 ms over the truth, twice in a row, and right on the third try).
  LoadResult open = MustRun(Open(server, Arrival::kPoisson, 100, 32, 2.0));
  LatencySummary o = SummarizeMicros(open.latency);
  LatencySummary svc = SummarizeMicros(open.service_time);
  ASSERT_GE(o.count, 120);
  EXPECT_NEAR(o.p50, delay_us + overhead_us, tolerance_us);
  EXPECT_NEAR(o.p90, delay_us + overhead_us, tolerance_us);
  EXPECT_NEAR(svc.p90, delay_us + overhead_us, tolerance_us);
  EXPECT_EQ(open.counters.queued, 0);
}

// Closed-loop throughput is concurrency / latency: 4 connections at 50 ms give 80 req/s.
TEST(LoadEngineTest, ClosedLoopThroughputFollowsLittlesLaw) {
  TestHttpServer server(FixedDelay(50 * kNanosPerMilli));
  LoadResult r = MustRun(Closed(server, 4, 2.0));
  const double expected = 4 / (SummarizeMicros(r.latency).mean / 1e6);
  EXPECT_NEAR(r.throughput_rps(), expected, 0.1 * expected);
  EXPECT_NEAR(r.window_s, 2.0, 1e-9);
}

// Intended times come from the schedule alone: a server that answers slowly changes latencies,
// not how many requests are sent or when.
TEST(LoadEngineTest, OpenLoopSendsOnScheduleWhateverTheServerDoes) {
  TestHttpServer server(FixedDelay(200 * kNanosPerMilli));
  LoadSettings s = Open(server, Arrival::kConstant, 100, 64, 2.0);
  LoadResult r = MustRun(s);
  // Constant arrivals at 100/s: exactly 200 intended times fall in a 2 s window (the phase may
  // move one in or out at each edge).
  EXPECT_NEAR(r.counters.scheduled, 200, 1);
  EXPECT_EQ(r.counters.sent, r.counters.scheduled);
  EXPECT_EQ(r.counters.ok, r.counters.sent);
  EXPECT_EQ(r.counters.queued, 0);
  // Not the generator's fault either (allowing for a machine shared with other work).
  EXPECT_LT(r.late_fraction(), 0.1);
  LatencySummary lat = SummarizeMicros(r.latency);
  EXPECT_NEAR(lat.p50, 200'000, 10'000);
  LatencySummary lag = SummarizeMicros(r.schedule_lag);
  EXPECT_LT(lag.p50, 1000);  // sent within a millisecond of the intended time
}

TEST(LoadEngineTest, PoissonCountMatchesRate) {
  TestHttpServer server({});
  LoadSettings s = Open(server, Arrival::kPoisson, 500, 16, 2.0);
  s.threads = 2;
  LoadResult r = MustRun(s);
  // A Poisson count with mean 1000 has standard deviation sqrt(1000) ~ 32; 6 sigma ~ 190.
  EXPECT_NEAR(r.counters.scheduled, 1000, 190);
  EXPECT_EQ(r.counters.ok, r.counters.scheduled);
}

TEST(LoadEngineTest, TraceIsReplayedExactlyOnce) {
  TestHttpServer server({});
  auto trace = std::make_shared<Trace>();
  for (int i = 0; i < 60; ++i) trace->offsets_ns.push_back(i * 10 * kNanosPerMilli);
  LoadSettings s = Open(server, Arrival::kTrace, 0, 4, 2.0);
  s.trace = trace;
  s.threads = 2;
  s.warmup_ns = 0;
  LoadResult r = MustRun(s);
  EXPECT_EQ(r.counters.scheduled, 60);
  EXPECT_EQ(r.counters.ok, 60);
  EXPECT_EQ(server.requests(), 60);
}

TEST(LoadEngineTest, HttpErrorsAreCountedNotTimed) {
  TestHttpServer::Options o;
  o.status = 503;
  TestHttpServer server(o);
  LoadResult r = MustRun(Closed(server, 2, 0.5));
  EXPECT_GT(r.counters.completed, 10);
  EXPECT_EQ(r.counters.ok, 0);
  EXPECT_EQ(r.counters.errors.http_status, r.counters.completed);
  EXPECT_EQ(r.counters.status_codes[503], r.counters.completed);
  EXPECT_EQ(r.latency.count(), 0);
  EXPECT_EQ(r.throughput_rps(), 0);
}

TEST(LoadEngineTest, SlowResponsesTimeOut) {
  TestHttpServer server(FixedDelay(400 * kNanosPerMilli));
  LoadSettings s = Closed(server, 2, 1.0);
  s.warmup_ns = 0;
  s.timeout_ns = 100 * kNanosPerMilli;
  LoadResult r = MustRun(s);
  EXPECT_GT(r.counters.errors.timeout, 10);
  EXPECT_EQ(r.counters.ok, 0);
  EXPECT_EQ(r.counters.errors.timeout, r.counters.sent);
  // Every timed-out connection was replaced by a new one.
  EXPECT_GE(r.counters.reconnects, r.counters.errors.timeout);
}

TEST(LoadEngineTest, ConnectionCloseResponsesAreFollowedByNewConnections) {
  TestHttpServer::Options o;
  o.close_after_response = true;
  TestHttpServer server(o);
  LoadResult r = MustRun(Closed(server, 2, 0.5));
  EXPECT_GT(r.counters.ok, 20);
  EXPECT_EQ(r.counters.errors.total(), 0);
  EXPECT_GE(r.counters.reconnects, r.counters.ok);
}

TEST(LoadEngineTest, ThreadsShareTheWorkAndTheirCountsAdd) {
  TestHttpServer server(FixedDelay(2 * kNanosPerMilli));
  LoadSettings s = Closed(server, 6, 0.5);
  s.threads = 3;
  s.warmup_ns = 0;
  LoadResult r = MustRun(s);
  EXPECT_GT(r.counters.ok, 300);
  EXPECT_EQ(r.counters.ok, r.latency.count());
  // Every request the server saw was sent by the run and measured (no warm-up here).
  EXPECT_EQ(server.requests(), r.counters.sent);
}

TEST(LoadEngineTest, RefusedConnectionFailsFastWithAClearMessage) {
  LoadSettings s;
  std::string error;
  ASSERT_TRUE(ParseUrl("http://127.0.0.1:" + std::to_string(testing::UnusedLoopbackPort()) + "/",
                       &s.url, &error));
  LoadResult r;
  const int64_t start = MonotonicNanos();
  EXPECT_FALSE(RunLoad(s, nullptr, nullptr, &r, &error));
  EXPECT_LT(MonotonicNanos() - start, kNanosPerSecond);
  EXPECT_NE(error.find("connect to 127.0.0.1:"), std::string::npos) << error;
  EXPECT_NE(error.find("refused"), std::string::npos) << error;
}

TEST(LoadEngineTest, InterruptEndsTheWindowEarly) {
  TestHttpServer server({});
  LoadSettings s = Closed(server, 1, 30.0);
  s.warmup_ns = 0;
  std::atomic<bool> interrupt{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    interrupt = true;
  });
  LoadResult r;
  std::string error;
  const int64_t start = MonotonicNanos();
  ASSERT_TRUE(RunLoad(s, nullptr, &interrupt, &r, &error)) << error;
  stopper.join();
  EXPECT_LT(MonotonicNanos() - start, 2 * kNanosPerSecond);
  EXPECT_TRUE(r.interrupted);
  EXPECT_LT(r.window_s, 1.0);
  EXPECT_GT(r.counters.ok, 0);
}

// An observer sees each window close and ends the measurement at a window boundary: the end of
// the window in progress when it decides.
TEST(LoadEngineTest, ObserverEndsTheMeasurementAtAWindowBoundary) {
  class StopAfterTwo : public MeasurementObserver {
   public:
    void OnMeasurementStart() override { ++starts; }
    bool OnWindow(const std::vector<WindowStats>& windows) override {
      seen = windows;
      return windows.size() == 2;
    }
    int starts = 0;
    std::vector<WindowStats> seen;
  } observer;
  TestHttpServer server(FixedDelay(2 * kNanosPerMilli));
  LoadSettings s = Closed(server, 4, 30.0);
  s.window_ns = 200 * kNanosPerMilli;
  LoadHooks hooks;
  hooks.observer = &observer;
  LoadResult r;
  std::string error;
  const int64_t start = MonotonicNanos();
  ASSERT_TRUE(RunLoad(s, hooks, &r, &error)) << error;
  EXPECT_LT(MonotonicNanos() - start, 3 * kNanosPerSecond);
  EXPECT_EQ(observer.starts, 1);
  ASSERT_EQ(observer.seen.size(), 2u);  // not asked again once it said stop
  ASSERT_EQ(r.windows.size(), 3u);
  EXPECT_DOUBLE_EQ(r.window_s, 0.6);
  EXPECT_FALSE(r.interrupted);
  int64_t ok = 0;
  for (const WindowStats& w : r.windows) {
    EXPECT_DOUBLE_EQ(w.seconds, 0.2);
    EXPECT_GT(w.ok, 0);
    // 4 connections at ~2 ms each: about 2,000 req/s, mean latency a little over 2 ms.
    EXPECT_NEAR(w.throughput_rps, w.ok / 0.2, 1e-9);
    EXPECT_GT(w.mean_latency_us, 2000);
    EXPECT_LT(w.mean_latency_us, 20000);
    ok += w.ok;
  }
  // The windows tally completions in the span, as ok_in_window does.
  EXPECT_EQ(ok, r.counters.ok_in_window);
  EXPECT_EQ(r.ToJson()["windows"].size(), 3u);
}

// Each window counts the successes whose latency exceeded each of the settings' window bounds:
// against a server that answers every 4th request after 30 ms and the rest at once, a 10 ms
// bound is exceeded by a quarter of them and a 1 s bound by none.
TEST(LoadEngineTest, WindowsCountLatenciesAboveTheirBounds) {
  TestHttpServer::Options o;
  auto n = std::make_shared<int64_t>(0);
  o.delay_ns = [n](int64_t) { return (*n)++ % 4 == 3 ? 30 * kNanosPerMilli : int64_t{0}; };
  TestHttpServer server(o);
  LoadSettings s = Closed(server, 1, 1.0);
  s.window_ns = 250 * kNanosPerMilli;
  s.window_bounds_ns = {10 * kNanosPerMilli, kNanosPerSecond};
  const LoadResult r = MustRun(s);
  ASSERT_EQ(r.windows.size(), 4u);
  int64_t ok = 0, over_10ms = 0;
  for (const WindowStats& w : r.windows) {
    ASSERT_EQ(w.over_bound.size(), 2u);
    EXPECT_EQ(w.over_bound[1], 0);
    EXPECT_LE(w.over_bound[0], w.measured_ok);
    EXPECT_LE(w.measured_ok, w.ok);
    ok += w.measured_ok;
    over_10ms += w.over_bound[0];
  }
  // One request in four takes 30 ms (ones at either end of a window may fall in the next). Only
  // requests of the measured span count, as in the histogram: a warm-up request completing in the
  // first window does not.
  EXPECT_NEAR(static_cast<double>(over_10ms) / ok, 0.25, 0.05) << over_10ms << " of " << ok;
  // The histogram agrees: its requests above 10 ms are the same kind of count.
  const int64_t above = r.latency.count() - r.latency.CountAtOrBelow(10 * kNanosPerMilli);
  EXPECT_NEAR(static_cast<double>(above), static_cast<double>(over_10ms), 3);
  std::string error;
  s.window_bounds_ns = {0};
  EXPECT_FALSE(ValidateLoadSettings(s, &error));
  EXPECT_NE(error.find("window bounds"), std::string::npos) << error;
}

TEST(LoadEngineTest, ResultJsonHasTheStableFields) {
  TestHttpServer server({});
  LoadResult r = MustRun(Open(server, Arrival::kPoisson, 200, 4, 0.3));
  nlohmann::json j = r.ToJson();
  for (const char* key :
       {"mode", "arrival", "target_rate", "concurrency", "connections", "duration_s", "warmup_s",
        "requests", "throughput_rps", "latency_us", "service_time_us", "generator", "histogram"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["mode"], "open");
  EXPECT_EQ(j["arrival"], "poisson");
  for (const char* key : {"sent", "completed", "ok", "errors"}) {
    EXPECT_TRUE(j["requests"].contains(key)) << key;
  }
  for (const char* key : {"connect", "timeout", "http_status", "protocol", "validation"}) {
    EXPECT_TRUE(j["requests"]["errors"].contains(key)) << key;
  }
  for (const char* key : {"p50", "p90", "p95", "p99", "p999", "p9999", "max", "mean", "stddev"}) {
    EXPECT_TRUE(j["latency_us"].contains(key)) << key;
    EXPECT_TRUE(j["service_time_us"].contains(key)) << key;
  }
  for (const char* key : {"late_fraction", "schedule_lag_us", "cpu_seconds", "cpu_utilization"}) {
    EXPECT_TRUE(j["generator"].contains(key)) << key;
  }
  // The serialised histogram is the latency histogram.
  Histogram h = Histogram::ForLatency();
  std::string error;
  ASSERT_TRUE(Histogram::FromJson(j["histogram"], &h, &error)) << error;
  EXPECT_EQ(h.count(), r.latency.count());
  EXPECT_EQ(h.ValueAtPercentile(99), r.latency.ValueAtPercentile(99));
}

}  // namespace
}  // namespace servebench
