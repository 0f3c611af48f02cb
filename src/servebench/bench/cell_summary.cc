// Copyright servebench authors.

#include "servebench/bench/cell_summary.h"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "servebench/core/student_t.h"

namespace servebench {

namespace {

// The figures of one repeat, from its best level (or its first, when none met the SLO).
struct RepeatFigures {
  std::optional<double> throughput_within_slo_rps, found_rate_rps, best_concurrency, slo_latency_us,
      p50_us, p99_us, cpu_percent_mean, energy_per_inference_j;
};

// The latency at the SLO's highest percentile.
std::optional<double> SloLatency(const LevelRecord& level) {
  const ConstraintVerdictRecord* top = nullptr;
  for (const ConstraintVerdictRecord& c : level.slo_constraints) {
    if (top == nullptr || c.percentile > top->percentile) top = &c;
  }
  if (top == nullptr || level.load.latency_us.count == 0) return std::nullopt;
  return top->latency_us;
}

// A repeat's best level: the answer of its search when it has one (the highest rate, or the
// best concurrency, shown to meet the SLO), else its met level of highest throughput.
const LevelRecord* BestLevel(const std::vector<const LevelRecord*>& levels,
                             const SearchRecord* search) {
  const LevelRecord* best = nullptr;
  for (const LevelRecord* level : levels) {
    if (!level->slo_met) continue;
    if (search != nullptr && search->found) {
      const double value = search->kind == "rate" ? level->level.rate.value_or(-1)
                                                  : level->level.concurrency.value_or(-1);
      if (value == *search->found) return level;
      continue;
    }
    if (best == nullptr || level->load.throughput_rps > best->load.throughput_rps) best = level;
  }
  return best;
}

RepeatFigures FiguresOf(const std::vector<const LevelRecord*>& levels, const SearchRecord* search) {
  RepeatFigures f;
  const LevelRecord* best = BestLevel(levels, search);
  if (best != nullptr) {
    f.throughput_within_slo_rps = best->load.throughput_rps;
    if (best->level.rate) f.found_rate_rps = *best->level.rate;
    if (best->level.concurrency) f.best_concurrency = *best->level.concurrency;
  }
  const LevelRecord* shown = best != nullptr ? best : (levels.empty() ? nullptr : levels[0]);
  if (shown == nullptr) return f;
  // A level without a successful request has no latency to show (its percentiles read 0).
  if (shown->load.latency_us.count > 0) {
    f.p50_us = shown->load.latency_us.p50;
    f.p99_us = shown->load.latency_us.p99;
    f.slo_latency_us = SloLatency(*shown);
  }
  if (shown->resources) f.cpu_percent_mean = shown->resources->cpu_percent.mean;
  if (shown->energy_j && shown->load.requests.ok > 0) {
    f.energy_per_inference_j = *shown->energy_j / shown->load.requests.ok;
  }
  return f;
}

// The values of one figure over the repeats that have it.
std::vector<double> Values(const std::vector<RepeatFigures>& repeats,
                           std::optional<double> RepeatFigures::*figure) {
  std::vector<double> values;
  for (const RepeatFigures& r : repeats) {
    if (r.*figure) values.push_back(*(r.*figure));
  }
  return values;
}

std::optional<double> Mean(const std::vector<double>& values) {
  if (values.empty()) return std::nullopt;
  return MeanConfidenceInterval(values).mean;
}

std::optional<SpreadRecord> Spread(const std::vector<double>& values) {
  if (values.empty()) return std::nullopt;
  const MeanInterval m = MeanConfidenceInterval(values, 0.95);
  SpreadRecord s;
  s.values = values;
  s.mean = m.mean;
  s.stddev = m.stddev;
  s.min = m.min;
  s.max = m.max;
  s.confidence = m.confidence;
  s.lower = m.lower;
  s.upper = m.upper;
  return s;
}

}  // namespace

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
  std::map<int, std::vector<const LevelRecord*>> by_repeat;
  for (const LevelRecord& level : cell.levels) {
    by_repeat[level.repeat].push_back(&level);
    const double t = level.load.throughput_rps;
    if (!s.max_throughput_rps || t > *s.max_throughput_rps) s.max_throughput_rps = t;
    if (level.resources &&
        (!s.rss_max_bytes || level.resources->rss_bytes.max > *s.rss_max_bytes)) {
      s.rss_max_bytes = level.resources->rss_bytes.max;
    }
    ++s.levels;
    s.inconclusive_levels += level.inconclusive() ? 1 : 0;
    s.unstable_levels += level.max_duration_reached ? 1 : 0;
    s.lag_flagged_levels += level.generator_lag && level.generator_lag->flagged ? 1 : 0;
    s.disturbed_levels += level.noise && level.noise->disturbed ? 1 : 0;
  }
  std::map<int, const SearchRecord*> searches;
  for (const SearchRecord& search : cell.searches) searches[search.repeat] = &search;
  std::vector<RepeatFigures> repeats;
  for (const auto& [repeat, levels] : by_repeat) {
    auto search = searches.find(repeat);
    repeats.push_back(FiguresOf(levels, search == searches.end() ? nullptr : search->second));
  }

  s.throughput_within_slo_rps = Mean(Values(repeats, &RepeatFigures::throughput_within_slo_rps));
  s.found_rate_rps = Mean(Values(repeats, &RepeatFigures::found_rate_rps));
  s.best_concurrency = Mean(Values(repeats, &RepeatFigures::best_concurrency));
  s.slo_latency_us = Mean(Values(repeats, &RepeatFigures::slo_latency_us));
  s.p50_us = Mean(Values(repeats, &RepeatFigures::p50_us));
  s.p99_us = Mean(Values(repeats, &RepeatFigures::p99_us));
  s.cpu_percent_mean = Mean(Values(repeats, &RepeatFigures::cpu_percent_mean));
  s.energy_per_inference_j = Mean(Values(repeats, &RepeatFigures::energy_per_inference_j));
  if (s.throughput_within_slo_rps) {
    const double cost = CostPerMillion(*s.throughput_within_slo_rps, hourly_price);
    if (cost > 0) s.cost_per_million = cost;
  }
  if (repeats.size() >= 2) {
    RepeatSpreads spreads;
    spreads.count = static_cast<int>(repeats.size());
    spreads.throughput_within_slo_rps =
        Spread(Values(repeats, &RepeatFigures::throughput_within_slo_rps));
    spreads.slo_latency_us = Spread(Values(repeats, &RepeatFigures::slo_latency_us));
    spreads.p50_us = Spread(Values(repeats, &RepeatFigures::p50_us));
    spreads.p99_us = Spread(Values(repeats, &RepeatFigures::p99_us));
    s.repeats = spreads;
  }
  if (cell.cold_start) s.cold_start_s = cell.cold_start->mean.spawn_to_first_inference_s;
  return s;
}

}  // namespace servebench
