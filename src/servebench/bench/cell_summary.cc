// Copyright servebench authors.

#include "servebench/bench/cell_summary.h"

namespace servebench {

LevelVerdict JudgeLevel(const LoadResult& r, const Slo& slo) {
  LevelVerdict v;
  const int64_t ok = r.latency.count();
  if (ok == 0) return v;
  v.slo_latency_us = r.latency.ValueAtPercentile(slo.percentile) / 1e3;
  const double within = static_cast<double>(r.latency.CountAtOrBelow(slo.bound_ns)) / ok;
  v.goodput_rps = r.throughput_rps() * within;
  const int64_t requests =
      r.settings.mode == LoopMode::kOpen ? r.counters.scheduled : r.counters.sent;
  const double error_share =
      requests > 0 ? static_cast<double>(r.counters.errors.total()) / requests : 0;
  v.slo_met = v.slo_latency_us * 1e3 <= slo.bound_ns && error_share <= kSloErrorBudget;
  return v;
}

double CostPerMillion(double throughput_rps, double hourly_price) {
  if (throughput_rps <= 0 || hourly_price <= 0) return 0;
  return hourly_price / (throughput_rps * 3600.0) * 1e6;
}

double HourlyPrice(const CostSettings& cost, int server_cores) {
  if (cost.hourly_price > 0) return cost.hourly_price;
  return cost.hourly_price_per_core * server_cores;
}

CellSummary SummarizeCell(const CellRecord& cell, double hourly_price) {
  CellSummary s;
  const LevelRecord* best = nullptr;  // highest throughput within the SLO
  for (const LevelRecord& level : cell.levels) {
    const double t = level.load.throughput_rps;
    if (!s.max_throughput_rps || t > *s.max_throughput_rps) s.max_throughput_rps = t;
    if (level.slo_met && (best == nullptr || t > best->load.throughput_rps)) best = &level;
    if (level.resources &&
        (!s.rss_max_bytes || level.resources->rss_bytes.max > *s.rss_max_bytes)) {
      s.rss_max_bytes = level.resources->rss_bytes.max;
    }
  }
  if (best != nullptr) {
    s.throughput_within_slo_rps = best->load.throughput_rps;
    const double cost = CostPerMillion(best->load.throughput_rps, hourly_price);
    if (cost > 0) s.cost_per_million = cost;
  }
  const LevelRecord* shown =
      best != nullptr ? best : (cell.levels.empty() ? nullptr : &cell.levels[0]);
  if (shown != nullptr) {
    // A level without a successful request has no latency to show (its percentiles read 0).
    if (shown->load.latency_us.count > 0) {
      s.p50_us = shown->load.latency_us.p50;
      s.p99_us = shown->load.latency_us.p99;
    }
    if (shown->resources) s.cpu_percent_mean = shown->resources->cpu_percent.mean;
    if (shown->energy_j && shown->load.requests.ok > 0) {
      s.energy_per_inference_j = *shown->energy_j / shown->load.requests.ok;
    }
  }
  if (cell.cold_start) s.cold_start_s = cell.cold_start->mean.spawn_to_first_inference_s;
  return s;
}

}  // namespace servebench
