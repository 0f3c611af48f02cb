// Copyright servebench authors.

#include <gtest/gtest.h>

#include <map>

#include "csv_reader.h"
#include "servebench/report/result_writer.h"
#include "synthetic_records.h"

namespace servebench {
namespace {

using nlohmann::json;
using Record = std::map<std::string, std::string>;

std::vector<Record> ReadRows(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  EXPECT_TRUE(testing::ParseCsv(text, &records));
  std::vector<Record> rows;
  if (records.empty()) return rows;
  for (size_t r = 1; r < records.size(); ++r) {
    EXPECT_EQ(records[r].size(), records[0].size()) << "row " << r;
    Record row;
    for (size_t c = 0; c < records[0].size() && c < records[r].size(); ++c) {
      row[records[0][c]] = records[r][c];
    }
    rows.push_back(row);
  }
  return rows;
}

json At(const json& j, const std::string& dotted) {
  const json* node = &j;
  size_t start = 0;
  while (true) {
    const size_t dot = dotted.find('.', start);
    const std::string key = dotted.substr(start, dot - start);
    if (!node->is_object() || !node->contains(key)) return json();
    node = &(*node)[key];
    if (dot == std::string::npos) return *node;
    start = dot + 1;
  }
}

// A CSV field equals a JSON value: empty for null, the text for strings, true/false, and for
// numbers the same double.
void ExpectField(const std::string& field, const json& value, const std::string& what) {
  if (value.is_null()) {
    EXPECT_EQ(field, "") << what;
  } else if (value.is_string()) {
    EXPECT_EQ(field, value.get<std::string>()) << what;
  } else if (value.is_boolean()) {
    EXPECT_EQ(field, value.get<bool>() ? "true" : "false") << what;
  } else {
    ASSERT_FALSE(field.empty()) << what;
    EXPECT_EQ(std::stod(field), value.get<double>()) << what;
  }
}

TEST(CsvWriterTest, OneRowPerCellAndLevelWithTheJsonValues) {
  const std::vector<CellRecord> records = testing::SyntheticCells();
  const std::string text = FormatResultsCsv(testing::SyntheticRun(), records);
  // Each column is checked against the cell's JSON form, as results.json has it.
  std::vector<json> cells;
  for (const CellRecord& record : records) cells.push_back(record.ToJson());
  const std::vector<Record> rows = ReadRows(text);

  size_t expected_rows = 0;
  for (const json& cell : cells) expected_rows += std::max<size_t>(1, cell["levels"].size());
  ASSERT_EQ(rows.size(), expected_rows);

  const std::map<std::string, std::string> cell_columns = {
      {"run_id", "run_id"},
      {"cell_id", "cell_id"},
      {"variant", "variant"},
      {"server", "server"},
      {"server_kind", "server_kind"},
      {"scenario", "scenario"},
      {"scenario_kind", "scenario_kind"},
      {"status", "status"},
      {"accuracy_top1", "model_card.accuracy.top1"},
      {"cost_per_million", "summary.cost_per_million"},
      {"failure", "failure.message"}};
  const std::map<std::string, std::string> level_columns = {
      {"arrival", "level.arrival"},
      {"windows", "windows"},
      {"stable", "stable"},
      {"slo_met", "slo_met"},
      {"sent", "load.requests.sent"},
      {"ok", "load.requests.ok"},
      {"throughput_rps", "load.throughput_rps"},
      {"goodput_rps", "goodput_rps"},
      {"latency_p50_us", "load.latency_us.p50"},
      {"latency_p90_us", "load.latency_us.p90"},
      {"latency_p99_us", "load.latency_us.p99"},
      {"latency_p999_us", "load.latency_us.p999"},
      {"latency_max_us", "load.latency_us.max"},
      {"latency_mean_us", "load.latency_us.mean"},
      {"service_time_p50_us", "load.service_time_us.p50"},
      {"service_time_p99_us", "load.service_time_us.p99"},
      {"late_fraction", "load.generator.late_fraction"},
      {"cpu_percent_mean", "resources.cpu_percent.mean"},
      {"rss_max_bytes", "resources.rss_bytes.max"},
      {"queue_us_per_request", "server_side.queue_us_per_request"},
      {"compute_us_per_request", "server_side.compute_us_per_request"}};
  const std::map<std::string, std::string> cold_columns = {
      {"cold_start_spawn_to_ready_s", "cold_start.mean.spawn_to_ready_s"},
      {"cold_start_ready_to_model_ready_s", "cold_start.mean.ready_to_model_ready_s"},
      {"cold_start_model_ready_to_first_inference_s",
       "cold_start.mean.model_ready_to_first_inference_s"},
      {"cold_start_ready_to_first_inference_s", "cold_start.mean.ready_to_first_inference_s"},
      {"cold_start_spawn_to_first_inference_s", "cold_start.mean.spawn_to_first_inference_s"},
      {"cold_start_model_load_s", "cold_start.mean.model_load_s"}};

  size_t r = 0;
  for (const json& cell : cells) {
    const size_t levels = cell["levels"].size();
    for (size_t l = 0; l < std::max<size_t>(1, levels); ++l, ++r) {
      const Record& row = rows[r];
      const std::string what = cell["cell_id"].get<std::string>() + " row " + std::to_string(l);
      for (const auto& [column, path] : cell_columns) {
        ExpectField(row.at(column), At(cell, path), what + " " + column);
      }
      const bool cold = cell["scenario_kind"] == "cold_start";
      for (const auto& [column, path] : cold_columns) {
        ExpectField(row.at(column), cold ? At(cell, path) : json(), what + " " + column);
      }
      EXPECT_EQ(row.at("cold_start_repeats"), cold ? "3" : "") << what;
      if (levels == 0) {
        EXPECT_EQ(row.at("level_index"), "") << what;
        EXPECT_EQ(row.at("level_kind"), cold ? "cold_start" : "") << what;
        EXPECT_EQ(row.at("level_value"), "") << what;
        for (const auto& [column, path] : level_columns) EXPECT_EQ(row.at(column), "") << what;
        continue;
      }
      const json& level = cell["levels"][l];
      EXPECT_EQ(row.at("level_index"), std::to_string(l)) << what;
      const bool closed = level["level"].contains("concurrency");
      EXPECT_EQ(row.at("level_kind"), closed ? "concurrency" : "rate") << what;
      ExpectField(row.at("level_value"),
                  closed ? level["level"]["concurrency"] : level["level"]["rate"], what);
      for (const auto& [column, path] : level_columns) {
        ExpectField(row.at(column), At(level, path), what + " " + column);
      }
      EXPECT_EQ(row.at("errors"), "3") << what;
    }
  }
}

TEST(CsvWriterTest, QuotesFieldsWithCommasQuotesAndLineBreaks) {
  std::vector<CellRecord> cells = testing::SyntheticCells();
  cells[0].server = "torch,script \"batched\"";
  cells[0].failure = CellFailure{"line one\nline two, with \"quotes\"", std::nullopt, {}};
  const std::string text = FormatResultsCsv(testing::SyntheticRun(), {cells[0]});
  EXPECT_NE(text.find("\"torch,script \"\"batched\"\"\""), std::string::npos) << text;
  const std::vector<Record> rows = ReadRows(text);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].at("server"), "torch,script \"batched\"");
  EXPECT_EQ(rows[0].at("failure"), "line one\nline two, with \"quotes\"");
  // Records end with CRLF, as RFC 4180 has them.
  EXPECT_EQ(text.substr(text.size() - 2), "\r\n");
}

TEST(CsvWriterTest, WritesResultsCsv) {
  const std::string dir = testing::MakeTempDir();
  auto writer = NewCsvWriter();
  EXPECT_EQ(writer->file_name(), "results.csv");
  std::string error;
  const std::vector<CellRecord> cells = testing::SyntheticCells();
  ASSERT_TRUE(writer->Write(testing::SyntheticRun(), json(), cells, dir, &error)) << error;
  EXPECT_EQ(testing::ReadFile(dir + "/results.csv"),
            FormatResultsCsv(testing::SyntheticRun(), cells));
}

TEST(CsvWriterTest, AccuracyColumnsOnAccuracyCellsOnly) {
  std::vector<CellRecord> cells = testing::SyntheticAccuracyCells();
  cells.push_back(testing::SyntheticCells()[0]);  // a cold start: no accuracy
  const std::vector<Record> rows = ReadRows(FormatResultsCsv(testing::SyntheticRun(), cells));
  ASSERT_EQ(rows.size(), 4u);
  const std::map<std::string, std::string> columns = {
      {"accuracy_status", "accuracy.status"},
      {"accuracy_server_top1", "accuracy.top1"},
      {"accuracy_differs_by", "accuracy.differs_by"},
      {"accuracy_warning", "accuracy.warning"}};
  for (size_t i = 0; i < rows.size(); ++i) {
    const json cell = cells[i].ToJson();
    for (const auto& [column, path] : columns) {
      ExpectField(rows[i].at(column), At(cell, path),
                  cell["cell_id"].get<std::string>() + " " + column);
    }
    EXPECT_EQ(rows[i].at("level_index"), "");
  }
  EXPECT_EQ(rows[1].at("accuracy_differs_by"), "-10");
  EXPECT_NE(rows[1].at("accuracy_warning").find("by 10 samples"), std::string::npos);
  EXPECT_EQ(rows[2].at("accuracy_status"), "skipped");
  EXPECT_EQ(rows[2].at("accuracy_server_top1"), "");
  EXPECT_EQ(rows[3].at("accuracy_status"), "");
}

}  // namespace
}  // namespace servebench
