// Copyright servebench authors.

#include "synthetic_records.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>

#include "servebench/load/load_result.h"

namespace servebench::testing {

namespace {

using nlohmann::json;

json DigitsCard() {
  return {{"name", "digits-mlp"},
          {"technique", "none (fp32 baseline)"},
          {"parameter_count", 85002},
          {"nonzero_parameters", 85002},
          {"file_size_bytes", 349418},
          {"accuracy",
           {{"top1", 0.977778},
            {"correct", 440},
            {"samples", 450},
            {"split", {{"test_samples", 450}}}}}};
}

json ResnetCard() {
  return {{"name", "resnet18"},
          {"technique", "none (fp32 baseline)"},
          {"parameter_count", 11689512},
          {"nonzero_parameters", 11684709},
          {"file_size_bytes", 46879916},
          {"accuracy",
           {{"top1", nullptr},
            {"status", "not applicable: seeded random weights, not trained on any data set"}}}};
}

json Summary(double scale) {
  return {{"max_throughput_rps", 1000.0 * scale},
          {"throughput_within_slo_rps", 900.0 * scale},
          {"p50_us", 150.0 * scale},
          {"p99_us", 420.0 * scale},
          {"cpu_percent_mean", 97.5 * scale},
          {"rss_max_bytes", 200.0 * 1024 * 1024 * scale},
          {"cost_per_million", 0.0308 / scale},
          {"energy_per_inference_j", nullptr},
          {"cold_start_s", nullptr}};
}

json Cell(const std::string& variant, const std::string& server, const std::string& scenario,
          const std::string& scenario_kind, const json& card) {
  return {{"record", "cell"},
          {"run_id", "20261127-013000-ab12"},
          {"cell_id", variant + "/" + server + "/" + scenario},
          {"variant", variant},
          {"server", server},
          {"server_kind", server},
          {"scenario", scenario},
          {"scenario_kind", scenario_kind},
          {"status", "ok"},
          {"failure", nullptr},
          {"started_at", "2026-11-27T01:30:05Z"},
          {"finished_at", "2026-11-27T01:30:45Z"},
          {"duration_s", 40.25},
          {"model_card", card},
          {"cold_start", nullptr},
          {"levels", json::array()},
          {"summary", nullptr}};
}

json ColdStart(double base_s) {
  json repeats = json::array();
  for (int i = 0; i < 3; ++i) {
    const double ready = base_s + 0.01 * i;
    repeats.push_back({{"spawn_to_ready_s", ready},
                       {"ready_to_first_inference_s", 0.004},
                       {"spawn_to_first_inference_s", ready + 0.004},
                       {"model_load_s", i == 0 ? json(0.02) : json(nullptr)}});
  }
  return {{"repeats", repeats},
          {"mean",
           {{"spawn_to_ready_s", base_s + 0.01},
            {"ready_to_first_inference_s", 0.004},
            {"spawn_to_first_inference_s", base_s + 0.014},
            {"model_load_s", 0.02}}}};
}

}  // namespace

json SyntheticLevel(int concurrency, double rate, int64_t base_latency_ns) {
  LoadResult result;
  const bool open = rate > 0;
  result.settings.mode = open ? LoopMode::kOpen : LoopMode::kClosed;
  result.settings.concurrency = open ? 1 : concurrency;
  result.settings.rate = rate;
  result.settings.connections = open ? 8 : concurrency;
  result.settings.warmup_ns = 2'000'000'000;
  result.window_s = 6.0;
  for (int i = 0; i < 5000; ++i) {
    const int64_t latency = base_latency_ns + (i % 100) * 1000 + (i % 997 == 0 ? 5'000'000 : 0);
    result.latency.Record(latency);
    result.service_time.Record(latency - 20'000);
    if (open) result.schedule_lag.Record(3000 + i % 50);
  }
  LoadCounters& c = result.counters;
  c.scheduled = open ? 5003 : 0;
  c.sent = 5003;
  c.completed = 5001;
  c.ok = 5000;
  c.errors.timeout = 2;
  c.errors.http_status = 1;
  c.ok_in_window = 5010;
  c.late = 7;
  c.status_codes[200] = 5000;
  c.status_codes[503] = 1;
  result.cpu_seconds = 1.5;
  result.wall_seconds = 8.1;
  result.cpu_utilization = 1.5 / 8.1;

  json level =
      open ? json{{"rate", rate}, {"arrival", "poisson"}} : json{{"concurrency", concurrency}};
  return {{"level", level},
          {"windows", 3},
          {"stable", true},
          {"max_duration_reached", false},
          {"slo_met", base_latency_ns < 50'000'000},
          {"goodput_rps", 830.5},
          {"load", result.ToJson()},
          {"resources",
           {{"samples", 60},
            {"period_s", 0.1},
            {"cpu_percent", {{"mean", 95.25}, {"max", 101.0}}},
            {"rss_bytes", {{"mean", 1.9e8}, {"max", 2.1e8}}},
            {"pss_bytes", {{"mean", 1.7e8}, {"max", 1.8e8}}},
            {"threads", {{"mean", 12.0}, {"max", 13.0}}},
            {"processes_max", 1},
            {"gpu", nullptr}}},
          {"server_side",
           {{"requests", 5000.0},
            {"inferences", 5000.0},
            {"executions", 4100.0},
            {"queue_us_per_request", 12.5},
            {"compute_us_per_request", 88.25},
            {"request_us_per_request", 110.0}}},
          {"energy_j", nullptr}};
}

json SyntheticRun() {
  return {{"run_id", "20261127-013000-ab12"},
          {"name", "default"},
          {"config_source", "<embedded default>"},
          {"config", "name: default\nmodels:\n  variants: [digits-mlp, resnet18]\n"},
          {"started_at", "2026-11-27T01:30:00Z"},
          {"finished_at", "2026-11-27T01:42:10Z"},
          {"servebench_version", "0.1.0"},
          {"quick", true},
          {"filter", "variant=digits-mlp,resnet18"},
          {"slo", {{"percentile", 99}, {"bound_us", 100000}}},
          {"cost", {{"hourly_price", 0.1}, {"hourly_price_per_core", 0}, {"currency", "USD"}}}};
}

json SyntheticEnvironment() {
  return {{"cpu_model", "Test CPU @ 3.0GHz"},
          {"cores", 2},
          {"cores_allowed", 2},
          {"memory_bytes", 8589934592LL},
          {"kernel", "Linux 6.1.0-test"},
          {"os", "Debian GNU/Linux 12 (bookworm)"},
          {"hostname", "bench-host"},
          {"servebench_version", "0.1.0"},
          {"compiler", "gcc 12.2.0"},
          {"libraries", {{"boost", "1.74"}, {"sqlite", "3.40.1"}, {"torch", "2.1.2+dfsg-4"}}},
          {"gpu", json::array()}};
}

std::vector<json> SyntheticCells() {
  std::vector<json> cells;
  const json digits = DigitsCard();
  const json resnet = ResnetCard();
  struct Pair {
    std::string variant, server;
    json card;
    double scale;
  };
  const std::vector<Pair> pairs = {{"digits-mlp", "torchscript", digits, 1.0},
                                   {"digits-mlp", "fastapi", digits, 0.25},
                                   {"resnet18", "torchscript", resnet, 0.5},
                                   {"resnet18", "fastapi", resnet, 0.125}};
  for (const Pair& p : pairs) {
    json cold = Cell(p.variant, p.server, "cold_start", "cold_start", p.card);
    cold["cold_start"] = ColdStart(0.5 / p.scale);
    cold["summary"] = {{"max_throughput_rps", nullptr},
                       {"throughput_within_slo_rps", nullptr},
                       {"p50_us", nullptr},
                       {"p99_us", nullptr},
                       {"cpu_percent_mean", nullptr},
                       {"rss_max_bytes", nullptr},
                       {"cost_per_million", nullptr},
                       {"energy_per_inference_j", nullptr},
                       {"cold_start_s", cold["cold_start"]["mean"]["spawn_to_first_inference_s"]}};
    cells.push_back(cold);

    json closed = Cell(p.variant, p.server, "concurrency", "concurrency_sweep", p.card);
    if (p.variant == "resnet18" && p.server == "fastapi") {
      closed["status"] = "failed";
      closed["failure"] = {
          {"message", "server exited before ready, \"model\" missing"},
          {"exit", "exited with status 1"},
          {"log_tail", {"Traceback (most recent call last):", "  ```", "KeyError: 'resnet18'"}}};
      closed["summary"] = Summary(p.scale);
      for (const char* key : {"max_throughput_rps", "throughput_within_slo_rps", "p50_us", "p99_us",
                              "cpu_percent_mean", "rss_max_bytes", "cost_per_million"}) {
        closed["summary"][key] = nullptr;
      }
    } else {
      closed["levels"].push_back(SyntheticLevel(1, 0, 150'000));
      closed["levels"].push_back(SyntheticLevel(4, 0, 400'000));
      closed["summary"] = Summary(p.scale);
    }
    cells.push_back(closed);

    json rate = Cell(p.variant, p.server, "poisson", "rate_sweep", p.card);
    rate["levels"].push_back(SyntheticLevel(0, 100, 120'000));
    rate["levels"].push_back(SyntheticLevel(0, 200, 90'000'000));
    rate["summary"] = Summary(p.scale * 1.5);
    cells.push_back(rate);
  }
  return cells;
}

std::string MakeTempDir() {
  std::string pattern = ::testing::TempDir() + "servebench-results-XXXXXX";
  char* made = ::mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr);
  return pattern;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace servebench::testing
