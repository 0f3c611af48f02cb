// Copyright servebench authors.
//
// The validity of `servebench run`'s numbers, end to end against servers of known behaviour in
// this test process (tests/support): a single FIFO worker with a fixed service time D, whose
// latency under Poisson arrivals is the M/D/1 queue's (tests/support/md1_queue.h), so that the
// highest rate within an SLO is known exactly.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "fake_kserve.h"
#include "loopback_run.h"
#include "md1_queue.h"
#include "servebench/core/clock.h"
#include "servebench/core/histogram.h"
#include "test_http_server.h"

namespace servebench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::FakeKServe;
using testing::FakeKServeOptions;
using testing::MakeRepository;
using testing::OnlyRunDir;
using testing::Outcome;
using testing::RunServebench;
using testing::Slurp;
using testing::TempDir;
using testing::TestHttpServer;

// An experiment on the fake server with `scenarios`, `slo` and `measurement` (YAML bodies).
fs::path WriteExperiment(const fs::path& dir, const TestHttpServer& server,
                         const std::string& scenarios, const std::string& slo,
                         const std::string& measurement) {
  const fs::path path = dir / "experiment.yaml";
  std::ofstream(path) << "name: validity\nmodels:\n  repository: " << MakeRepository(dir).string()
                      << "\n  variants: [mlp]\nservers:\n"
                      << "  - {name: fake, kind: external, url: \"http://127.0.0.1:"
                      << server.port() << "\"}\nscenarios:\n"
                      << scenarios << "slo:\n"
                      << slo << "measurement:\n"
                      << measurement << "cost:\n  hourly_price: 0.36\n";
  return path;
}

// Runs the experiment and returns results.json's cells (a test failure unless the run exited 0).
json RunCells(const TempDir& dir, const fs::path& config, const std::string& extra = "",
              Outcome* outcome = nullptr) {
  const Outcome run = RunServebench(dir.path(), config, extra);
  if (outcome != nullptr) *outcome = run;
  EXPECT_EQ(run.exit_code, 0) << run.err;
  if (run.exit_code != 0) return json::array();
  return json::parse(Slurp(OnlyRunDir(dir.path() / "runs") / "results.json"))["cells"];
}

// How late a thread of this process wakes from a 1 ms sleep, sampled while it lives: what the
// fake server's thread suffers too. A server whose thread is held up for milliseconds is no
// longer the M/D/1 queue the truth is computed for.
class WakeupLateness {
 public:
  WakeupLateness()
      : thread_([this] {
          while (!stop_.load()) {
            const int64_t before = MonotonicNanos();
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            const int64_t late = MonotonicNanos() - before - kNanosPerMilli;
            std::lock_guard<std::mutex> lock(mu_);
            late_.Record(std::max<int64_t>(0, late));
          }
        }) {}
  ~WakeupLateness() {
    stop_.store(true);
    thread_.join();
  }
  // The lateness at percentile p, in microseconds.
  double AtPercentile(double p) {
    std::lock_guard<std::mutex> lock(mu_);
    return late_.ValueAtPercentile(p) / 1e3;
  }

 private:
  std::mutex mu_;
  Histogram late_ = Histogram::ForLatency();
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

constexpr int64_t kServiceNs = 2 * kNanosPerMilli;  // D: capacity 500 req/s
constexpr double kServiceS = kServiceNs / 1e9;

// Long enough levels for early stopping to judge a p50 near the truth (about 1,800 requests at
// 5 s), short windows so that a clear verdict ends a level early.
const char* kSearchMeasurement =
    "  warmup: 500ms\n  window: 250ms\n  min_duration: 1500ms\n  min_requests: 300\n"
    "  max_duration: 5s\n  request_timeout: 2s\n";

// The search's answer and probes, and the latency the fake server adds to D at light load.
struct SearchResult {
  double found = 0;
  double upper = 0;
  std::string end;
  double overhead_s = 0;  // p50 latency minus D at the first probe, where the queue is short
  json probes = json::array();
};

SearchResult SearchOf(const json& cell) {
  SearchResult r;
  EXPECT_EQ(cell["status"], "ok") << cell.dump(2).substr(0, 2000);
  EXPECT_EQ(cell["searches"].size(), 1u);
  if (cell["searches"].size() != 1u) return r;
  const json& search = cell["searches"][0];
  r.end = search["end"];
  r.found = search["found"].is_null() ? 0 : search["found"].get<double>();
  r.upper = search["upper"].is_null() ? 0 : search["upper"].get<double>();
  for (int index : search["probes"]) {
    const json& level = cell["levels"][index];
    r.probes.push_back({level["level"]["rate"], level["slo_verdict"], level["samples"],
                        level["load"]["throughput_rps"], level["noise"]["foreign_cpu_percent"],
                        level["load"]["generator"]["schedule_lag_us"]["p99"]});
  }
  const json& first = cell["levels"][0];
  r.overhead_s = std::max(0.0, first["load"]["latency_us"]["p50"].get<double>() / 1e6 - kServiceS);
  return r;
}

// The SLO search lands within 5% of the true answer: the highest Poisson rate at which a single
// FIFO worker with service time D keeps the median latency within 2 D. That worker is an M/D/1
// queue, and the rate is computed exactly (HighestRateWithin): 384/s for a bound of 2 D.
//
// What the client measures is the queue's latency plus a small overhead o of its own (loopback,
// timer wake-ups): the truth lies between the M/D/1 answer for the bound less o and for the bound
// itself. o is measured in the run, at the search's first probe (200 req/s: the queue is empty
// for 60% of arrivals, so the median latency is D + o). The assertion: the answer lies within 5%
// below the lower truth and 5% above the upper one; with o at 200-300 us that window is about
// 350..403 req/s.
//
// It cannot pass by luck: the fixed ladder's rates (100, 400, 1600), the bracket's ends (200,
// 800) and the capacity (500) all fall outside the window, and a search that took an inconclusive
// or failed probe for a pass would land above it (a probe at 400/s has a median of about 2.1 D).
// The search bisects to 2%, so that its own tolerance leaves room within the 5% for the verdicts'
// noise near the truth: a level of n requests sees about sqrt(n) more or fewer arrivals than its
// rate says, 3 to 4% at the 600 to 1,800 requests of a level there, and its verdict follows the
// arrivals it saw. Simulating this search 1,000 times on the exact queue, with fresh arrivals each
// time, put it in the window 992 times (docs/metrics.md, "SLO search"). Here each probe's arrivals
// are seeded by its position in the search, so a run is reproducible: on this machine it found
// 365/s against a truth of 369..384/s.
TEST(ValidityLoopbackTest, SloSearchFindsTheMd1TruthWithinFivePercent) {
  TempDir dir;
  FakeKServeOptions fake;
  fake.delay_ns = TestHttpServer::OneWorker(kServiceNs);
  TestHttpServer server(FakeKServe(fake));
  WakeupLateness wakeups;
  const fs::path config = WriteExperiment(
      dir.path(), server,
      "  - {name: search, kind: rate_sweep, saturate: true, start_rate: 200, growth: 4,\n"
      "     tolerance: 0.02, max_levels: 14}\n",
      "  percentile: 50\n  bound: 4ms\n", kSearchMeasurement);
  const json cells = RunCells(dir, config);
  ASSERT_EQ(cells.size(), 1u);
  const SearchResult r = SearchOf(cells[0]);
  const double upper_truth = HighestRateWithin(kServiceS, 50, 2 * kServiceS);
  const double lower_truth = HighestRateWithin(kServiceS, 50, 2 * kServiceS - r.overhead_s);
  SCOPED_TRACE("found " + std::to_string(r.found) + "/s; M/D/1 truth " +
               std::to_string(lower_truth) + ".." + std::to_string(upper_truth) + "/s (overhead " +
               std::to_string(r.overhead_s * 1e6) + " us); wake-up lateness p99 " +
               std::to_string(wakeups.AtPercentile(99)) + " us, max " +
               std::to_string(wakeups.AtPercentile(100)) + " us; probes " + r.probes.dump());
  std::printf("SLO search: found %.1f/s, M/D/1 truth %.1f..%.1f/s (overhead %.0f us); probes %s\n",
              r.found, lower_truth, upper_truth, r.overhead_s * 1e6, r.probes.dump().c_str());
  EXPECT_NEAR(upper_truth, 384, 1);
  EXPECT_LT(r.overhead_s, 0.5e-3);  // else the machine is too loaded for the comparison
  EXPECT_EQ(r.end, "converged");
  EXPECT_GE(r.found, 0.95 * lower_truth);
  EXPECT_LE(r.found, 1.05 * upper_truth);
  EXPECT_LE(r.upper, r.found * 1.02 + 1e-9);
  // Its answer is what the summary reports, and the price is the throughput achieved there.
  const json& summary = cells[0]["summary"];
  EXPECT_DOUBLE_EQ(summary["found_rate_rps"].get<double>(), r.found);
  const double achieved = summary["throughput_within_slo_rps"];
  EXPECT_NEAR(achieved, r.found, 0.1 * r.found);
  EXPECT_NEAR(summary["cost_per_million"].get<double>(), 0.36 / (achieved * 3600) * 1e6, 1e-9);
}

// With a loose bound, the median within 5 D, the answer nears the capacity 1 / D = 500/s: the
// M/D/1 truth is 461/s (0.92 / D; the overhead barely moves it at this bound). Near capacity the
// queue's latencies are correlated for longer and a level's verdict is noisier (in simulation 96%
// of searches land within 5%), so the answer must lie within 8% below the truth and 5% above it,
// and above 0.85 / D: no ladder rate and no bracket end (250, 1,000) qualifies.
TEST(ValidityLoopbackTest, LooseBoundFindsNearlyTheCapacity) {
  TempDir dir;
  FakeKServeOptions fake;
  fake.delay_ns = TestHttpServer::OneWorker(kServiceNs);
  TestHttpServer server(FakeKServe(fake));
  const fs::path config = WriteExperiment(
      dir.path(), server,
      "  - {name: search, kind: rate_sweep, saturate: true, start_rate: 250, growth: 4,\n"
      "     tolerance: 0.02, max_levels: 14}\n",
      "  percentile: 50\n  bound: 10ms\n", kSearchMeasurement);
  const json cells = RunCells(dir, config);
  ASSERT_EQ(cells.size(), 1u);
  const SearchResult r = SearchOf(cells[0]);
  const double truth = HighestRateWithin(kServiceS, 50, 5 * kServiceS);
  SCOPED_TRACE("found " + std::to_string(r.found) + "/s; M/D/1 truth " + std::to_string(truth) +
               "/s; probes " + r.probes.dump());
  std::printf("SLO search, loose bound: found %.1f/s, M/D/1 truth %.1f/s, capacity %.0f/s\n",
              r.found, truth, 1 / kServiceS);
  EXPECT_NEAR(truth, 461, 1);
  EXPECT_GE(r.found, 0.92 * truth);
  EXPECT_LE(r.found, 1.05 * truth);
  EXPECT_GE(r.found, 0.85 / kServiceS);
}

// A probe far above the capacity whose every request times out is overload, a not-met probe,
// and the search goes on below it; it does not fail the cell. One worker of 20 ms (capacity
// 50/s), a search from 20/s growing x8: the probe at 160/s has built a backlog of about a second
// by the end of its warm-up (80 arrivals, 25 served), so no measured request is answered within
// the 300 ms timeout. This is what a resnet18 cell on a server with dynamic batching met in the
// default experiment (a probe at 4x its capacity); it used to fail the cell.
TEST(ValidityLoopbackTest, AProbeWhoseEveryRequestTimesOutIsOverloadNotAFailedCell) {
  TempDir dir;
  FakeKServeOptions fake;
  fake.delay_ns = TestHttpServer::OneWorker(20 * kNanosPerMilli);
  TestHttpServer server(FakeKServe(fake));
  const fs::path config = WriteExperiment(
      dir.path(), server,
      "  - {name: search, kind: rate_sweep, saturate: true, start_rate: 20, growth: 8,\n"
      "     tolerance: 0.2, max_levels: 4}\n",
      "  percentile: 50\n  bound: 100ms\n",
      "  warmup: 500ms\n  window: 250ms\n  min_duration: 1s\n  min_requests: 20\n"
      "  max_duration: 3s\n  request_timeout: 300ms\n");
  const json cells = RunCells(dir, config);
  ASSERT_EQ(cells.size(), 1u);
  const json& cell = cells[0];
  ASSERT_EQ(cell["status"], "ok") << cell.dump(2).substr(0, 3000);
  ASSERT_GE(cell["levels"].size(), 2u);
  const json& first = cell["levels"][0];
  EXPECT_EQ(first["slo_verdict"], "met") << first.dump(2).substr(0, 2000);
  const json& overload = cell["levels"][1];
  EXPECT_DOUBLE_EQ(overload["level"]["rate"].get<double>(), 160);
  EXPECT_EQ(overload["load"]["requests"]["ok"], 0) << overload.dump(2).substr(0, 2000);
  EXPECT_GT(overload["load"]["requests"]["errors"]["timeout"].get<int64_t>(), 0);
  EXPECT_EQ(overload["overloaded"], true);
  EXPECT_EQ(overload["slo_verdict"], "not_met");
  // The search went on below the overloaded probe, and its answer is below the capacity.
  ASSERT_GE(cell["levels"].size(), 3u);
  const double found = cell["searches"][0]["found"];
  EXPECT_GE(found, 20);
  EXPECT_LT(found, 50);
}

// A fake server that answers every request after exactly 10 ms, one at a time: at concurrency 1
// every latency is 10 ms plus the loopback overhead, and never below 10 ms.
const char* kShortMeasurement =
    "  warmup: 200ms\n  window: 200ms\n  min_duration: 600ms\n  min_requests: 50\n"
    "  max_duration: 3s\n  request_timeout: 2s\n";

json OneLevelAt(const TempDir& dir, const TestHttpServer& server, const std::string& slo,
                const std::string& extra = "", Outcome* outcome = nullptr) {
  const fs::path config =
      WriteExperiment(dir.path(), server, "  - {name: one, kind: concurrency_sweep, levels: [1]}\n",
                      slo, kShortMeasurement);
  const json cells = RunCells(dir, config, extra, outcome);
  EXPECT_EQ(cells.size(), 1u);
  return cells.empty() ? json() : cells[0];
}

// The verdict follows the bound across the server's known latency: p90 within 11.5 ms is met
// (latency 10 ms plus an overhead well under 1.5 ms), within 9.9 ms not met (no answer comes
// sooner than 10 ms). Both are decided, with the samples to show it.
TEST(ValidityLoopbackTest, VerdictFlipsWhenTheBoundCrossesTheServiceTime) {
  FakeKServeOptions fake;
  fake.delay_ns = TestHttpServer::OneWorker(10 * kNanosPerMilli);
  TestHttpServer server(FakeKServe(fake));
  TempDir above, below;
  const json met = OneLevelAt(above, server, "  percentile: 90\n  bound: 11500us\n");
  const json missed = OneLevelAt(below, server, "  percentile: 90\n  bound: 9900us\n");
  ASSERT_FALSE(met.is_null());
  ASSERT_FALSE(missed.is_null());
  const json& a = met["levels"][0];
  const json& b = missed["levels"][0];
  EXPECT_EQ(a["slo_verdict"], "met") << a["slo_reason"] << " " << a["slo_constraints"].dump();
  EXPECT_TRUE(a["slo_met"].get<bool>());
  EXPECT_EQ(b["slo_verdict"], "not_met") << b["slo_reason"];
  EXPECT_EQ(b["slo_constraints"][0]["overruns"], b["samples"]);  // every request
  // Met needs at least MinQueries(0) = 44 samples at p90; the level measured them.
  EXPECT_GE(a["samples"].get<int64_t>(), 44);
  // The latency's confidence interval brackets the service time from above.
  EXPECT_GE(a["latency_ci_us"]["p50"]["lower"].get<double>(), 10'000);
  EXPECT_LT(a["latency_ci_us"]["p50"]["upper"].get<double>(), 11'500);
  EXPECT_EQ(met["summary"]["best_concurrency"], 1.0);
  EXPECT_TRUE(missed["summary"]["throughput_within_slo_rps"].is_null());
  EXPECT_TRUE(missed["summary"]["cost_per_million"].is_null());
}

// A level too short to judge p99 (a 300 ms window holds about 150 requests of 2 ms; 459 are
// needed) is inconclusive, however fast: it feeds no throughput within SLO and no cost, and the
// summary counts and shows it.
TEST(ValidityLoopbackTest, InconclusiveLevelFeedsNoHeadlineFigure) {
  TempDir dir;
  FakeKServeOptions fake;
  fake.delay_ns = TestHttpServer::OneWorker(kServiceNs);
  TestHttpServer server(FakeKServe(fake));
  const fs::path config = WriteExperiment(
      dir.path(), server, "  - {name: brief, kind: concurrency_sweep, levels: [1]}\n",
      "  percentile: 99\n  bound: 100ms\n",
      "  warmup: 100ms\n  window: 100ms\n  min_duration: 300ms\n  min_requests: 10\n"
      "  max_duration: 300ms\n  request_timeout: 2s\n");
  Outcome run;
  const json cells = RunCells(dir, config, "", &run);
  ASSERT_EQ(cells.size(), 1u);
  const json& level = cells[0]["levels"][0];
  EXPECT_EQ(level["slo_verdict"], "inconclusive") << level["slo_reason"];
  EXPECT_LT(level["samples"].get<int64_t>(), 459);
  EXPECT_GT(level["samples"].get<int64_t>(), 50);
  EXPECT_TRUE(level["max_duration_reached"].get<bool>());
  EXPECT_NE(level["slo_reason"].get<std::string>().find("459 needed"), std::string::npos)
      << level["slo_reason"];
  EXPECT_TRUE(level["latency_ci_us"]["p99"]["upper"].is_null());  // too few for p99's bound
  const json& summary = cells[0]["summary"];
  EXPECT_TRUE(summary["throughput_within_slo_rps"].is_null());
  EXPECT_TRUE(summary["cost_per_million"].is_null());
  EXPECT_GT(summary["max_throughput_rps"].get<double>(), 100);  // what it delivered stays
  EXPECT_EQ(summary["inconclusive_levels"], 1);
  EXPECT_EQ(summary["unstable_levels"], 1);
  // The terminal and summary.md say so, with the reason.
  EXPECT_NE(run.out.find("1 inc"), std::string::npos) << run.out;
  const std::string markdown = Slurp(OnlyRunDir(dir.path() / "runs") / "summary.md");
  EXPECT_NE(markdown.find("concurrency 1: **inconclusive**: too few samples to judge p99 <= "
                          "100 ms"),
            std::string::npos)
      << markdown;
}

// An SLO of two constraints, and goodput by a per-request bound, against a server that answers
// three requests in four at once and the fourth after 30 ms: the median holds within 5 ms, p90
// does not hold within 10 ms, so the SLO is not met; goodput counts the three in four within
// 10 ms.
TEST(ValidityLoopbackTest, EveryConstraintMustHoldAndGoodputCountsEachRequest) {
  TempDir dir;
  FakeKServeOptions fake;
  auto n = std::make_shared<int64_t>(0);
  fake.delay_ns = [n](int64_t) { return (*n)++ % 4 == 3 ? 30 * kNanosPerMilli : int64_t{0}; };
  TestHttpServer server(FakeKServe(fake));
  const json cell = OneLevelAt(dir, server,
                               "  constraints:\n"
                               "    - {percentile: 50, bound: 5ms}\n"
                               "    - {percentile: 90, bound: 10ms}\n"
                               "  request_bound: 10ms\n");
  ASSERT_FALSE(cell.is_null());
  EXPECT_EQ(cell["slo"]["constraints"].size(), 2u);
  EXPECT_EQ(cell["slo"]["request_bound_us"], 10'000.0);
  const json& level = cell["levels"][0];
  EXPECT_EQ(level["slo_verdict"], "not_met") << level["slo_reason"];
  ASSERT_EQ(level["slo_constraints"].size(), 2u);
  EXPECT_EQ(level["slo_constraints"][0]["verdict"], "met");
  EXPECT_EQ(level["slo_constraints"][1]["verdict"], "not_met");
  const double throughput = level["load"]["throughput_rps"];
  EXPECT_NEAR(level["goodput_rps"].get<double>(), 0.75 * throughput, 0.05 * throughput);
}

// `--repeat 3` measures the cell three times, and the summary gives each headline figure's mean,
// spread and Student t interval; the figures agree with the server's known capacity at
// concurrency 1 (1 / (10 ms + overhead)).
TEST(ValidityLoopbackTest, RepeatsReportSpreadAndInterval) {
  FakeKServeOptions fake;
  fake.delay_ns = TestHttpServer::OneWorker(10 * kNanosPerMilli);
  TestHttpServer server(FakeKServe(fake));
  TempDir dir;
  const json cell = OneLevelAt(dir, server, "  percentile: 90\n  bound: 11500us\n", "--repeat 3");
  ASSERT_FALSE(cell.is_null());
  EXPECT_EQ(cell["repeats"], 3);
  ASSERT_EQ(cell["levels"].size(), 3u);
  for (int r = 0; r < 3; ++r) EXPECT_EQ(cell["levels"][r]["repeat"], r);
  const json& spread = cell["summary"]["repeats"];
  ASSERT_FALSE(spread.is_null());
  EXPECT_EQ(spread["count"], 3);
  const json& t = spread["throughput_within_slo_rps"];
  ASSERT_EQ(t["values"].size(), 3u);
  double sum = 0;
  for (const json& v : t["values"]) sum += v.get<double>();
  EXPECT_NEAR(t["mean"].get<double>(), sum / 3, 1e-9);
  EXPECT_DOUBLE_EQ(cell["summary"]["throughput_within_slo_rps"].get<double>(),
                   t["mean"].get<double>());
  EXPECT_LE(t["lower"].get<double>(), t["mean"].get<double>());
  EXPECT_GE(t["upper"].get<double>(), t["mean"].get<double>());
  // At most 100 req/s (10 ms each, one at a time), but not by much. Throughput counts the
  // completions inside the window (docs/metrics.md), so a window of s seconds can hold one
  // completion more than s / 10 ms (the first at its start): the bound is 100 + 1 / s.
  double most = 0;
  for (int r = 0; r < 3; ++r) {
    const json& load = cell["levels"][r]["load"];
    const double bound = 100 + 1 / load["duration_s"].get<double>();
    EXPECT_LE(load["throughput_rps"].get<double>(), bound) << "repeat " << r;
    most = std::max(most, bound);
  }
  EXPECT_LE(t["mean"].get<double>(), most);
  EXPECT_GT(t["mean"].get<double>(), 80);
  // The run record keeps --repeat for --resume.
  const json results = json::parse(Slurp(OnlyRunDir(dir.path() / "runs") / "results.json"));
  EXPECT_EQ(results["run"]["repeat"], 3);
}

// A server of `workers` workers, each taking `service_ns` a request, a request going to the
// first worker free (first come, first served): the closed-loop truth is known. At concurrency
// c <= workers every request is served at once; above, c - workers wait.
std::function<int64_t(int64_t)> Workers(int workers, int64_t service_ns) {
  auto free_at = std::make_shared<std::vector<int64_t>>(workers, 0);
  return [free_at, service_ns](int64_t arrival_ns) {
    auto first = std::min_element(free_at->begin(), free_at->end());
    *first = std::max(*first, arrival_ns) + service_ns;
    return *first - arrival_ns;
  };
}

// The best concurrency for p90 within 7 ms on 8 workers of 4 ms: throughput grows with the
// concurrency up to 8 (2,000 req/s) and stays there, while latency is c / 2,000 req/s beyond it,
// above 7 ms past 14 requests in flight. The search doubles 1, 2, 4, 8, 16 (not met), bisects
// between 8 and 16, and answers the least concurrency within 5% of the highest throughput that
// met the SLO: at least 8 (below it throughput grows) and at most 14.
TEST(ValidityLoopbackTest, BestConcurrencySearchFindsTheKnee) {
  TempDir dir;
  FakeKServeOptions fake;
  fake.delay_ns = Workers(8, 4 * kNanosPerMilli);
  TestHttpServer server(FakeKServe(fake));
  const fs::path config = WriteExperiment(
      dir.path(), server,
      "  - {name: best, kind: concurrency_sweep, saturate: true, max_concurrency: 64}\n",
      "  percentile: 90\n  bound: 7ms\n", kShortMeasurement);
  const json cells = RunCells(dir, config);
  ASSERT_EQ(cells.size(), 1u);
  const json& cell = cells[0];
  ASSERT_EQ(cell["searches"].size(), 1u) << cell.dump(2).substr(0, 2000);
  const json& search = cell["searches"][0];
  std::string probes;
  for (int index : search["probes"]) {
    const json& level = cell["levels"][index];
    probes += level["level"]["concurrency"].dump() + ":" + level["slo_verdict"].get<std::string>() +
              "@" + std::to_string(level["load"]["throughput_rps"].get<double>()) + " ";
  }
  std::printf("best concurrency: %s (probes %s)\n", search["found"].dump().c_str(), probes.c_str());
  EXPECT_EQ(search["kind"], "concurrency");
  EXPECT_EQ(search["end"], "converged") << probes;
  ASSERT_FALSE(search["found"].is_null()) << probes;
  const int found = search["found"].get<int>();
  EXPECT_GE(found, 8) << probes;
  EXPECT_LE(found, 14) << probes;
  EXPECT_GT(search["upper"].get<int>(), found);
  EXPECT_LE(search["upper"].get<int>(), 16);
  EXPECT_EQ(cell["summary"]["best_concurrency"].get<double>(), found);
  // Near the workers' capacity, 8 / 4 ms = 2,000 req/s, less the client's round trips.
  EXPECT_GT(cell["summary"]["throughput_within_slo_rps"].get<double>(), 1600);
  EXPECT_LE(cell["summary"]["throughput_within_slo_rps"].get<double>(), 2000 * 1.02);
}

}  // namespace
}  // namespace servebench
