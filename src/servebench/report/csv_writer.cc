// Copyright servebench authors.
//
// results.csv: one row per cell and load level (a cold-start cell, or a cell that failed before
// measuring any level, is one row with the level columns empty), quoted per RFC 4180. Numbers
// are written exactly as results.json has them, so that the two files agree to the last digit.
// The columns are defined in docs/results.md.

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "servebench/report/file_output.h"
#include "servebench/report/record_fields.h"
#include "servebench/report/result_writer.h"

namespace servebench {

namespace {

using nlohmann::json;

// What one row describes: a cell and one of its levels (nullptr for a row without a level).
struct RowSource {
  const json& cell;
  const json* level;
  int level_index;  // -1 without a level
};

struct Column {
  const char* name;
  std::function<json(const RowSource&)> value;
};

json At(const json& j, std::string_view path) {
  const json* v = FindPath(j, path);
  return v != nullptr ? *v : json();
}

json LevelAt(const RowSource& r, std::string_view path) {
  return r.level != nullptr ? At(*r.level, path) : json();
}

json Number(std::optional<double> value) {
  if (!value) return json();
  // Integral values (counts) print without a fraction, as the JSON has them.
  if (std::floor(*value) == *value && std::fabs(*value) < 9e15) {
    return json(static_cast<int64_t>(*value));
  }
  return json(*value);
}

json ColdStartMean(const RowSource& r, const char* key) {
  return r.level == nullptr ? At(r.cell, std::string("cold_start.mean.") + key) : json();
}

const std::vector<Column>& Columns() {
  static const std::vector<Column> columns = {
      {"run_id", [](const RowSource& r) { return At(r.cell, "run_id"); }},
      {"cell_id", [](const RowSource& r) { return At(r.cell, "cell_id"); }},
      {"variant", [](const RowSource& r) { return At(r.cell, "variant"); }},
      {"server", [](const RowSource& r) { return At(r.cell, "server"); }},
      {"server_kind", [](const RowSource& r) { return At(r.cell, "server_kind"); }},
      {"scenario", [](const RowSource& r) { return At(r.cell, "scenario"); }},
      {"scenario_kind", [](const RowSource& r) { return At(r.cell, "scenario_kind"); }},
      {"status", [](const RowSource& r) { return At(r.cell, "status"); }},
      {"level_index",
       [](const RowSource& r) { return r.level != nullptr ? json(r.level_index) : json(); }},
      {"level_kind",
       [](const RowSource& r) {
         if (r.level != nullptr) return json(LevelKind(*r.level));
         return StringAt(r.cell, "scenario_kind") == "cold_start" ? json("cold_start") : json();
       }},
      {"level_value",
       [](const RowSource& r) {
         if (r.level == nullptr) return json();
         json v = LevelAt(r, "level.concurrency");
         return v.is_null() ? LevelAt(r, "level.rate") : v;
       }},
      {"arrival", [](const RowSource& r) { return LevelAt(r, "level.arrival"); }},
      {"windows", [](const RowSource& r) { return LevelAt(r, "windows"); }},
      {"stable", [](const RowSource& r) { return LevelAt(r, "stable"); }},
      {"slo_met", [](const RowSource& r) { return LevelAt(r, "slo_met"); }},
      {"sent", [](const RowSource& r) { return LevelAt(r, "load.requests.sent"); }},
      {"ok", [](const RowSource& r) { return LevelAt(r, "load.requests.ok"); }},
      {"errors",
       [](const RowSource& r) {
         return r.level != nullptr ? Number(ErrorsTotal(*r.level)) : json();
       }},
      {"throughput_rps", [](const RowSource& r) { return LevelAt(r, "load.throughput_rps"); }},
      {"goodput_rps", [](const RowSource& r) { return LevelAt(r, "goodput_rps"); }},
      {"latency_p50_us", [](const RowSource& r) { return LevelAt(r, "load.latency_us.p50"); }},
      {"latency_p90_us", [](const RowSource& r) { return LevelAt(r, "load.latency_us.p90"); }},
      {"latency_p99_us", [](const RowSource& r) { return LevelAt(r, "load.latency_us.p99"); }},
      {"latency_p999_us", [](const RowSource& r) { return LevelAt(r, "load.latency_us.p999"); }},
      {"latency_max_us", [](const RowSource& r) { return LevelAt(r, "load.latency_us.max"); }},
      {"latency_mean_us", [](const RowSource& r) { return LevelAt(r, "load.latency_us.mean"); }},
      {"service_time_p50_us",
       [](const RowSource& r) { return LevelAt(r, "load.service_time_us.p50"); }},
      {"service_time_p99_us",
       [](const RowSource& r) { return LevelAt(r, "load.service_time_us.p99"); }},
      {"late_fraction",
       [](const RowSource& r) { return LevelAt(r, "load.generator.late_fraction"); }},
      {"cpu_percent_mean",
       [](const RowSource& r) { return LevelAt(r, "resources.cpu_percent.mean"); }},
      {"rss_max_bytes", [](const RowSource& r) { return LevelAt(r, "resources.rss_bytes.max"); }},
      {"queue_us_per_request",
       [](const RowSource& r) { return LevelAt(r, "server_side.queue_us_per_request"); }},
      {"compute_us_per_request",
       [](const RowSource& r) { return LevelAt(r, "server_side.compute_us_per_request"); }},
      {"cold_start_repeats",
       [](const RowSource& r) {
         const json* repeats = FindPath(r.cell, "cold_start.repeats");
         return r.level == nullptr && repeats != nullptr && repeats->is_array()
                    ? json(repeats->size())
                    : json();
       }},
      {"cold_start_spawn_to_ready_s",
       [](const RowSource& r) { return ColdStartMean(r, "spawn_to_ready_s"); }},
      {"cold_start_ready_to_first_inference_s",
       [](const RowSource& r) { return ColdStartMean(r, "ready_to_first_inference_s"); }},
      {"cold_start_spawn_to_first_inference_s",
       [](const RowSource& r) { return ColdStartMean(r, "spawn_to_first_inference_s"); }},
      {"cold_start_model_load_s",
       [](const RowSource& r) { return ColdStartMean(r, "model_load_s"); }},
      {"accuracy_top1", [](const RowSource& r) { return At(r.cell, "model_card.accuracy.top1"); }},
      {"cost_per_million",
       [](const RowSource& r) { return At(r.cell, "summary.cost_per_million"); }},
      {"failure", [](const RowSource& r) { return At(r.cell, "failure.message"); }},
  };
  return columns;
}

std::string Field(const json& value) {
  std::string text;
  if (value.is_null()) return text;
  if (value.is_string()) {
    text = value.get<std::string>();
  } else if (value.is_boolean()) {
    text = value.get<bool>() ? "true" : "false";
  } else {
    text = SafeDump(value);
  }
  // RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

void AppendRow(const RowSource& source, std::string* out) {
  bool first = true;
  for (const Column& column : Columns()) {
    if (!first) *out += ',';
    first = false;
    *out += Field(column.value(source));
  }
  *out += "\r\n";
}

class CsvWriter : public ResultWriter {
 public:
  std::string file_name() const override { return "results.csv"; }
  bool Write(const nlohmann::json& run, const nlohmann::json& /*environment*/,
             const std::vector<nlohmann::json>& cells, const std::string& run_dir,
             std::string* error) const override {
    return ReplaceFile(JoinPath(run_dir, file_name()), FormatResultsCsv(run, cells), error);
  }
};

}  // namespace

std::string FormatResultsCsv(const nlohmann::json& /*run*/,
                             const std::vector<nlohmann::json>& cells) {
  std::string out;
  bool first = true;
  for (const Column& column : Columns()) {
    if (!first) out += ',';
    first = false;
    out += column.name;
  }
  out += "\r\n";
  for (const json& cell : cells) {
    const json* levels = FindPath(cell, "levels");
    if (levels == nullptr || !levels->is_array() || levels->empty()) {
      AppendRow({cell, nullptr, -1}, &out);
      continue;
    }
    for (size_t i = 0; i < levels->size(); ++i) {
      AppendRow({cell, &(*levels)[i], static_cast<int>(i)}, &out);
    }
  }
  return out;
}

std::unique_ptr<ResultWriter> NewCsvWriter() { return std::make_unique<CsvWriter>(); }

}  // namespace servebench
