// Copyright servebench authors.

#include "synthetic_records.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>

#include "servebench/load/load_record.h"
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

CellSummary Summary(double scale) {
  CellSummary s;
  s.max_throughput_rps = 1000.0 * scale;
  s.throughput_within_slo_rps = 900.0 * scale;
  s.p50_us = 150.0 * scale;
  s.p99_us = 420.0 * scale;
  s.cpu_percent_mean = 97.5 * scale;
  s.rss_max_bytes = 200.0 * 1024 * 1024 * scale;
  s.cost_per_million = 0.0308 / scale;
  s.levels = 2;
  return s;
}

CellRecord Cell(const std::string& variant, const std::string& server, const std::string& scenario,
                const std::string& scenario_kind, const json& card) {
  CellRecord c;
  c.run_id = "20261127-013000-ab12";
  c.cell_id = variant + "/" + server + "/" + scenario;
  c.variant = variant;
  c.server = server;
  c.server_kind = server;
  c.scenario = scenario;
  c.scenario_kind = scenario_kind;
  c.started_at = "2026-11-27T01:30:05Z";
  c.finished_at = "2026-11-27T01:30:45Z";
  c.duration_s = 40.25;
  c.model_card = card;
  c.server_cpus = {1};
  c.log = "runs/20261127-013000-ab12/logs/" + variant + "_" + server + "_" + scenario + ".log";
  c.slo.constraints = {{99, 100000}};
  c.slo.request_bound_us = 100000;
  c.slo.source = "global";
  return c;
}

ColdStartRecord ColdStart(double base_s) {
  ColdStartRecord cold;
  for (int i = 0; i < 3; ++i) {
    ColdStartTimes t;
    t.spawn_to_ready_s = base_s + 0.01 * i;
    t.ready_to_first_inference_s = 0.004;
    t.spawn_to_first_inference_s = t.spawn_to_ready_s + 0.004;
    if (i == 0) t.model_load_s = 0.02;
    cold.repeats.push_back(t);
  }
  cold.mean.spawn_to_ready_s = base_s + 0.01;
  cold.mean.ready_to_first_inference_s = 0.004;
  cold.mean.spawn_to_first_inference_s = base_s + 0.014;
  cold.mean.model_load_s = 0.02;
  return cold;
}

}  // namespace

LevelRecord SyntheticLevel(int concurrency, double rate, int64_t base_latency_ns) {
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
  for (int k = 0; k < 3; ++k) {
    WindowStats w;
    w.index = k;
    w.seconds = 2.0;
    w.ok = 1670 - k;
    w.throughput_rps = w.ok / w.seconds;
    w.mean_latency_us = base_latency_ns / 1e3 + 49.5;
    result.windows.push_back(w);
  }

  LevelRecord level;
  level.level = open ? LevelPoint::Rate(rate, "poisson") : LevelPoint::Concurrency(concurrency);
  level.windows = 3;
  level.stable = true;
  level.max_duration_reached = false;
  level.overloaded = false;
  level.slo_met = base_latency_ns < 50'000'000;
  level.samples = 5000;
  level.slo_verdict = level.slo_met ? "met" : "not_met";
  if (!level.slo_met) level.slo_reason = "p99 <= 100 ms exceeded with 99% confidence";
  ConstraintVerdictRecord constraint;
  constraint.percentile = 99;
  constraint.bound_us = 100000;
  constraint.verdict = level.slo_verdict;
  constraint.latency_us = base_latency_ns / 1e3 + 99.0;
  constraint.overruns = level.slo_met ? 0 : 5000;
  constraint.min_queries = level.slo_met ? 459 : 99999;
  level.slo_constraints = {constraint};
  level.latency_ci_us.confidence = 0.95;
  level.latency_ci_us.p50 = {base_latency_ns / 1e3 + 48.0, base_latency_ns / 1e3 + 51.0};
  level.latency_ci_us.p90 = {base_latency_ns / 1e3 + 88.0, base_latency_ns / 1e3 + 91.0};
  level.latency_ci_us.p95 = {base_latency_ns / 1e3 + 93.0, base_latency_ns / 1e3 + 96.0};
  level.latency_ci_us.p99 = {base_latency_ns / 1e3 + 98.0, base_latency_ns / 1e3 + 99.0};
  level.latency_ci_us.p999 = {base_latency_ns / 1e3 + 99.0, std::nullopt};
  if (open) {
    GeneratorLagRecord lag;
    lag.schedule_lag_p99_us = 3.049;
    lag.percentile = 99;
    lag.latency_us = base_latency_ns / 1e3 + 99.0;
    lag.share = lag.schedule_lag_p99_us / lag.latency_us;
    lag.flagged = false;
    level.generator_lag = lag;
  }
  NoiseRecord noise;
  noise.cpus = {0, 1};
  noise.seconds = 6.5;
  noise.steal_percent = 1.5;
  noise.foreign_cpu_percent = level.slo_met ? 2.0 : 35.0;
  noise.disturbed = !level.slo_met;
  level.noise = noise;
  level.goodput_rps = 830.5;
  if (!level.slo_met) level.recovery_s = 0.25;
  level.load = LoadRecord::Of(result);
  ResourceRecord resources;
  resources.samples = 60;
  resources.period_s = 0.1;
  resources.cpu_percent = {95.25, 101.0};
  resources.rss_bytes = {1.9e8, 2.1e8};
  resources.pss_bytes = {1.7e8, 1.8e8};
  resources.threads = {12.0, 13.0};
  resources.processes_max = 1;
  level.resources = resources;
  ServerSideRecord server_side;
  server_side.requests = 5000.0;
  server_side.inferences = 5000.0;
  server_side.executions = 4100.0;
  server_side.queue_us_per_request = 12.5;
  server_side.compute_us_per_request = 88.25;
  server_side.request_us_per_request = 110.0;
  level.server_side = server_side;
  return level;
}

RunRecord SyntheticRun() {
  RunRecord run;
  run.run_id = "20261127-013000-ab12";
  run.name = "default";
  run.config_source = "<embedded default>";
  run.config_base_dir = "/srv/experiments";
  run.config = "name: default\nmodels:\n  variants: [digits-mlp, resnet18]\n";
  run.started_at = "2026-11-27T01:30:00Z";
  run.finished_at = "2026-11-27T01:42:10Z";
  run.servebench_version = "0.1.0";
  run.quick = true;
  run.filter = "variant=digits-mlp,resnet18";
  run.slo.constraints = {{99, 100000}};
  run.slo.request_bound_us = 100000;
  run.slo.source = "global";
  run.cost = {0.1, 0, "USD"};
  return run;
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

std::vector<CellRecord> SyntheticCells() {
  std::vector<CellRecord> cells;
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
    CellRecord cold = Cell(p.variant, p.server, "cold_start", "cold_start", p.card);
    cold.cold_start = ColdStart(0.5 / p.scale);
    cold.summary.cold_start_s = cold.cold_start->mean.spawn_to_first_inference_s;
    cells.push_back(cold);

    CellRecord closed = Cell(p.variant, p.server, "concurrency", "concurrency_sweep", p.card);
    if (p.variant == "resnet18" && p.server == "fastapi") {
      closed.status = CellStatus::kFailed;
      CellFailure failure;
      failure.message = "server exited before ready, \"model\" missing";
      failure.exit = "exited with status 1";
      failure.log_tail = {"Traceback (most recent call last):", "  ```", "KeyError: 'resnet18'"};
      closed.failure = failure;
    } else {
      closed.levels.push_back(SyntheticLevel(1, 0, 150'000));
      closed.levels.push_back(SyntheticLevel(4, 0, 400'000));
      closed.summary = Summary(p.scale);
    }
    cells.push_back(closed);

    CellRecord rate = Cell(p.variant, p.server, "poisson", "rate_sweep", p.card);
    rate.levels.push_back(SyntheticLevel(0, 100, 120'000));
    rate.levels.push_back(SyntheticLevel(0, 200, 90'000'000));
    SearchRecord search;
    search.kind = "rate";
    search.end = "converged";
    search.tolerance = 0.05;
    search.found = 100;
    search.upper = 200;
    search.probes = {0, 1};
    rate.searches.push_back(search);
    rate.summary = Summary(p.scale * 1.5);
    rate.summary.found_rate_rps = 100;
    rate.summary.slo_latency_us = 219.0;
    rate.summary.levels = 2;
    rate.summary.disturbed_levels = 1;
    cells.push_back(rate);
  }
  return cells;
}

std::vector<CellRecord> SyntheticAccuracyCells() {
  std::vector<CellRecord> cells;
  const auto measured = [](int64_t correct) {
    AccuracyRecord a;
    a.test_data = "/zoo/digits-mlp/test_data/test_data.json";
    a.requests = 450;
    a.samples = 450;
    a.correct = correct;
    a.top1 = correct / 450.0;
    a.card_samples = 450;
    a.card_correct = 440;
    a.card_top1 = 0.977778;
    a.differs_by = correct - 440;
    return a;
  };
  CellRecord agrees = Cell("digits-mlp", "torchscript", "accuracy", "accuracy", DigitsCard());
  agrees.accuracy = measured(440);
  cells.push_back(agrees);
  CellRecord changed = Cell("digits-mlp", "fastapi", "accuracy", "accuracy", DigitsCard());
  changed.accuracy = measured(430);
  changed.accuracy->warning =
      "top-1 through the server 95.56% (430 of 450) differs from the card's 97.78% (440 of 450) "
      "by 10 samples: the server changes the model's answers";
  cells.push_back(changed);
  CellRecord skipped = Cell("resnet18", "torchscript", "accuracy", "accuracy", ResnetCard());
  skipped.accuracy = AccuracyRecord();
  skipped.accuracy->skipped = true;
  skipped.accuracy->reason =
      "no test data for resnet18: its card says accuracy is not applicable: seeded random "
      "weights, not trained on any data set";
  cells.push_back(skipped);
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
