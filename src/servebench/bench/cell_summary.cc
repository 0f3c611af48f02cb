// Copyright servebench authors.

#include "servebench/bench/cell_summary.h"

namespace servebench {

using nlohmann::json;

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

namespace {

// A number at `path` in `j`, or null.
json At(const json& j, std::initializer_list<const char*> path) {
  const json* node = &j;
  for (const char* key : path) {
    if (!node->is_object() || !node->contains(key)) return nullptr;
    node = &(*node)[key];
  }
  return node->is_number() ? *node : json(nullptr);
}

}  // namespace

json SummarizeCell(const json& cell, double hourly_price) {
  json s = {{"max_throughput_rps", nullptr},
            {"throughput_within_slo_rps", nullptr},
            {"p50_us", nullptr},
            {"p99_us", nullptr},
            {"cpu_percent_mean", nullptr},
            {"rss_max_bytes", nullptr},
            {"cost_per_million", nullptr},
            {"energy_per_inference_j", nullptr},
            {"cold_start_s", nullptr}};
  const json& levels = cell.contains("levels") ? cell["levels"] : json::array();
  const json* best = nullptr;  // highest throughput within the SLO
  double max_throughput = -1, best_throughput = -1, rss_max = -1;
  for (const json& level : levels) {
    const json throughput = At(level, {"load", "throughput_rps"});
    if (!throughput.is_number()) continue;
    const double t = throughput.get<double>();
    if (t > max_throughput) max_throughput = t;
    if (level.value("slo_met", false) && t > best_throughput) {
      best_throughput = t;
      best = &level;
    }
    const json rss = At(level, {"resources", "rss_bytes", "max"});
    if (rss.is_number() && rss.get<double>() > rss_max) rss_max = rss.get<double>();
  }
  if (max_throughput >= 0) s["max_throughput_rps"] = max_throughput;
  if (rss_max >= 0) s["rss_max_bytes"] = rss_max;
  if (best != nullptr) {
    s["throughput_within_slo_rps"] = best_throughput;
    const double cost = CostPerMillion(best_throughput, hourly_price);
    if (cost > 0) s["cost_per_million"] = cost;
  }
  const json* shown = best != nullptr ? best : (levels.empty() ? nullptr : &levels[0]);
  // A level without a successful request has no latency to show (its percentiles read 0).
  const json shown_count =
      shown != nullptr ? At(*shown, {"load", "latency_us", "count"}) : json(nullptr);
  if (shown != nullptr && shown_count.is_number() && shown_count.get<double>() > 0) {
    s["p50_us"] = At(*shown, {"load", "latency_us", "p50"});
    s["p99_us"] = At(*shown, {"load", "latency_us", "p99"});
  }
  if (shown != nullptr) {
    s["cpu_percent_mean"] = At(*shown, {"resources", "cpu_percent", "mean"});
    const json energy = At(*shown, {"energy_j"});
    const json ok = At(*shown, {"load", "requests", "ok"});
    if (energy.is_number() && ok.is_number() && ok.get<double>() > 0) {
      s["energy_per_inference_j"] = energy.get<double>() / ok.get<double>();
    }
  }
  const json cold = At(cell, {"cold_start", "mean", "spawn_to_first_inference_s"});
  if (cold.is_number()) s["cold_start_s"] = cold;
  return s;
}

}  // namespace servebench
