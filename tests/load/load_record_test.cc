// Copyright servebench authors.
//
// The stable JSON form of a load run (design.md, "Stable result fields"): the names it writes,
// the values it derives from a LoadResult, and reading it back.

#include "servebench/load/load_record.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "servebench/core/histogram.h"
#include "servebench/load/load_scenario.h"

namespace servebench {
namespace {

using nlohmann::json;

LoadResult Known(LoopMode mode) {
  LoadResult r;
  r.settings.mode = mode;
  r.settings.arrival = Arrival::kPoisson;
  r.settings.rate = 250;
  r.settings.concurrency = 4;
  r.settings.connections = 8;
  r.settings.threads = 2;
  r.settings.warmup_ns = 500 * kNanosPerMilli;
  r.settings.timeout_ns = 2 * kNanosPerSecond;
  r.window_s = 2.0;
  r.latency.RecordN(1000 * 1000, 90);  // 1 ms
  r.latency.RecordN(9000 * 1000, 10);  // 9 ms
  r.service_time.RecordN(800 * 1000, 100);
  r.schedule_lag.RecordN(20 * 1000, 100);
  r.counters.scheduled = 104;
  r.counters.sent = 102;
  r.counters.completed = 101;
  r.counters.ok = 100;
  r.counters.ok_in_window = 100;
  r.counters.errors.timeout = 1;
  r.counters.errors.http_status = 1;
  r.counters.late = 2;
  r.counters.status_codes[200] = 100;
  r.counters.status_codes[503] = 1;
  r.counters.status_codes[0] = 3;
  r.cpu_seconds = 0.5;
  r.wall_seconds = 2.5;
  WindowStats w;
  w.seconds = 1;
  w.ok = 50;
  w.throughput_rps = 50;
  w.mean_latency_us = 1800;
  r.windows = {w, w};
  r.windows[1].index = 1;
  return r;
}

std::set<std::string> Keys(const json& j) {
  std::set<std::string> keys;
  for (const auto& [key, value] : j.items()) keys.insert(key);
  return keys;
}

TEST(LoadRecordTest, OpenLoopWritesTheStableNamesAndDerivedValues) {
  const json j = LoadRecord::Of(Known(LoopMode::kOpen)).ToJson();
  EXPECT_EQ(Keys(j),
            (std::set<std::string>{"mode", "arrival", "target_rate", "concurrency", "connections",
                                   "threads", "duration_s", "warmup_s", "timeout_s", "interrupted",
                                   "windows", "requests", "throughput_rps", "latency_us",
                                   "service_time_us", "generator", "histogram"}));
  EXPECT_EQ(j["mode"], "open");
  EXPECT_EQ(j["arrival"], "poisson");
  EXPECT_EQ(j["target_rate"], 250.0);
  EXPECT_TRUE(j["concurrency"].is_null());
  EXPECT_EQ(j["warmup_s"], 0.5);
  EXPECT_EQ(j["throughput_rps"], 50.0);  // 100 ok in a 2 s window
  EXPECT_EQ(Keys(j["requests"]), (std::set<std::string>{"sent", "completed", "ok", "scheduled",
                                                        "errors", "status_codes"}));
  EXPECT_EQ(j["requests"]["scheduled"], 104);
  EXPECT_EQ(
      j["requests"]["errors"],
      (json{
          {"connect", 0}, {"timeout", 1}, {"http_status", 1}, {"protocol", 0}, {"validation", 0}}));
  EXPECT_EQ(j["requests"]["status_codes"], (json{{"200", 100}, {"503", 1}, {"other", 3}}));
  EXPECT_FALSE(j["requests"].contains("first_validation_error"));  // none was rejected
  EXPECT_NEAR(j["latency_us"]["p50"].get<double>(), 1000, 1);
  EXPECT_NEAR(j["latency_us"]["p99"].get<double>(), 9000, 9);
  EXPECT_EQ(j["latency_us"]["count"], 100);
  EXPECT_EQ(
      Keys(j["generator"]),
      (std::set<std::string>{"late_fraction", "late_threshold_us", "behind", "cpu_seconds",
                             "cpu_utilization", "wall_seconds", "reconnects", "connect_failures",
                             "stale_retries", "queued_fraction", "schedule_lag_us", "send_spin_us",
                             "send_spin_paused_fraction"}));
  EXPECT_DOUBLE_EQ(j["generator"]["late_fraction"].get<double>(), 2.0 / 102);
  EXPECT_EQ(j["generator"]["behind"], true);  // 2% late: over the 1% a generator may be
  EXPECT_NEAR(j["generator"]["schedule_lag_us"]["p99"].get<double>(), 20, 0.1);
  ASSERT_EQ(j["windows"].size(), 2u);
  EXPECT_EQ(
      j["windows"][0],
      (json{{"seconds", 1.0}, {"ok", 50}, {"throughput_rps", 50.0}, {"mean_latency_us", 1800.0}}));
  // The histogram is the latency histogram, whole.
  Histogram h = Histogram::ForLatency();
  std::string error;
  ASSERT_TRUE(Histogram::FromJson(j["histogram"], &h, &error)) << error;
  EXPECT_EQ(h.count(), 100);
}

TEST(LoadRecordTest, ClosedLoopHasNoRateScheduleOrQueue) {
  LoadResult r = Known(LoopMode::kClosed);
  r.windows.clear();
  const json j = LoadRecord::Of(r).ToJson();
  EXPECT_EQ(j["mode"], "closed");
  EXPECT_TRUE(j["arrival"].is_null());
  EXPECT_TRUE(j["target_rate"].is_null());
  EXPECT_EQ(j["concurrency"], 4);
  EXPECT_FALSE(j.contains("windows"));
  EXPECT_FALSE(j["requests"].contains("scheduled"));
  EXPECT_FALSE(j["generator"].contains("queued_fraction"));
  EXPECT_TRUE(j["generator"]["schedule_lag_us"].is_null());
  // A trace has no single rate.
  LoadResult trace = Known(LoopMode::kOpen);
  trace.settings.arrival = Arrival::kTrace;
  EXPECT_TRUE(LoadRecord::Of(trace).ToJson()["target_rate"].is_null());
}

TEST(LoadRecordTest, LoadResultToJsonIsTheRecordsForm) {
  const LoadResult r = Known(LoopMode::kOpen);
  EXPECT_EQ(r.ToJson().dump(), LoadRecord::Of(r).ToJson().dump());
}

TEST(LoadRecordTest, TheFirstValidationErrorIsKeptWhenThereIsOne) {
  LoadResult r = Known(LoopMode::kOpen);
  r.counters.errors.validation = 2;
  r.first_validation_error = "outputs[0]: 9 elements, expected 10";
  const json j = LoadRecord::Of(r).ToJson();
  EXPECT_EQ(j["requests"]["errors"]["validation"], 2);
  EXPECT_EQ(j["requests"]["first_validation_error"], "outputs[0]: 9 elements, expected 10");
  LoadRecord back;
  std::string error;
  ASSERT_TRUE(FromJson(json::parse(j.dump()), &back, &error)) << error;
  EXPECT_EQ(back.requests.first_validation_error, r.first_validation_error);
  EXPECT_EQ(back.ToJson().dump(), j.dump());
}

TEST(LoadRecordTest, ReadsBackWhatItWrites) {
  for (LoopMode mode : {LoopMode::kOpen, LoopMode::kClosed}) {
    const json written = LoadRecord::Of(Known(mode)).ToJson();
    // Through text, as the journal stores it.
    const json parsed = json::parse(written.dump());
    LoadRecord back;
    std::string error;
    ASSERT_TRUE(FromJson(parsed, &back, &error)) << error;
    EXPECT_EQ(back.ToJson().dump(), written.dump());
    EXPECT_EQ(back.mode, mode);
    EXPECT_EQ(back.requests.status_codes.at(0), 3);
    EXPECT_EQ(back.windows.size(), 2u);
    EXPECT_EQ(back.windows[1].index, 1);
  }
}

// A scenario run's record: each scenario's outcome (its settings, metric, estimate, bound, lag
// and verdict) and the query latency read back exactly as written; a foreign scenario name or
// verdict is rejected, naming the field.
TEST(LoadRecordTest, ReadsBackAScenarioOutcome) {
  for (LoadScenario kind : {LoadScenario::kSingleStream, LoadScenario::kMultiStream,
                            LoadScenario::kServer, LoadScenario::kOffline}) {
    LoadResult r =
        Known(kind == LoadScenario::kServer || kind == LoadScenario::kOffline ? LoopMode::kOpen
                                                                              : LoopMode::kClosed);
    r.settings.scenario = DefaultLoadScenarioSettings(kind);
    r.settings.scenario.target_rate = 250;
    r.settings.scenario.total_samples = 100;
    if (kind != LoadScenario::kOffline) r.settings.scenario.latency_bound_ns = 5 * kNanosPerMilli;
    r.counters.queries = r.counters.queries_ok = 100;
    r.query_latency.RecordN(2 * kNanosPerMilli, 100);
    r.last_completion_s = 1.5;
    const json written = LoadRecord::Of(r).ToJson();
    ASSERT_TRUE(written.contains("scenario")) << LoadScenarioName(kind);
    EXPECT_EQ(written["scenario"]["name"], LoadScenarioName(kind));
    EXPECT_EQ(written.contains("query_histogram"),
              kind == LoadScenario::kSingleStream || kind == LoadScenario::kMultiStream);
    LoadRecord back;
    std::string error;
    ASSERT_TRUE(FromJson(json::parse(written.dump()), &back, &error)) << error;
    EXPECT_EQ(back.ToJson().dump(), written.dump()) << LoadScenarioName(kind);
    ASSERT_TRUE(back.scenario.has_value());
    EXPECT_EQ(back.scenario->kind, kind);
    EXPECT_EQ(back.scenario->summary, written["scenario"]["summary"]);

    json bad = written;
    bad["scenario"]["name"] = "bursty";
    EXPECT_FALSE(FromJson(bad, &back, &error));
    EXPECT_EQ(error,
              "scenario.name: expected single-stream, multi-stream, server or offline, got "
              "\"bursty\"");
    bad = written;
    bad["scenario"]["result"] = "MAYBE";
    EXPECT_FALSE(FromJson(bad, &back, &error));
    EXPECT_EQ(error, "scenario.result: expected \"VALID\" or \"INVALID\", got \"MAYBE\"");
  }
}

TEST(LoadRecordTest, RejectsAMalformedRecordNamingTheField) {
  const json good = LoadRecord::Of(Known(LoopMode::kOpen)).ToJson();
  auto error_of = [](const json& j) {
    LoadRecord r;
    std::string error;
    EXPECT_FALSE(FromJson(j, &r, &error)) << j.dump().substr(0, 200);
    return error;
  };
  json j = good;
  j["mode"] = "sideways";
  EXPECT_EQ(error_of(j), "mode: expected \"open\" or \"closed\", got \"sideways\"");
  j = good;
  j["arrival"] = "bursty";
  EXPECT_EQ(error_of(j), "arrival: unknown arrival \"bursty\"");
  j = good;
  j["requests"]["errors"]["timeout"] = "1";
  EXPECT_EQ(error_of(j), "requests.errors.timeout: expected an integer, got \"1\"");
  j = good;
  j["requests"]["status_codes"]["2xx"] = 4;
  EXPECT_EQ(error_of(j), "requests.status_codes: \"2xx\" is neither an HTTP status nor \"other\"");
  j = good;
  j["latency_us"].erase("p99");
  EXPECT_EQ(error_of(j), "latency_us.p99: missing");
  j = good;
  j["histogram"] = {{"counts", "none"}};
  EXPECT_EQ(error_of(j).rfind("histogram: ", 0), 0u) << error_of(j);
}

}  // namespace
}  // namespace servebench
