// Copyright servebench authors.

#include "servebench/bench/results_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <map>
#include <string>
#include <vector>

#include "synthetic_records.h"

namespace servebench {
namespace {

using nlohmann::json;
using testing::MakeTempDir;
using testing::SyntheticCells;
using testing::SyntheticEnvironment;
using testing::SyntheticRun;

// A row as JSON values (NULL: null, INTEGER: integer, REAL: float, TEXT: string).
using Row = std::map<std::string, json>;

std::vector<Row> Query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  std::vector<Row> rows;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    Row row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      json value;
      switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_INTEGER:
          value = static_cast<int64_t>(sqlite3_column_int64(stmt, i));
          break;
        case SQLITE_FLOAT:
          value = sqlite3_column_double(stmt, i);
          break;
        case SQLITE_TEXT:
          value = std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)));
          break;
        default:
          break;
      }
      row[sqlite3_column_name(stmt, i)] = value;
    }
    rows.push_back(row);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

json At(const json& j, const std::string& dotted) {
  const json* node = &j;
  size_t start = 0;
  while (start <= dotted.size()) {
    const size_t dot = dotted.find('.', start);
    const std::string key = dotted.substr(start, dot - start);
    if (!node->is_object() || !node->contains(key)) return json();
    node = &(*node)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return *node;
}

// SQLite keeps booleans as 0/1 and integral REALs may come back as floats: compare as values.
void ExpectSame(const json& stored, const json& expected, const std::string& what) {
  if (expected.is_null()) {
    EXPECT_TRUE(stored.is_null()) << what << ": " << stored;
  } else if (expected.is_boolean()) {
    EXPECT_EQ(stored, expected.get<bool>() ? 1 : 0) << what;
  } else if (expected.is_number()) {
    ASSERT_TRUE(stored.is_number()) << what << ": " << stored;
    EXPECT_DOUBLE_EQ(stored.get<double>(), expected.get<double>()) << what;
  } else if (expected.is_string()) {
    EXPECT_EQ(stored, expected) << what;
  } else {
    ASSERT_TRUE(stored.is_string()) << what;
    EXPECT_EQ(json::parse(stored.get<std::string>()), expected) << what;
  }
}

void Leaves(const json& node, const std::string& prefix, std::map<std::string, double>* out) {
  if (node.is_number()) {
    (*out)[prefix] = node.get<double>();
  } else if (node.is_object()) {
    for (const auto& [key, child] : node.items()) {
      const std::string name = prefix.empty() ? key : prefix + "." + key;
      if (name != "load.histogram") Leaves(child, name, out);
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) Leaves(node[i], prefix + "." + std::to_string(i), out);
  }
}

class ResultsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = MakeTempDir() + "/results.db";
    std::string error;
    store_ = ResultsStore::Open(path_, &error);
    ASSERT_NE(store_, nullptr) << error;
    ASSERT_TRUE(store_->PutRun(SyntheticRun(), SyntheticEnvironment(), &error)) << error;
  }

  std::string path_;
  std::unique_ptr<ResultsStore> store_;
};

TEST_F(ResultsStoreTest, RunAndEnvironmentRowsEqualTheRecords) {
  const json run = SyntheticRun().ToJson();
  const auto runs = Query(path_, "SELECT * FROM runs");
  ASSERT_EQ(runs.size(), 1u);
  const std::map<std::string, std::string> columns = {
      {"run_id", "run_id"},
      {"name", "name"},
      {"config_source", "config_source"},
      {"config", "config"},
      {"started_at", "started_at"},
      {"finished_at", "finished_at"},
      {"servebench_version", "servebench_version"},
      {"quick", "quick"},
      {"filter", "filter"},
      {"repeat", "repeat"},
      {"hourly_price", "cost.hourly_price"},
      {"hourly_price_per_core", "cost.hourly_price_per_core"},
      {"currency", "cost.currency"}};
  for (const auto& [column, path] : columns) ExpectSame(runs[0].at(column), At(run, path), column);
  EXPECT_EQ(json::parse(runs[0].at("slo").get<std::string>()), run["slo"]);
  EXPECT_EQ(json::parse(runs[0].at("record").get<std::string>()), run);

  std::map<std::string, json> env;
  for (const Row& row : Query(path_, "SELECT key, value FROM environment")) {
    env[row.at("key")] = row.at("value");
  }
  EXPECT_EQ(env.at("cpu_model"), "Test CPU @ 3.0GHz");
  EXPECT_EQ(env.at("cores"), "2");
  EXPECT_EQ(env.at("kernel"), "Linux 6.1.0-test");
  EXPECT_EQ(env.at("libraries.sqlite"), "3.40.1");
  EXPECT_EQ(env.at("gpu"), "[]");
  EXPECT_EQ(env.size(), 13u);
}

TEST_F(ResultsStoreTest, CellLevelMetricAndHistogramRowsEqualTheRecords) {
  std::vector<json> cells;  // as results.json has them: the columns must agree with it
  std::string error;
  for (const CellRecord& cell : SyntheticCells()) {
    ASSERT_TRUE(store_->PutCell(cell, &error)) << error;
    cells.push_back(cell.ToJson());
  }

  const auto cell_rows = Query(path_, "SELECT * FROM cells ORDER BY rowid");
  ASSERT_EQ(cell_rows.size(), cells.size());
  const std::map<std::string, std::string> cell_columns = {
      {"run_id", "run_id"},
      {"cell_id", "cell_id"},
      {"variant", "variant"},
      {"server", "server"},
      {"server_kind", "server_kind"},
      {"scenario", "scenario"},
      {"scenario_kind", "scenario_kind"},
      {"status", "status"},
      {"failure_message", "failure.message"},
      {"failure", "failure"},
      {"started_at", "started_at"},
      {"finished_at", "finished_at"},
      {"duration_s", "duration_s"},
      {"max_throughput_rps", "summary.max_throughput_rps"},
      {"throughput_within_slo_rps", "summary.throughput_within_slo_rps"},
      {"p50_us", "summary.p50_us"},
      {"p99_us", "summary.p99_us"},
      {"cpu_percent_mean", "summary.cpu_percent_mean"},
      {"rss_max_bytes", "summary.rss_max_bytes"},
      {"cost_per_million", "summary.cost_per_million"},
      {"energy_per_inference_j", "summary.energy_per_inference_j"},
      {"cold_start_s", "summary.cold_start_s"},
      {"accuracy_top1", "model_card.accuracy.top1"},
      {"model_card", "model_card"},
      {"cold_start", "cold_start"}};
  for (size_t i = 0; i < cells.size(); ++i) {
    for (const auto& [column, path] : cell_columns) {
      ExpectSame(cell_rows[i].at(column), At(cells[i], path),
                 cells[i]["cell_id"].get<std::string>() + " " + column);
    }
    EXPECT_EQ(json::parse(cell_rows[i].at("record").get<std::string>()), cells[i]);
  }

  const std::map<std::string, std::string> level_columns = {
      {"arrival", "level.arrival"},
      {"windows", "windows"},
      {"stable", "stable"},
      {"max_duration_reached", "max_duration_reached"},
      {"slo_met", "slo_met"},
      {"throughput_rps", "load.throughput_rps"},
      {"goodput_rps", "goodput_rps"},
      {"sent", "load.requests.sent"},
      {"completed", "load.requests.completed"},
      {"ok", "load.requests.ok"},
      {"errors_connect", "load.requests.errors.connect"},
      {"errors_timeout", "load.requests.errors.timeout"},
      {"errors_http_status", "load.requests.errors.http_status"},
      {"errors_protocol", "load.requests.errors.protocol"},
      {"errors_validation", "load.requests.errors.validation"},
      {"latency_p50_us", "load.latency_us.p50"},
      {"latency_p90_us", "load.latency_us.p90"},
      {"latency_p95_us", "load.latency_us.p95"},
      {"latency_p99_us", "load.latency_us.p99"},
      {"latency_p999_us", "load.latency_us.p999"},
      {"latency_p9999_us", "load.latency_us.p9999"},
      {"latency_max_us", "load.latency_us.max"},
      {"latency_mean_us", "load.latency_us.mean"},
      {"latency_stddev_us", "load.latency_us.stddev"},
      {"service_time_p50_us", "load.service_time_us.p50"},
      {"service_time_p99_us", "load.service_time_us.p99"},
      {"late_fraction", "load.generator.late_fraction"},
      {"generator_behind", "load.generator.behind"},
      {"cpu_percent_mean", "resources.cpu_percent.mean"},
      {"rss_max_bytes", "resources.rss_bytes.max"},
      {"queue_us_per_request", "server_side.queue_us_per_request"},
      {"compute_us_per_request", "server_side.compute_us_per_request"},
      {"energy_j", "energy_j"}};
  size_t level_count = 0;
  for (const json& cell : cells) {
    const std::string where = "WHERE cell_id = '" + cell["cell_id"].get<std::string>() + "'";
    const auto levels = Query(path_, "SELECT * FROM levels " + where + " ORDER BY level_index");
    ASSERT_EQ(levels.size(), cell["levels"].size()) << cell["cell_id"];
    level_count += levels.size();
    for (size_t i = 0; i < levels.size(); ++i) {
      const json& level = cell["levels"][i];
      const std::string what = cell["cell_id"].get<std::string>() + " level " + std::to_string(i);
      EXPECT_EQ(levels[i].at("level_index"), static_cast<int64_t>(i));
      const bool closed = level["level"].contains("concurrency");
      EXPECT_EQ(levels[i].at("level_kind"), closed ? "concurrency" : "rate") << what;
      ExpectSame(levels[i].at("level_value"),
                 closed ? level["level"]["concurrency"] : level["level"]["rate"], what);
      for (const auto& [column, path] : level_columns) {
        ExpectSame(levels[i].at(column), At(level, path), what + " " + column);
      }
      EXPECT_EQ(levels[i].at("errors"), 3) << what;

      std::map<std::string, double> expected;
      Leaves(level, "", &expected);
      std::map<std::string, double> stored;
      for (const Row& row : Query(path_, "SELECT name, value FROM metrics " + where +
                                             " AND level_index = " + std::to_string(i))) {
        stored[row.at("name")] = row.at("value").get<double>();
      }
      EXPECT_EQ(stored, expected) << what;
      EXPECT_EQ(stored.at("resources.cpu_percent.mean"), 95.25);
      EXPECT_EQ(stored.at("load.requests.status_codes.503"), 1);

      const auto histograms = Query(path_, "SELECT kind, json FROM histograms " + where +
                                               " AND level_index = " + std::to_string(i));
      ASSERT_EQ(histograms.size(), 1u) << what;
      EXPECT_EQ(histograms[0].at("kind"), "latency");
      EXPECT_EQ(json::parse(histograms[0].at("json").get<std::string>()),
                level["load"]["histogram"]);
    }

    // The cell's own numbers: duration, summary and cold start, at level_index -1.
    std::map<std::string, double> expected = {{"duration_s", cell["duration_s"].get<double>()}};
    Leaves(cell["summary"], "summary", &expected);
    Leaves(cell["cold_start"], "cold_start", &expected);
    std::map<std::string, double> stored;
    for (const Row& row :
         Query(path_, "SELECT name, value FROM metrics " + where + " AND level_index = -1")) {
      stored[row.at("name")] = row.at("value").get<double>();
    }
    EXPECT_EQ(stored, expected) << cell["cell_id"];
  }
  EXPECT_EQ(Query(path_, "SELECT * FROM levels").size(), level_count);
  EXPECT_EQ(Query(path_, "SELECT * FROM histograms").size(), level_count);
}

TEST_F(ResultsStoreTest, PuttingACellAgainReplacesItsLevelsMetricsAndHistograms) {
  std::vector<CellRecord> cells = SyntheticCells();
  std::string error;
  for (const CellRecord& cell : cells) ASSERT_TRUE(store_->PutCell(cell, &error)) << error;
  CellRecord cell = cells[1];  // digits-mlp/torchscript/concurrency, two levels
  const std::string where = "WHERE cell_id = '" + cell.cell_id + "'";
  ASSERT_EQ(Query(path_, "SELECT * FROM levels " + where).size(), 2u);

  cell.levels = {testing::SyntheticLevel(8, 0, 700'000)};
  cell.summary.p50_us = 777.5;
  ASSERT_TRUE(store_->PutCell(cell, &error)) << error;

  EXPECT_EQ(Query(path_, "SELECT * FROM cells").size(), cells.size());
  const auto row = Query(path_, "SELECT p50_us FROM cells " + where);
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(row[0].at("p50_us"), 777.5);
  const auto levels = Query(path_, "SELECT level_value FROM levels " + where);
  ASSERT_EQ(levels.size(), 1u);
  EXPECT_EQ(levels[0].at("level_value"), 8.0);
  EXPECT_TRUE(Query(path_, "SELECT * FROM metrics " + where + " AND level_index = 1").empty());
  EXPECT_TRUE(Query(path_, "SELECT * FROM histograms " + where + " AND level_index = 1").empty());
  EXPECT_EQ(Query(path_, "SELECT * FROM histograms " + where).size(), 1u);
  const auto p50 = Query(path_, "SELECT value FROM metrics " + where +
                                    " AND level_index = -1 AND name = 'summary.p50_us'");
  ASSERT_EQ(p50.size(), 1u);
  EXPECT_EQ(p50[0].at("value"), 777.5);
}

TEST_F(ResultsStoreTest, ResumedRunUpdatesItsRowAndKeepsItsCells) {
  std::string error;
  ASSERT_TRUE(store_->PutCell(SyntheticCells()[0], &error)) << error;
  RunRecord run = SyntheticRun();
  run.finished_at = "2026-11-28T00:00:00Z";
  json env = SyntheticEnvironment();
  env.erase("hostname");
  ASSERT_TRUE(store_->PutRun(run, env, &error)) << error;
  const auto runs = Query(path_, "SELECT finished_at FROM runs");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].at("finished_at"), "2026-11-28T00:00:00Z");
  EXPECT_EQ(Query(path_, "SELECT * FROM cells").size(), 1u);
  EXPECT_TRUE(Query(path_, "SELECT * FROM environment WHERE key = 'hostname'").empty());

  // Reopening the database keeps everything (the schema is created only when missing).
  store_.reset();
  store_ = ResultsStore::Open(path_, &error);
  ASSERT_NE(store_, nullptr) << error;
  EXPECT_EQ(Query(path_, "SELECT * FROM cells").size(), 1u);
}

TEST_F(ResultsStoreTest, ACellOfAnUnknownRunIsRefused) {
  CellRecord cell = SyntheticCells()[1];
  cell.run_id = "not-recorded";
  std::string error;
  EXPECT_FALSE(store_->PutCell(cell, &error));
  EXPECT_NE(error.find("PutRun"), std::string::npos) << error;
  EXPECT_TRUE(Query(path_, "SELECT * FROM cells").empty());
  EXPECT_TRUE(Query(path_, "SELECT * FROM levels").empty());

  cell.cell_id.clear();
  EXPECT_FALSE(store_->PutCell(cell, &error));
  EXPECT_NE(error.find("cell_id"), std::string::npos) << error;
}

TEST(ResultsStoreOpenTest, FailsOnAnUnwritablePath) {
  std::string error;
  EXPECT_EQ(ResultsStore::Open(MakeTempDir() + "/missing/results.db", &error), nullptr);
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace servebench
