// Copyright servebench authors.
//
// The run, cell and level records: ToJson writes exactly the names docs/results.md lists (the
// journal and results.json keep them), FromJson reads back what ToJson wrote, and a malformed
// record is refused with the path of the field that is wrong.

#include "servebench/records/cell_record.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "servebench/records/run_record.h"
#include "synthetic_records.h"

namespace servebench {
namespace {

using nlohmann::json;

std::set<std::string> Keys(const json& j) {
  std::set<std::string> keys;
  for (const auto& [key, value] : j.items()) keys.insert(key);
  return keys;
}

const CellRecord& FindCell(const std::vector<CellRecord>& cells, const std::string& id) {
  for (const CellRecord& c : cells) {
    if (c.cell_id == id) return c;
  }
  ADD_FAILURE() << "no cell " << id;
  return cells.front();
}

// A cell's JSON through text and back, as the journal and `servebench report` take it.
std::string RoundTrip(const CellRecord& cell) {
  CellRecord back;
  std::string error;
  EXPECT_TRUE(CellRecord::FromJson(json::parse(cell.ToJson().dump()), &back, &error)) << error;
  return back.ToJson().dump();
}

std::string ErrorOf(const json& j) {
  CellRecord cell;
  std::string error;
  EXPECT_FALSE(CellRecord::FromJson(j, &cell, &error)) << j.dump().substr(0, 300);
  return error;
}

TEST(CellRecordTest, WritesTheCellAndLevelNames) {
  const std::vector<CellRecord> cells = testing::SyntheticCells();
  const json rate = FindCell(cells, "digits-mlp/torchscript/poisson").ToJson();
  EXPECT_EQ(
      Keys(rate),
      (std::set<std::string>{
          "record",     "run_id",        "cell_id",    "variant", "server",      "server_kind",
          "scenario",   "scenario_kind", "status",     "failure", "started_at",  "finished_at",
          "duration_s", "model_card",    "cold_start", "levels",  "server_cpus", "log",
          "slo",        "repeats",       "searches",   "summary", "accuracy",    "environment"}));
  EXPECT_EQ(rate["record"], "cell");
  EXPECT_EQ(rate["status"], "ok");
  EXPECT_TRUE(rate["failure"].is_null());
  EXPECT_TRUE(rate["cold_start"].is_null());
  EXPECT_TRUE(rate["accuracy"].is_null());
  EXPECT_EQ(rate["slo"], (json{{"constraints", {{{"percentile", 99.0}, {"bound_us", 100000.0}}}},
                               {"request_bound_us", 100000.0},
                               {"source", "global"}}));
  EXPECT_EQ(rate["repeats"], 1);
  ASSERT_EQ(rate["searches"].size(), 1u);
  EXPECT_EQ(rate["searches"][0], (json{{"repeat", 0},
                                       {"kind", "rate"},
                                       {"end", "converged"},
                                       {"tolerance", 0.05},
                                       {"found", 100.0},
                                       {"upper", 200.0},
                                       {"probes", {0, 1}}}));
  EXPECT_EQ(Keys(rate["summary"]),
            (std::set<std::string>{"max_throughput_rps", "throughput_within_slo_rps",
                                   "found_rate_rps", "best_concurrency", "slo_latency_us", "p50_us",
                                   "p99_us", "cpu_percent_mean", "rss_max_bytes",
                                   "cost_per_million", "energy_per_inference_j", "cold_start_s",
                                   "levels", "inconclusive_levels", "unstable_levels",
                                   "lag_flagged_levels", "disturbed_levels", "repeats"}));
  EXPECT_EQ(rate["summary"]["levels"], 2);
  EXPECT_TRUE(rate["summary"]["repeats"].is_null());
  EXPECT_TRUE(rate["summary"]["cold_start_s"].is_null());

  const json& fast = rate["levels"][0];  // met the SLO: no recovery wait
  EXPECT_EQ(Keys(fast), (std::set<std::string>{"level",
                                               "repeat",
                                               "windows",
                                               "stable",
                                               "max_duration_reached",
                                               "overloaded",
                                               "samples",
                                               "slo_verdict",
                                               "slo_met",
                                               "slo_reason",
                                               "slo_constraints",
                                               "goodput_rps",
                                               "latency_ci_us",
                                               "generator_lag",
                                               "noise",
                                               "load",
                                               "resources",
                                               "server_side",
                                               "energy_j",
                                               "generators"}));
  EXPECT_EQ(fast["slo_verdict"], "met");
  EXPECT_EQ(Keys(fast["slo_constraints"][0]),
            (std::set<std::string>{"percentile", "bound_us", "verdict", "latency_us", "overruns",
                                   "min_queries"}));
  EXPECT_EQ(Keys(fast["latency_ci_us"]),
            (std::set<std::string>{"confidence", "p50", "p90", "p95", "p99", "p999"}));
  EXPECT_TRUE(fast["latency_ci_us"]["p999"]["upper"].is_null());  // unbounded: null
  EXPECT_EQ(Keys(fast["generator_lag"]), (std::set<std::string>{"schedule_lag_p99_us", "percentile",
                                                                "latency_us", "share", "flagged"}));
  EXPECT_EQ(Keys(fast["noise"]), (std::set<std::string>{"cpus", "seconds", "steal_percent",
                                                        "foreign_cpu_percent", "disturbed"}));
  EXPECT_EQ(fast["level"], (json{{"rate", 100.0}, {"arrival", "poisson"}}));
  EXPECT_TRUE(fast["energy_j"].is_null());
  EXPECT_EQ(rate["levels"][1]["recovery_s"], 0.25);
  EXPECT_EQ(Keys(fast["resources"]),
            (std::set<std::string>{"samples", "period_s", "cpu_percent", "rss_bytes", "pss_bytes",
                                   "threads", "processes_max"}));  // no GPU: absent
  EXPECT_EQ(fast["resources"]["cpu_percent"], (json{{"mean", 95.25}, {"max", 101.0}}));
  EXPECT_EQ(Keys(fast["server_side"]),
            (std::set<std::string>{"requests", "inferences", "executions", "queue_us_per_request",
                                   "compute_us_per_request", "request_us_per_request"}));

  const json closed = FindCell(cells, "digits-mlp/torchscript/concurrency").ToJson();
  EXPECT_FALSE(closed.contains("saturated_at_rps"));
  EXPECT_EQ(closed["levels"][1]["level"], (json{{"concurrency", 4}}));

  const json cold = FindCell(cells, "digits-mlp/torchscript/cold_start").ToJson();
  EXPECT_EQ(Keys(cold["cold_start"]), (std::set<std::string>{"repeats", "mean"}));
  EXPECT_EQ(cold["cold_start"]["repeats"][0]["model_load_s"], 0.02);
  EXPECT_FALSE(cold["cold_start"]["repeats"][1].contains("model_load_s"));  // absent, not 0
  EXPECT_TRUE(cold["levels"].empty());

  const json failed = FindCell(cells, "resnet18/fastapi/concurrency").ToJson();
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_EQ(failed["failure"],
            (json{{"message", "server exited before ready, \"model\" missing"},
                  {"exit", "exited with status 1"},
                  {"log_tail",
                   {"Traceback (most recent call last):", "  ```", "KeyError: 'resnet18'"}}}));
}

TEST(CellRecordTest, ReadsBackWhatItWrites) {
  for (const CellRecord& cell : testing::SyntheticCells()) {
    EXPECT_EQ(RoundTrip(cell), cell.ToJson().dump()) << cell.cell_id;
  }
  // Optional parts that the synthetic run leaves out.
  CellRecord cell = testing::SyntheticCells()[2];
  cell.levels[0].energy_j = 12.5;
  cell.levels[0].resources->gpu =
      GpuRecord{1, MeanMax{40, 90}, MeanMax{1e9, 1.2e9}, MeanMax{60, 75}};
  cell.failure = CellFailure{"a message", std::nullopt, {}};
  cell.model_card = nullptr;
  EXPECT_EQ(RoundTrip(cell), cell.ToJson().dump());
  EXPECT_EQ(cell.ToJson()["levels"][0]["resources"]["gpu"]["devices"], 1);
  EXPECT_TRUE(cell.ToJson()["failure"]["exit"].is_null());
}

TEST(CellRecordTest, AccuracyCellsWriteAndReadTheirResult) {
  const std::vector<CellRecord> cells = testing::SyntheticAccuracyCells();
  for (const CellRecord& cell : cells) {
    EXPECT_EQ(RoundTrip(cell), cell.ToJson().dump()) << cell.cell_id;
  }
  const json changed = cells[1].ToJson();
  EXPECT_EQ(changed["scenario_kind"], "accuracy");
  EXPECT_TRUE(changed["levels"].empty());
  EXPECT_EQ(Keys(changed["accuracy"]),
            (std::set<std::string>{"status", "reason", "test_data", "batch", "requests", "samples",
                                   "correct", "top1", "card_samples", "card_correct", "card_top1",
                                   "differs_by", "warning"}));
  EXPECT_EQ(changed["accuracy"]["status"], "measured");
  EXPECT_EQ(changed["accuracy"]["differs_by"], -10);
  EXPECT_TRUE(changed["accuracy"]["reason"].is_null());
  const json skipped = cells[2].ToJson();
  EXPECT_EQ(skipped["accuracy"]["status"], "skipped");
  EXPECT_TRUE(skipped["accuracy"]["correct"].is_null());
  EXPECT_TRUE(skipped["accuracy"]["warning"].is_null());

  json j = changed;
  j["accuracy"]["status"] = "maybe";
  EXPECT_EQ(ErrorOf(j), "accuracy.status: expected \"measured\" or \"skipped\", got \"maybe\"");
  j = changed;
  j["accuracy"]["correct"] = 430.5;
  EXPECT_EQ(ErrorOf(j), "accuracy.correct: expected an integer, got 430.5");
  // A record from before accuracy cells has no "accuracy": it reads as null.
  j = FindCell(testing::SyntheticCells(), "digits-mlp/torchscript/poisson").ToJson();
  j.erase("accuracy");
  CellRecord old;
  std::string error;
  ASSERT_TRUE(CellRecord::FromJson(j, &old, &error)) << error;
  EXPECT_FALSE(old.accuracy);
}

TEST(CellRecordTest, RefusesAMalformedRecordNamingTheField) {
  const json good = FindCell(testing::SyntheticCells(), "digits-mlp/torchscript/poisson").ToJson();
  json j = good;
  j["levels"][1]["load"]["requests"]["ok"] = 1.5;
  EXPECT_EQ(ErrorOf(j), "levels[1].load.requests.ok: expected an integer, got 1.5");
  j = good;
  j["levels"][0]["load"].erase("throughput_rps");
  EXPECT_EQ(ErrorOf(j), "levels[0].load.throughput_rps: missing");
  j = good;
  j["levels"][0]["resources"]["cpu_percent"]["mean"] = "high";
  EXPECT_EQ(ErrorOf(j), "levels[0].resources.cpu_percent.mean: expected a number, got \"high\"");
  j = good;
  j["levels"][0]["level"]["concurrency"] = 4;
  EXPECT_EQ(ErrorOf(j), "levels[0].level: expected exactly one of \"concurrency\" and \"rate\"");
  j = good;
  j["levels"][0]["level"].erase("arrival");
  EXPECT_EQ(ErrorOf(j), "levels[0].level.arrival: missing");
  j = good;
  j["status"] = "maybe";
  EXPECT_EQ(ErrorOf(j), "status: expected \"ok\", \"failed\" or \"interrupted\", got \"maybe\"");
  j = good;
  j["record"] = "run";
  EXPECT_EQ(ErrorOf(j), "record: expected \"cell\", got \"run\"");
  j = good;
  j.erase("summary");
  EXPECT_EQ(ErrorOf(j), "summary: missing");
  j = good;
  j["summary"]["p99_us"] = true;
  EXPECT_EQ(ErrorOf(j), "summary.p99_us: expected a number, got true");
  j = good;
  j["server_cpus"] = {1, "two"};
  EXPECT_EQ(ErrorOf(j), "server_cpus[1]: expected an integer, got \"two\"");
  j = good;
  j["failure"] = {{"message", "x"}, {"exit", nullptr}, {"log_tail", {"line", 3}}};
  EXPECT_EQ(ErrorOf(j), "failure.log_tail[1]: expected a string, got 3");
  j = FindCell(testing::SyntheticCells(), "digits-mlp/torchscript/cold_start").ToJson();
  j["cold_start"]["repeats"][2]["spawn_to_ready_s"] = nullptr;
  EXPECT_EQ(ErrorOf(j), "cold_start.repeats[2].spawn_to_ready_s: expected a number, got null");
  EXPECT_EQ(ErrorOf(json::array()), "expected an object, got []");
}

TEST(RunRecordTest, WritesAndReadsTheRunRecord) {
  const RunRecord run = testing::SyntheticRun();
  const json j = run.ToJson();
  EXPECT_EQ(Keys(j),
            (std::set<std::string>{"record", "run_id", "name", "config_source", "config_base_dir",
                                   "config", "started_at", "finished_at", "servebench_version",
                                   "quick", "filter", "repeat", "slo", "cost", "accuracy_floor"}));
  EXPECT_EQ(j["record"], "run");
  EXPECT_TRUE(j["repeat"].is_null());
  EXPECT_TRUE(j["accuracy_floor"].is_null());
  EXPECT_EQ(j["slo"]["constraints"], (json{{{"percentile", 99.0}, {"bound_us", 100000.0}}}));
  EXPECT_EQ(j["cost"],
            (json{{"hourly_price", 0.1}, {"hourly_price_per_core", 0.0}, {"currency", "USD"}}));
  RunRecord unfinished = run;
  unfinished.finished_at.reset();
  EXPECT_TRUE(unfinished.ToJson()["finished_at"].is_null());
  RunRecord floored = run;
  floored.accuracy_floor = 0.95;
  EXPECT_EQ(floored.ToJson()["accuracy_floor"], 0.95);
  // A run record from before the report's floor reads as without one.
  json old = j;
  old.erase("accuracy_floor");
  RunRecord old_back;
  std::string old_error;
  ASSERT_TRUE(RunRecord::FromJson(old, &old_back, &old_error)) << old_error;
  EXPECT_FALSE(old_back.accuracy_floor);

  for (const RunRecord& r : {run, unfinished, floored}) {
    RunRecord back;
    std::string error;
    ASSERT_TRUE(RunRecord::FromJson(json::parse(r.ToJson().dump()), &back, &error)) << error;
    EXPECT_EQ(back.ToJson(), r.ToJson());
  }
  json bad = j;
  bad["slo"]["constraints"][0]["bound_us"] = "100 ms";
  RunRecord out;
  std::string error;
  EXPECT_FALSE(RunRecord::FromJson(bad, &out, &error));
  EXPECT_EQ(error, "slo.constraints[0].bound_us: expected a number, got \"100 ms\"");
  bad = j;
  bad["quick"] = 1;
  EXPECT_FALSE(RunRecord::FromJson(bad, &out, &error));
  EXPECT_EQ(error, "quick: expected true or false, got 1");
}

}  // namespace
}  // namespace servebench
