// Copyright servebench authors.
//
// Several generators for one server (bench/generator_group.h). The merge is checked against
// the truth of raw latencies recorded on the side: the merged histogram, after each part went
// through the JSON the processes exchange, has their count and, at every percentile, the
// value a histogram of all of them reports, which is within one bucket above the raw
// percentile. Then two real generator processes run against one server: counts add, the
// throughput is the sum, and every response passed the check the generators rebuilt.

#include "servebench/bench/generator_group.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <random>

#include "fake_kserve.h"
#include "servebench/protocols/protocol_adapter.h"
#include "test_http_server.h"

namespace servebench {
namespace {

namespace fs = std::filesystem;

// The raw percentile: the smallest value v with at least ceil(p/100 n) values <= v (99.9% of
// 27000 values is 26973 of them, though 99.9 / 100 * 27000 rounds to a hair above).
int64_t RawPercentile(std::vector<int64_t> values, double p) {
  std::sort(values.begin(), values.end());
  const double exact = p * static_cast<double>(values.size()) / 100.0;
  const double nearest = std::round(exact);
  const size_t rank =
      static_cast<size_t>(std::fabs(exact - nearest) < 1e-9 ? nearest : std::ceil(exact));
  return values[std::max<size_t>(rank, 1) - 1];
}

LoadResult Through(const LoadResult& r) {
  LoadResult back;
  std::string error;
  EXPECT_TRUE(LoadResultFromJson(nlohmann::json::parse(LoadResultJson(r).dump()), &back, &error))
      << error;
  return back;
}

TEST(GeneratorGroupTest, TheMergeIsExactAgainstRawLatencies) {
  std::mt19937_64 random(7);
  // Two generators that saw different latencies: one fast and narrow, one slow with a tail.
  std::lognormal_distribution<double> fast(std::log(800e3), 0.3), slow(std::log(3e6), 0.8);
  std::vector<int64_t> raw;
  LoadResult a, b;
  a.window_s = 2.0;
  b.window_s = 2.003;  // each on its own clock
  for (int i = 0; i < 20000; ++i) {
    const auto v = static_cast<int64_t>(fast(random));
    a.latency.Record(v);
    a.service_time.Record(v / 2);
    raw.push_back(v);
  }
  for (int i = 0; i < 7000; ++i) {
    const auto v = static_cast<int64_t>(slow(random));
    b.latency.Record(v);
    b.service_time.Record(v / 2);
    raw.push_back(v);
  }
  a.counters.ok = a.counters.ok_in_window = a.counters.completed = a.counters.sent = 20000;
  b.counters.ok = b.counters.ok_in_window = b.counters.completed = b.counters.sent = 7000;
  b.counters.errors.timeout = 3;
  a.counters.status_codes[200] = 20000;
  b.counters.status_codes[200] = 7000;
  a.windows = {{0, 1.0, 9990, 9990, 810, 9990, {5}}, {1, 1.0, 10010, 10010, 790, 10010, {4}}};
  b.windows = {{0, 1.0, 3500, 3500, 3000, 3500, {70}}, {1, 1.0, 3500, 3500, 3100, 3500, {60}}};

  const LoadSettings settings;
  const LoadResult m = MergeGeneratorResults(settings, {Through(a), Through(b)});
  Histogram all = Histogram::ForLatency();
  for (int64_t v : raw) all.Record(v);
  ASSERT_EQ(m.latency.count(), static_cast<int64_t>(raw.size()));
  EXPECT_EQ(m.latency.count(), a.latency.count() + b.latency.count());
  EXPECT_EQ(m.latency.min(), *std::min_element(raw.begin(), raw.end()));
  EXPECT_EQ(m.latency.max(), *std::max_element(raw.begin(), raw.end()));
  double mean = 0;
  for (int64_t v : raw) mean += static_cast<double>(v);
  mean /= static_cast<double>(raw.size());
  EXPECT_NEAR(m.latency.mean(), mean, 1e-6 * mean);
  for (double p : {1.0, 25.0, 50.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0}) {
    const int64_t truth = RawPercentile(raw, p);
    const int64_t merged = m.latency.ValueAtPercentile(p);
    EXPECT_EQ(merged, all.ValueAtPercentile(p)) << "p" << p;
    EXPECT_GE(merged, truth) << "p" << p;
    EXPECT_LE(merged - truth, m.latency.BucketWidth(truth)) << "p" << p;
  }
  EXPECT_EQ(m.service_time.count(), static_cast<int64_t>(raw.size()));
  EXPECT_EQ(m.counters.ok, 27000);
  EXPECT_EQ(m.counters.errors.timeout, 3);
  EXPECT_EQ(m.counters.status_codes[200], 27000);
  // Throughput: the sum of each generator's over its own window.
  EXPECT_NEAR(m.throughput_rps(), 20000 / 2.0 + 7000 / 2.003, 1e-9);
  ASSERT_EQ(m.windows.size(), 2u);
  EXPECT_EQ(m.windows[0].ok, 9990 + 3500);
  EXPECT_DOUBLE_EQ(m.windows[1].throughput_rps, 10010 + 3500);
  EXPECT_EQ(m.windows[0].measured_ok, 9990 + 3500);
  EXPECT_EQ(m.windows[1].over_bound, std::vector<int64_t>{4 + 60});
  EXPECT_NEAR(m.windows[0].mean_latency_us, (9990 * 810.0 + 3500 * 3000.0) / 13490, 1e-9);
}

TEST(GeneratorGroupTest, TheWorstGeneratorIsShown) {
  GeneratorRecord calm, late;
  calm.late_fraction = 0.001;
  calm.cpu_utilization = 0.9;
  calm.schedule_lag_us = GeneratorRecord::Lag{5, 50, 400};
  late.late_fraction = 0.04;
  late.behind = true;
  late.cpu_utilization = 0.3;
  late.schedule_lag_us = GeneratorRecord::Lag{9, 30, 2000};
  const GeneratorRecord w = WorstGenerator({calm, late});
  EXPECT_DOUBLE_EQ(w.late_fraction, 0.04);
  EXPECT_TRUE(w.behind);
  EXPECT_DOUBLE_EQ(w.cpu_utilization, 0.9);
  ASSERT_TRUE(w.schedule_lag_us);
  EXPECT_DOUBLE_EQ(w.schedule_lag_us->p50, 9);
  EXPECT_DOUBLE_EQ(w.schedule_lag_us->p99, 50);
  EXPECT_DOUBLE_EQ(w.schedule_lag_us->max, 2000);
}

TEST(GeneratorGroupTest, TheLoadIsSharedOut) {
  LoadSettings closed;
  closed.concurrency = 5;
  closed.threads = 2;
  const auto parts = SplitLoad(closed, 2);
  EXPECT_EQ(parts[0].concurrency + parts[1].concurrency, 5);
  EXPECT_EQ(parts[0].concurrency, 3);
  LoadSettings open;
  open.mode = LoopMode::kOpen;
  open.rate = 300;
  open.connections = 64;
  const auto rates = SplitLoad(open, 3);
  for (const LoadSettings& s : rates) EXPECT_DOUBLE_EQ(s.rate, 100);
  EXPECT_NE(rates[0].seed, rates[1].seed);
}

TEST(GeneratorGroupTest, TwoGeneratorProcessesAgainstOneServer) {
  std::atomic<int64_t> served{0};
  testing::FakeKServeOptions options;
  options.on_infer = [&served](int64_t) { ++served; };
  testing::TestHttpServer server(testing::FakeKServe(options));
  LoadSettings s;
  std::string error;
  ASSERT_TRUE(ParseUrl("http://127.0.0.1:" + std::to_string(server.port()) + "/v2/models/mlp/infer",
                       &s.url, &error));
  s.method = "POST";
  s.body = "{\"inputs\":[]}";
  s.mode = LoopMode::kClosed;
  s.concurrency = 4;
  s.warmup_ns = 200 * kNanosPerMilli;
  s.duration_ns = 800 * kNanosPerMilli;
  s.window_ns = 200 * kNanosPerMilli;
  s.timeout_ns = 2 * kNanosPerSecond;

  std::string pattern = ::testing::TempDir() + "servebench-generators-XXXXXX";
  const fs::path dir = ::mkdtemp(pattern.data());
  GeneratorLaunch launch;
  launch.servebench = SERVEBENCH_BINARY;
  launch.work_dir = dir.string();
  launch.protocol = kKServeV2Rest;
  launch.reference_response = testing::FakeKServeInferResponse("mlp");
  GeneratorGroupResult result;
  ASSERT_TRUE(RunGeneratorGroup(s, 2, launch, &result, &error)) << error;
  fs::remove_all(dir);

  ASSERT_EQ(result.each.size(), 2u);
  const LoadResult& m = result.merged;
  int64_t ok = 0, count = 0, completed = 0;
  double throughput = 0;
  Histogram both = Histogram::ForLatency();
  for (const LoadResult& g : result.each) {
    EXPECT_GT(g.counters.ok, 0);
    EXPECT_EQ(g.settings.concurrency, 2);
    EXPECT_EQ(g.counters.errors.total(), 0);
    ok += g.counters.ok;
    count += g.latency.count();
    completed += g.counters.completed;
    throughput += g.throughput_rps();
    both.Merge(g.latency);
  }
  EXPECT_EQ(m.counters.ok, ok);
  EXPECT_EQ(m.latency.count(), count);
  EXPECT_EQ(m.counters.errors.validation, 0);  // every response passed the rebuilt check
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    EXPECT_EQ(m.latency.ValueAtPercentile(p), both.ValueAtPercentile(p));
  }
  EXPECT_NEAR(m.throughput_rps(), throughput, 1e-9 * throughput);
  // The server answered at least every completed request of the windows (and the warm-ups').
  EXPECT_GE(served.load(), completed);
}

}  // namespace
}  // namespace servebench
