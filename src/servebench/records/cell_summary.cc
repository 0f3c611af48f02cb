// Copyright servebench authors.

#include "servebench/records/cell_summary.h"

#include "servebench/records/optional_json.h"

namespace servebench {

using nlohmann::json;

namespace {

// Every optional number of the summary, by its JSON name; ToJson and Read walk the same list.
struct Field {
  const char* name;
  std::optional<double> CellSummary::*member;
};

constexpr Field kFields[] = {
    {"max_throughput_rps", &CellSummary::max_throughput_rps},
    {"throughput_within_slo_rps", &CellSummary::throughput_within_slo_rps},
    {"found_rate_rps", &CellSummary::found_rate_rps},
    {"best_concurrency", &CellSummary::best_concurrency},
    {"slo_latency_us", &CellSummary::slo_latency_us},
    {"p50_us", &CellSummary::p50_us},
    {"p99_us", &CellSummary::p99_us},
    {"cpu_percent_mean", &CellSummary::cpu_percent_mean},
    {"rss_max_bytes", &CellSummary::rss_max_bytes},
    {"cost_per_million", &CellSummary::cost_per_million},
    {"energy_per_inference_j", &CellSummary::energy_per_inference_j},
    {"cold_start_s", &CellSummary::cold_start_s},
};

// The level counts, likewise.
struct Count {
  const char* name;
  int CellSummary::*member;
};

constexpr Count kCounts[] = {
    {"levels", &CellSummary::levels},
    {"inconclusive_levels", &CellSummary::inconclusive_levels},
    {"unstable_levels", &CellSummary::unstable_levels},
    {"lag_flagged_levels", &CellSummary::lag_flagged_levels},
    {"disturbed_levels", &CellSummary::disturbed_levels},
};

}  // namespace

json SpreadRecord::ToJson() const {
  return {{"values", values},
          {"mean", mean},
          {"stddev", stddev},
          {"min", min},
          {"max", max},
          {"confidence", confidence},
          {"lower", OrNull(lower)},
          {"upper", OrNull(upper)}};
}

void SpreadRecord::Read(JsonReader* in) {
  in->Field("values", &values);
  in->Field("mean", &mean);
  in->Field("stddev", &stddev);
  in->Field("min", &min);
  in->Field("max", &max);
  in->Field("confidence", &confidence);
  in->Field("lower", &lower);
  in->Field("upper", &upper);
}

json RepeatSpreads::ToJson() const {
  auto spread = [](const std::optional<SpreadRecord>& s) { return s ? s->ToJson() : json(); };
  return {{"count", count},
          {"throughput_within_slo_rps", spread(throughput_within_slo_rps)},
          {"slo_latency_us", spread(slo_latency_us)},
          {"p50_us", spread(p50_us)},
          {"p99_us", spread(p99_us)}};
}

void RepeatSpreads::Read(JsonReader* in) {
  in->Field("count", &count);
  in->Field("throughput_within_slo_rps", &throughput_within_slo_rps);
  in->Field("slo_latency_us", &slo_latency_us);
  in->Field("p50_us", &p50_us);  // absent in records from before compare read it: null
  in->Field("p99_us", &p99_us);
}

json CellSummary::ToJson() const {
  json j = json::object();
  for (const Field& f : kFields) j[f.name] = OrNull(this->*f.member);
  for (const Count& c : kCounts) j[c.name] = this->*c.member;
  j["repeats"] = repeats ? repeats->ToJson() : json(nullptr);
  return j;
}

void CellSummary::Read(JsonReader* in) {
  for (const Field& f : kFields) in->Field(f.name, &(this->*f.member));
  for (const Count& c : kCounts) in->Field(c.name, &(this->*c.member));
  in->Field("repeats", &repeats);
}

}  // namespace servebench
