// Copyright servebench authors.

#include "servebench/records/cell_summary.h"

namespace servebench {

using nlohmann::json;

namespace {

// Every field of the summary, by its JSON name; ToJson and Read walk the same list.
struct Field {
  const char* name;
  std::optional<double> CellSummary::*member;
};

constexpr Field kFields[] = {
    {"max_throughput_rps", &CellSummary::max_throughput_rps},
    {"throughput_within_slo_rps", &CellSummary::throughput_within_slo_rps},
    {"p50_us", &CellSummary::p50_us},
    {"p99_us", &CellSummary::p99_us},
    {"cpu_percent_mean", &CellSummary::cpu_percent_mean},
    {"rss_max_bytes", &CellSummary::rss_max_bytes},
    {"cost_per_million", &CellSummary::cost_per_million},
    {"energy_per_inference_j", &CellSummary::energy_per_inference_j},
    {"cold_start_s", &CellSummary::cold_start_s},
};

}  // namespace

json CellSummary::ToJson() const {
  json j = json::object();
  for (const Field& f : kFields) {
    const std::optional<double>& value = this->*f.member;
    j[f.name] = value ? json(*value) : json(nullptr);
  }
  return j;
}

void CellSummary::Read(JsonReader* in) {
  for (const Field& f : kFields) in->Field(f.name, &(this->*f.member));
}

}  // namespace servebench
