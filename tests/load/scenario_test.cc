// Copyright servebench authors.
//
// The four MLPerf scenarios against a test server that logs when each request arrived and when
// it was answered: the query pattern each scenario promises is checked from that log, and its
// metric against what the server was told to do.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <vector>

#include "servebench/core/clock.h"
#include "servebench/core/early_stopping.h"
#include "servebench/load/load_engine.h"
#include "servebench/load/load_scenario.h"
#include "servebench/load/load_scenario_result.h"
#include "test_http_server.h"

namespace servebench {
namespace {

using testing::TestHttpServer;
using Logged = TestHttpServer::LoggedRequest;

constexpr int64_t kMs = kNanosPerMilli;

LoadSettings Base(const TestHttpServer& server) {
  LoadSettings s;
  std::string error;
  EXPECT_TRUE(ParseUrl(server.url(), &s.url, &error)) << error;
  s.warmup_ns = 100 * kMs;
  return s;
}

LoadResult MustRun(const LoadScenarioSettings& scenario, LoadSettings s) {
  std::string error;
  EXPECT_TRUE(ApplyLoadScenario(scenario, &s, &error)) << error;
  LoadResult result;
  EXPECT_TRUE(RunLoad(s, nullptr, nullptr, &result, &error)) << error;
  return result;
}

TestHttpServer::Options FixedDelay(int64_t delay_ns) {
  TestHttpServer::Options o;
  o.delay_ns = [delay_ns](int64_t) { return delay_ns; };
  return o;
}

std::vector<int64_t> Arrivals(const std::vector<Logged>& log) {
  std::vector<int64_t> v;
  for (const Logged& r : log) v.push_back(r.arrival_ns);
  std::sort(v.begin(), v.end());
  return v;
}

// SingleStream: one request at a time on one connection, each sent only after the previous one
// was answered; the run stops at the first query that completes with both minimums met.
TEST(ScenarioTest, SingleStreamNeverOverlapsAndStopsOnceBothMinimumsAreMet) {
  TestHttpServer server(FixedDelay(5 * kMs));
  LoadScenarioSettings sc = DefaultLoadScenarioSettings(LoadScenario::kSingleStream);
  EXPECT_EQ(sc.percentile, 90);
  EXPECT_EQ(sc.min_queries, 64);  // the early-stopping minimum at p90
  sc.min_duration_ns = 200 * kMs;
  sc.min_queries = 100;  // 100 queries of 5 ms: the count, not the duration, ends the run
  LoadResult r = MustRun(sc, Base(server));

  EXPECT_EQ(r.counters.queries, 100);
  EXPECT_EQ(r.counters.queries_ok, 100);
  EXPECT_EQ(r.counters.errors.total(), 0);
  EXPECT_GE(r.window_s, 0.5);
  EXPECT_LT(r.window_s, 3.0);

  const std::vector<Logged> log = server.request_log();
  ASSERT_GE(log.size(), 100u);
  EXPECT_EQ(r.counters.sent, 100);  // the log also holds the warm-up's queries
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].connection, log[0].connection) << i;
    ASSERT_GT(log[i].respond_ns, 0) << i;
    if (i > 0) {
      EXPECT_GT(log[i].arrival_ns, log[i - 1].respond_ns) << "request " << i << " overlapped";
    }
  }

  // Query and request latency are the same thing here, and the metric is the early-stopping
  // estimate of its p90.
  EXPECT_EQ(r.query_latency.count(), 100);
  EXPECT_EQ(r.query_latency.max(), r.latency.max());
  EXPECT_EQ(r.query_latency.ValueAtPercentile(50), r.latency.ValueAtPercentile(50));
  const LoadScenarioOutcome o = SummarizeLoadScenario(r);
  EXPECT_TRUE(o.min_duration_met);
  EXPECT_TRUE(o.min_queries_met);
  ASSERT_TRUE(o.metric_defined);
  EarlyStoppingSettings es;
  es.percentile = 90;
  const EarlyStoppingEstimate e = EarlyStoppingPercentile(r.query_latency, es);
  EXPECT_EQ(o.metric, e.value / 1e3);
  EXPECT_GE(o.metric, 5000);  // never below the server's delay
  EXPECT_GE(e.value, r.query_latency.ValueAtPercentile(90));
  EXPECT_EQ(o.metric_name, "p90_latency_us");
}

// MultiStream: each query's 8 requests reach the server before any of them is answered, on 8
// connections; the next query comes only after all 8 were answered. One request of each query
// is held 20 ms: the query's latency is that slowest request's.
TEST(ScenarioTest, MultiStreamSendsEachQueryTogetherAndItsLatencyIsTheSlowestSamples) {
  constexpr int kSamples = 8;
  constexpr int64_t kSlowNs = 20 * kMs;
  TestHttpServer::Options options;
  // Queries never overlap, so requests 8k .. 8k+7 in arrival order are query k's.
  options.delay_for_request = [](int64_t n) { return n % kSamples == 3 ? kSlowNs : kMs; };
  TestHttpServer server(options);
  LoadScenarioSettings sc = DefaultLoadScenarioSettings(LoadScenario::kMultiStream);
  EXPECT_EQ(sc.samples_per_query, kSamples);
  EXPECT_EQ(sc.percentile, 99);
  EXPECT_EQ(sc.min_queries, 662);
  sc.min_duration_ns = 300 * kMs;
  sc.min_queries = 20;
  LoadResult r = MustRun(sc, Base(server));
  EXPECT_EQ(r.settings.connections, kSamples);
  EXPECT_EQ(r.counters.queries, 20);
  EXPECT_EQ(r.counters.queries_ok, 20);
  EXPECT_EQ(r.counters.sent, 20 * kSamples);
  EXPECT_EQ(r.counters.errors.total(), 0);

  const std::vector<Logged> log = server.request_log();
  ASSERT_EQ(log.size() % kSamples, 0u);
  std::vector<int64_t> spreads;
  int64_t previous_last_response = 0;
  for (size_t q = 0; q < log.size() / kSamples; ++q) {
    int64_t first_arrival = INT64_MAX, last_arrival = 0;
    int64_t first_response = INT64_MAX, last_response = 0;
    std::set<int64_t> connections;
    for (size_t i = q * kSamples; i < (q + 1) * kSamples; ++i) {
      first_arrival = std::min(first_arrival, log[i].arrival_ns);
      last_arrival = std::max(last_arrival, log[i].arrival_ns);
      ASSERT_GT(log[i].respond_ns, 0);
      first_response = std::min(first_response, log[i].respond_ns);
      last_response = std::max(last_response, log[i].respond_ns);
      connections.insert(log[i].connection);
    }
    EXPECT_EQ(connections.size(), static_cast<size_t>(kSamples)) << "query " << q;
    // Sent together: every request of the query arrived before any was answered.
    EXPECT_LT(last_arrival, first_response) << "query " << q;
    // The next query only after all of the previous one's requests were answered.
    EXPECT_GT(first_arrival, previous_last_response) << "query " << q;
    previous_last_response = last_response;
    spreads.push_back(last_arrival - first_arrival);
  }
  std::sort(spreads.begin(), spreads.end());
  EXPECT_LT(spreads[spreads.size() / 2], kMs) << "arrivals of a query spread over more than 1 ms";

  // Query latency: from the query's issue to its slowest request, the one held 20 ms.
  ASSERT_EQ(r.query_latency.count(), 20);
  EXPECT_GE(r.query_latency.min(), kSlowNs);
  EXPECT_LT(r.query_latency.ValueAtPercentile(50), kSlowNs + 5 * kMs);
  EXPECT_EQ(r.query_latency.max(), r.latency.max());  // the slowest request is a query's latency
  // Per request, one in eight is the slow one.
  EXPECT_LT(r.latency.ValueAtPercentile(85), kSlowNs);
  EXPECT_GE(r.latency.ValueAtPercentile(90), kSlowNs);
  const LoadScenarioOutcome o = SummarizeLoadScenario(r);
  EXPECT_EQ(o.metric_name, "p99_query_latency_us");
  EXPECT_FALSE(o.metric_defined);  // 20 queries do not define a p99 estimate (662 do)
  EXPECT_EQ(o.estimate.min_queries, 662);
}

// Offline: 12 requests (24 samples, 2 a request) on 4 connections against a server that answers
// each after 40 ms: 4 go at the start, and each of the rest the moment a connection frees.
TEST(ScenarioTest, OfflineSendsEverythingAtTheStartAsConnectionsAllow) {
  constexpr int64_t kDelayNs = 40 * kMs;
  TestHttpServer server(FixedDelay(kDelayNs));
  LoadScenarioSettings sc = DefaultLoadScenarioSettings(LoadScenario::kOffline);
  sc.total_samples = 24;
  sc.samples_per_request = 2;
  sc.min_duration_ns = 50 * kMs;
  LoadSettings s = Base(server);
  s.warmup_ns = 0;
  s.connections = 4;
  LoadResult r = MustRun(sc, s);
  EXPECT_EQ(r.counters.scheduled, 12);
  EXPECT_EQ(r.counters.ok, 12);
  EXPECT_EQ(r.counters.queued, 8);  // all but the first 4 waited for a connection

  const std::vector<Logged> log = server.request_log();
  ASSERT_EQ(log.size(), 12u);
  const std::vector<int64_t> arrivals = Arrivals(log);
  std::vector<int64_t> responses;
  for (const Logged& l : log) responses.push_back(l.respond_ns);
  std::sort(responses.begin(), responses.end());
  EXPECT_LT(arrivals[3] - arrivals[0], kDelayNs / 4) << "the first 4 did not go together";
  for (size_t i = 4; i < arrivals.size(); ++i) {
    // Never more than 4 in flight, and no idle connection while requests wait.
    EXPECT_GT(arrivals[i], responses[i - 4]) << i;
    EXPECT_LT(arrivals[i] - responses[i - 4], kDelayNs / 2) << i;
  }

  // Every latency counts from the start: the three rounds take 40, 80 and 120 ms.
  EXPECT_GE(r.latency.min(), kDelayNs);
  EXPECT_LT(r.latency.min(), kDelayNs + 20 * kMs);
  EXPECT_GE(r.latency.max(), 3 * kDelayNs);
  EXPECT_LT(r.latency.max(), 3 * kDelayNs + 60 * kMs);

  const LoadScenarioOutcome o = SummarizeLoadScenario(r);
  EXPECT_EQ(o.metric_name, "samples_per_second");
  ASSERT_TRUE(o.metric_defined);
  EXPECT_EQ(o.ok_samples, 24);
  EXPECT_DOUBLE_EQ(o.metric, 24 / r.last_completion_s);
  EXPECT_DOUBLE_EQ(r.window_s, r.last_completion_s);
  EXPECT_NEAR(r.last_completion_s, r.latency.max() / 1e9, 1e-3);
  EXPECT_TRUE(o.min_duration_met);
  EXPECT_TRUE(o.min_queries_met);
}

// The Kolmogorov-Smirnov statistic of `samples` against Exp(rate): the largest distance between
// their empirical distribution function and 1 - exp(-rate x).
double KolmogorovSmirnovExponential(std::vector<double> samples, double rate) {
  std::sort(samples.begin(), samples.end());
  const double n = static_cast<double>(samples.size());
  double d = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    const double f = 1 - std::exp(-rate * samples[i]);
    d = std::max({d, (i + 1) / n - f, f - i / n});
  }
  return d;
}

// The critical value of that statistic at significance alpha for n samples of a fully specified
// distribution: the asymptotic Kolmogorov quantile sqrt(-ln(alpha / 2) / 2) with Stephens'
// finite-sample correction, 1 / (sqrt(n) + 0.12 + 0.11 / sqrt(n)).
double KolmogorovSmirnovCritical(size_t n, double alpha) {
  const double root = std::sqrt(static_cast<double>(n));
  return std::sqrt(-std::log(alpha / 2) / 2) / (root + 0.12 + 0.11 / root);
}

std::vector<double> GapsSeconds(const std::vector<Logged>& log) {
  const std::vector<int64_t> arrivals = Arrivals(log);
  std::vector<double> gaps;
  for (size_t i = 1; i < arrivals.size(); ++i)
    gaps.push_back((arrivals[i] - arrivals[i - 1]) / 1e9);
  return gaps;
}

// Server: the gaps between arrivals at the server are exponential with mean 1 / rate (a
// Kolmogorov-Smirnov test at 1%, fixed seed). The same test rejects constant arrivals, so it can
// fail.
TEST(ScenarioTest, ServerArrivalGapsAreExponential) {
  constexpr double kRate = 200;
  TestHttpServer server({});
  LoadScenarioSettings sc = DefaultLoadScenarioSettings(LoadScenario::kServer);
  sc.target_rate = kRate;
  sc.seed = 7;
  sc.min_duration_ns = 5 * kNanosPerSecond;
  LoadResult r = MustRun(sc, Base(server));
  EXPECT_EQ(r.settings.arrival, Arrival::kPoisson);
  EXPECT_EQ(r.counters.ok, r.counters.scheduled);

  const std::vector<double> gaps = GapsSeconds(server.request_log());
  ASSERT_GT(gaps.size(), 800u);
  const double d = KolmogorovSmirnovExponential(gaps, kRate);
  const double critical = KolmogorovSmirnovCritical(gaps.size(), 0.01);
  EXPECT_LT(d, critical) << gaps.size() << " gaps";
  double mean = 0;
  for (double g : gaps) mean += g / gaps.size();
  // The mean of n exponential gaps has standard deviation (1 / rate) / sqrt(n).
  EXPECT_NEAR(mean, 1 / kRate, 4 / kRate / std::sqrt(static_cast<double>(gaps.size())));

  const LoadScenarioOutcome o = SummarizeLoadScenario(r);
  EXPECT_EQ(o.metric_name, "target_rate");
  EXPECT_EQ(o.metric, kRate);
  EXPECT_TRUE(o.min_queries_met);  // about 1,000 >= 662
  EXPECT_TRUE(o.estimate.defined);

  // Negative control: evenly spaced arrivals at the same rate are far from exponential.
  TestHttpServer constant_server({});
  LoadSettings s = Base(constant_server);
  s.mode = LoopMode::kOpen;
  s.arrival = Arrival::kConstant;
  s.rate = kRate;
  s.connections = 4;
  s.duration_ns = 2 * kNanosPerSecond;
  LoadResult c;
  std::string error;
  ASSERT_TRUE(RunLoad(s, nullptr, nullptr, &c, &error)) << error;
  const std::vector<double> even = GapsSeconds(constant_server.request_log());
  EXPECT_GT(KolmogorovSmirnovExponential(even, kRate),
            KolmogorovSmirnovCritical(even.size(), 0.01));
}

// Server: the window is sized from the schedule to hold min_queries intended times when the
// minimum duration alone would hold fewer, and is capped at the max duration.
TEST(ScenarioTest, ServerWindowHoldsTheMinimumQueries) {
  TestHttpServer server({});
  LoadScenarioSettings sc = DefaultLoadScenarioSettings(LoadScenario::kServer);
  sc.target_rate = 500;
  sc.min_duration_ns = 200 * kMs;
  sc.min_queries = 300;  // about 0.6 s at 500/s
  LoadResult r = MustRun(sc, Base(server));
  EXPECT_EQ(r.counters.scheduled, 300);
  EXPECT_GT(r.window_s, 0.4);
  EXPECT_LT(r.window_s, 0.8);
  EXPECT_TRUE(SummarizeLoadScenario(r).min_queries_met);

  sc.min_queries = 10;  // the duration decides
  LoadSettings s = Base(server);
  std::string error;
  ASSERT_TRUE(ApplyLoadScenario(sc, &s, &error)) << error;
  EXPECT_EQ(s.duration_ns, 200 * kMs);

  // At a high rate the minimum duration is sure to hold the queries: no replay of 10^7 arrivals.
  LoadScenarioSettings fast = sc;
  fast.target_rate = 1e6;
  fast.min_duration_ns = 10 * kNanosPerSecond;
  fast.min_queries = 662;
  const int64_t before = MonotonicNanos();
  ASSERT_TRUE(ApplyLoadScenario(fast, &s, &error)) << error;
  EXPECT_LT(MonotonicNanos() - before, 50 * kMs);
  EXPECT_EQ(s.duration_ns, 10 * kNanosPerSecond);

  sc.min_queries = 100000;  // the cap decides, and the result says the minimum was not met
  sc.max_duration_ns = 300 * kMs;
  r = MustRun(sc, Base(server));
  EXPECT_NEAR(r.window_s, 0.3, 1e-9);
  EXPECT_FALSE(SummarizeLoadScenario(r).min_queries_met);
}

// A latency bound is judged with early stopping on the metric's histogram.
TEST(ScenarioTest, LatencyBoundVerdictFollowsTheServersLatency) {
  TestHttpServer server(FixedDelay(3 * kMs));
  LoadScenarioSettings sc = DefaultLoadScenarioSettings(LoadScenario::kSingleStream);
  sc.min_duration_ns = 0;
  sc.latency_bound_ns = 100 * kMs;  // every query is within it: met after 44 queries at p90
  LoadSettings s = Base(server);
  s.warmup_ns = 0;
  LoadScenarioOutcome met = SummarizeLoadScenario(MustRun(sc, s));
  ASSERT_TRUE(met.bound_judged);
  EXPECT_EQ(met.bound.verdict, BoundVerdict::kMet);
  sc.latency_bound_ns = kMs;  // every query exceeds it
  LoadScenarioOutcome not_met = SummarizeLoadScenario(MustRun(sc, s));
  EXPECT_EQ(not_met.bound.verdict, BoundVerdict::kNotMet);
  EXPECT_EQ(not_met.bound.overruns, 64);
}

TEST(ScenarioTest, ResultJsonCarriesTheScenarioItsSettingsAndMetric) {
  TestHttpServer server({});
  LoadScenarioSettings sc = DefaultLoadScenarioSettings(LoadScenario::kMultiStream);
  sc.samples_per_query = 2;
  sc.min_duration_ns = 100 * kMs;
  LoadResult r = MustRun(sc, Base(server));
  const nlohmann::json j = r.ToJson();
  ASSERT_TRUE(j.contains("scenario"));
  const nlohmann::json& s = j["scenario"];
  EXPECT_EQ(s["name"], "multi-stream");
  EXPECT_EQ(s["settings"]["samples_per_query"], 2);
  EXPECT_EQ(s["settings"]["percentile"], 99);
  EXPECT_EQ(s["settings"]["min_queries"], 662);
  EXPECT_EQ(s["settings"]["min_duration_s"], 0.1);
  EXPECT_EQ(s["queries"], r.counters.queries);
  EXPECT_GE(s["queries"].get<int64_t>(), 662);
  EXPECT_EQ(s["metric"]["name"], "p99_query_latency_us");
  EXPECT_EQ(s["metric"]["value"], s["early_stopping"]["value_us"]);
  EXPECT_GT(s["metric"]["value"].get<double>(), 0);
  EXPECT_EQ(s["min_queries_met"], true);
  // The query-latency histogram beside the per-request one.
  Histogram h = Histogram::ForLatency();
  std::string error;
  ASSERT_TRUE(Histogram::FromJson(j["query_histogram"], &h, &error)) << error;
  EXPECT_EQ(h.count(), r.counters.queries_ok);
  EXPECT_EQ(j["query_latency_us"]["count"], r.counters.queries_ok);
}

TEST(ScenarioTest, BadSettingsAreExplained) {
  struct Case {
    LoadScenarioSettings scenario;
    int64_t warmup_ns;
    std::string expected;
  };
  auto with = [](LoadScenario kind, auto change) {
    LoadScenarioSettings s = DefaultLoadScenarioSettings(kind);
    change(s);
    return s;
  };
  const Case cases[] = {
      {with(LoadScenario::kOffline,
            [](auto& s) {
              s.total_samples = 10;
              s.samples_per_request = 3;
            }),
       0, "must be a multiple of samples per request"},
      {with(LoadScenario::kOffline, [](auto& s) { s.total_samples = 10; }), kMs, "no warm-up"},
      {with(LoadScenario::kOffline, [](auto&) {}), 0, "total samples must be at least 1"},
      {with(LoadScenario::kMultiStream, [](auto& s) { s.samples_per_query = 0; }), 0,
       "samples per query"},
      {with(LoadScenario::kServer, [](auto&) {}), 0, "target rate"},
      {with(LoadScenario::kSingleStream, [](auto& s) { s.percentile = 100; }), 0, "percentile"},
      {with(LoadScenario::kSingleStream,
            [](auto& s) { s.min_duration_ns = 2 * s.max_duration_ns; }),
       0, "min duration exceeds max duration"},
  };
  for (const Case& c : cases) {
    LoadSettings s;
    s.warmup_ns = c.warmup_ns;
    std::string error;
    EXPECT_FALSE(ApplyLoadScenario(c.scenario, &s, &error)) << c.expected;
    EXPECT_NE(error.find(c.expected), std::string::npos) << error;
  }
  // Settings filled by hand that disagree with their scenario.
  LoadSettings s;
  s.scenario = DefaultLoadScenarioSettings(LoadScenario::kSingleStream);
  s.concurrency = s.connections = 2;
  std::string error;
  EXPECT_FALSE(ValidateLoadSettings(s, &error));
  EXPECT_NE(error.find("ApplyLoadScenario"), std::string::npos) << error;
}

// With a send spin, an open-loop worker sends on its intended times even when waking from a
// sleep is slow: against an idle server at a low rate, the median lag is a few microseconds
// while the spin is in force (it pauses while other work wants the core). Without one (0),
// sends still go on schedule, through the timer alone.
TEST(ScenarioTest, SendSpinAndPlainTimerBothSendOnSchedule) {
  TestHttpServer server({});
  LoadSettings s = Base(server);
  s.mode = LoopMode::kOpen;
  s.arrival = Arrival::kPoisson;
  s.rate = 1000;
  s.connections = 8;
  s.duration_ns = kNanosPerSecond;
  for (int64_t spin : {int64_t{200} * kNanosPerMicro, int64_t{0}}) {
    s.send_spin_ns = spin;
    LoadResult r;
    std::string error;
    ASSERT_TRUE(RunLoad(s, nullptr, nullptr, &r, &error)) << error;
    EXPECT_NEAR(r.counters.scheduled, 1000, 190);  // 6 sigma of a Poisson count
    EXPECT_EQ(r.counters.ok, r.counters.scheduled);
    const int64_t lag_p50 = r.schedule_lag.ValueAtPercentile(50);
    EXPECT_LT(lag_p50, kMs) << "spin " << spin;
    const double paused = r.ToJson()["generator"]["send_spin_paused_fraction"];
    if (spin == 0) {
      EXPECT_EQ(paused, 0);
    } else if (paused < 0.2) {
      // The spin was in force: sends go within microseconds of their times.
      EXPECT_LT(lag_p50, 20 * kNanosPerMicro) << "spin " << spin << ", paused " << paused;
    } else {
      // Other work wanted this core, and the spin paused (send_spin_test.cc checks when).
      std::printf("core contended (spin paused %.0f%% of the run): lag p50 %.1f us\n", paused * 100,
                  lag_p50 / 1e3);
    }
  }
}

}  // namespace
}  // namespace servebench
