// Copyright servebench authors.
//
// results.csv: one row per cell and load level (a cold-start cell, or a cell that failed before
// measuring any level, is one row with the level columns empty), quoted per RFC 4180. Numbers
// are written exactly as results.json has them, so that the two files agree to the last digit.
// The columns are defined in docs/results.md.

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
  const CellRecord& cell;
  const LevelRecord* level;
  int level_index;  // -1 without a level
};

struct Column {
  const char* name;
  std::function<json(const RowSource&)> value;
};

template <typename T>
json OrNull(const std::optional<T>& value) {
  return value ? json(*value) : json();
}

// A level column: `read` of the row's level, empty on a row without one.
template <typename Read>
std::function<json(const RowSource&)> OfLevel(Read read) {
  return [read](const RowSource& r) { return r.level != nullptr ? json(read(*r.level)) : json(); };
}

// A column of a cold-start cell's mean times, empty on other rows.
template <typename Read>
std::function<json(const RowSource&)> OfColdStartMean(Read read) {
  return [read](const RowSource& r) {
    return r.level == nullptr && r.cell.cold_start ? json(read(r.cell.cold_start->mean)) : json();
  };
}

// A column of an accuracy cell's result, empty on other rows.
template <typename Read>
std::function<json(const RowSource&)> OfAccuracy(Read read) {
  return [read](const RowSource& r) { return r.cell.accuracy ? read(*r.cell.accuracy) : json(); };
}

const std::vector<Column>& Columns() {
  using A = const AccuracyRecord&;
  using L = const LevelRecord&;
  using T = const ColdStartTimes&;
  static const std::vector<Column> columns = {
      {"run_id", [](const RowSource& r) { return json(r.cell.run_id); }},
      {"cell_id", [](const RowSource& r) { return json(r.cell.cell_id); }},
      {"variant", [](const RowSource& r) { return json(r.cell.variant); }},
      {"server", [](const RowSource& r) { return json(r.cell.server); }},
      {"server_kind", [](const RowSource& r) { return json(r.cell.server_kind); }},
      {"scenario", [](const RowSource& r) { return json(r.cell.scenario); }},
      {"scenario_kind", [](const RowSource& r) { return json(r.cell.scenario_kind); }},
      {"status", [](const RowSource& r) { return json(CellStatusName(r.cell.status)); }},
      {"level_index",
       [](const RowSource& r) { return r.level != nullptr ? json(r.level_index) : json(); }},
      {"level_kind",
       [](const RowSource& r) {
         if (r.level != nullptr) return json(r.level->level.kind());
         return r.cell.is_cold_start() ? json("cold_start") : json();
       }},
      {"level_value", OfLevel([](L l) {
         return l.level.concurrency ? json(*l.level.concurrency) : OrNull(l.level.rate);
       })},
      {"arrival", OfLevel([](L l) { return l.level.rate ? json(l.level.arrival) : json(); })},
      {"windows", OfLevel([](L l) { return l.windows; })},
      {"repeat", OfLevel([](L l) { return l.repeat; })},
      {"stable", OfLevel([](L l) { return l.stable; })},
      {"samples", OfLevel([](L l) { return l.samples; })},
      {"slo_verdict", OfLevel([](L l) { return l.slo_verdict; })},
      {"slo_reason", OfLevel([](L l) { return l.slo_reason; })},
      {"slo_met", OfLevel([](L l) { return l.slo_met; })},
      {"sent", OfLevel([](L l) { return l.load.requests.sent; })},
      {"ok", OfLevel([](L l) { return l.load.requests.ok; })},
      {"errors", OfLevel([](L l) { return l.load.requests.errors.total(); })},
      {"throughput_rps", OfLevel([](L l) { return l.load.throughput_rps; })},
      {"goodput_rps", OfLevel([](L l) { return l.goodput_rps; })},
      {"latency_p50_us", OfLevel([](L l) { return l.load.latency_us.p50; })},
      {"latency_p90_us", OfLevel([](L l) { return l.load.latency_us.p90; })},
      {"latency_p99_us", OfLevel([](L l) { return l.load.latency_us.p99; })},
      {"latency_p99_lower_us", OfLevel([](L l) { return OrNull(l.latency_ci_us.p99.lower); })},
      {"latency_p99_upper_us", OfLevel([](L l) { return OrNull(l.latency_ci_us.p99.upper); })},
      {"latency_p999_us", OfLevel([](L l) { return l.load.latency_us.p999; })},
      {"latency_max_us", OfLevel([](L l) { return l.load.latency_us.max; })},
      {"latency_mean_us", OfLevel([](L l) { return l.load.latency_us.mean; })},
      {"service_time_p50_us", OfLevel([](L l) { return l.load.service_time_us.p50; })},
      {"service_time_p99_us", OfLevel([](L l) { return l.load.service_time_us.p99; })},
      {"late_fraction", OfLevel([](L l) { return l.load.generator.late_fraction; })},
      {"lag_share",
       OfLevel([](L l) { return l.generator_lag ? json(l.generator_lag->share) : json(); })},
      {"lag_flagged",
       OfLevel([](L l) { return l.generator_lag ? json(l.generator_lag->flagged) : json(); })},
      {"steal_percent",
       OfLevel([](L l) { return l.noise ? json(l.noise->steal_percent) : json(); })},
      {"foreign_cpu_percent",
       OfLevel([](L l) { return l.noise ? json(l.noise->foreign_cpu_percent) : json(); })},
      {"disturbed", OfLevel([](L l) { return l.noise ? json(l.noise->disturbed) : json(); })},
      {"cpu_percent_mean",
       OfLevel([](L l) { return l.resources ? json(l.resources->cpu_percent.mean) : json(); })},
      {"rss_max_bytes",
       OfLevel([](L l) { return l.resources ? json(l.resources->rss_bytes.max) : json(); })},
      {"queue_us_per_request", OfLevel([](L l) {
         return l.server_side ? json(l.server_side->queue_us_per_request) : json();
       })},
      {"compute_us_per_request", OfLevel([](L l) {
         return l.server_side ? json(l.server_side->compute_us_per_request) : json();
       })},
      {"cold_start_repeats",
       [](const RowSource& r) {
         return r.level == nullptr && r.cell.cold_start ? json(r.cell.cold_start->repeats.size())
                                                        : json();
       }},
      {"cold_start_spawn_to_ready_s", OfColdStartMean([](T t) { return t.spawn_to_ready_s; })},
      {"cold_start_ready_to_first_inference_s",
       OfColdStartMean([](T t) { return t.ready_to_first_inference_s; })},
      {"cold_start_spawn_to_first_inference_s",
       OfColdStartMean([](T t) { return t.spawn_to_first_inference_s; })},
      {"cold_start_model_load_s", OfColdStartMean([](T t) { return OrNull(t.model_load_s); })},
      {"accuracy_top1",
       [](const RowSource& r) {
         const json* top1 = FindPath(r.cell.model_card, "accuracy.top1");
         return top1 != nullptr ? *top1 : json();
       }},
      {"accuracy_status", OfAccuracy([](A a) { return json(a.skipped ? "skipped" : "measured"); })},
      {"accuracy_server_top1", OfAccuracy([](A a) { return OrNull(a.top1); })},
      {"accuracy_differs_by", OfAccuracy([](A a) { return OrNull(a.differs_by); })},
      {"accuracy_warning", OfAccuracy([](A a) { return OrNull(a.warning); })},
      {"throughput_within_slo_rps",
       [](const RowSource& r) { return OrNull(r.cell.summary.throughput_within_slo_rps); }},
      {"cost_per_million",
       [](const RowSource& r) { return OrNull(r.cell.summary.cost_per_million); }},
      {"failure",
       [](const RowSource& r) { return r.cell.failure ? json(r.cell.failure->message) : json(); }},
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
  bool Write(const RunRecord& run, const nlohmann::json& /*environment*/,
             const std::vector<CellRecord>& cells, const std::string& run_dir,
             std::string* error) const override {
    return ReplaceFile(JoinPath(run_dir, file_name()), FormatResultsCsv(run, cells), error);
  }
};

}  // namespace

std::string FormatResultsCsv(const RunRecord& /*run*/, const std::vector<CellRecord>& cells) {
  std::string out;
  bool first = true;
  for (const Column& column : Columns()) {
    if (!first) out += ',';
    first = false;
    out += column.name;
  }
  out += "\r\n";
  for (const CellRecord& cell : cells) {
    if (cell.levels.empty()) {
      AppendRow({cell, nullptr, -1}, &out);
      continue;
    }
    for (size_t i = 0; i < cell.levels.size(); ++i) {
      AppendRow({cell, &cell.levels[i], static_cast<int>(i)}, &out);
    }
  }
  return out;
}

std::unique_ptr<ResultWriter> NewCsvWriter() { return std::make_unique<CsvWriter>(); }

}  // namespace servebench
