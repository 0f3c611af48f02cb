// Copyright servebench authors.

#include "servebench/records/validity_record.h"

#include "servebench/records/optional_json.h"

namespace servebench {

using nlohmann::json;

json IntervalRecord::ToJson() const { return {{"lower", OrNull(lower)}, {"upper", OrNull(upper)}}; }

void IntervalRecord::Read(JsonReader* in) {
  in->Field("lower", &lower);
  in->Field("upper", &upper);
}

json LatencyIntervalsRecord::ToJson() const {
  return {{"confidence", confidence}, {"p50", p50.ToJson()}, {"p90", p90.ToJson()},
          {"p95", p95.ToJson()},      {"p99", p99.ToJson()}, {"p999", p999.ToJson()}};
}

void LatencyIntervalsRecord::Read(JsonReader* in) {
  in->Field("confidence", &confidence);
  in->Field("p50", &p50);
  in->Field("p90", &p90);
  in->Field("p95", &p95);
  in->Field("p99", &p99);
  in->Field("p999", &p999);
}

json ConstraintVerdictRecord::ToJson() const {
  return {{"percentile", percentile}, {"bound_us", bound_us}, {"verdict", verdict},
          {"latency_us", latency_us}, {"overruns", overruns}, {"min_queries", min_queries}};
}

void ConstraintVerdictRecord::Read(JsonReader* in) {
  in->Field("percentile", &percentile);
  in->Field("bound_us", &bound_us);
  in->Field("verdict", &verdict);
  in->Field("latency_us", &latency_us);
  in->Field("overruns", &overruns);
  in->Field("min_queries", &min_queries);
}

json GeneratorLagRecord::ToJson() const {
  return {{"schedule_lag_p99_us", schedule_lag_p99_us},
          {"percentile", percentile},
          {"latency_us", latency_us},
          {"share", share},
          {"flagged", flagged}};
}

void GeneratorLagRecord::Read(JsonReader* in) {
  in->Field("schedule_lag_p99_us", &schedule_lag_p99_us);
  in->Field("percentile", &percentile);
  in->Field("latency_us", &latency_us);
  in->Field("share", &share);
  in->Field("flagged", &flagged);
}

json NoiseRecord::ToJson() const {
  return {{"cpus", cpus},
          {"seconds", seconds},
          {"steal_percent", steal_percent},
          {"foreign_cpu_percent", foreign_cpu_percent},
          {"disturbed", disturbed}};
}

void NoiseRecord::Read(JsonReader* in) {
  in->Field("cpus", &cpus);
  in->Field("seconds", &seconds);
  in->Field("steal_percent", &steal_percent);
  in->Field("foreign_cpu_percent", &foreign_cpu_percent);
  in->Field("disturbed", &disturbed);
}

}  // namespace servebench
