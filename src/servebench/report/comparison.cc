// Copyright servebench authors.

#include "servebench/report/comparison.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

namespace servebench {

namespace {

template <typename Key>
void AddDistinct(std::vector<Key>* keys, const Key& key) {
  if (std::find(keys->begin(), keys->end(), key) == keys->end()) keys->push_back(key);
}

}  // namespace

std::vector<ComparisonRow> BuildComparison(const std::vector<CellRecord>& cells) {
  using Pair = std::pair<std::string, std::string>;  // variant, server
  std::map<Pair, std::optional<double>> cold_start;
  std::map<Pair, bool> has_load_cell;
  std::map<std::string, nlohmann::json> cards;
  for (const CellRecord& cell : cells) {
    const Pair pair{cell.variant, cell.server};
    if (!cell.model_card.is_null()) cards[pair.first] = cell.model_card;
    if (cell.is_accuracy()) continue;
    if (cell.is_cold_start()) {
      if (cell.summary.cold_start_s) cold_start[pair] = cell.summary.cold_start_s;
    } else {
      has_load_cell[pair] = true;
    }
  }

  std::vector<ComparisonRow> rows;
  for (const CellRecord& cell : cells) {
    if (cell.is_accuracy()) continue;
    const Pair pair{cell.variant, cell.server};
    const bool cold = cell.is_cold_start();
    // A cold-start cell makes a row only when its pair was measured under no load scenario.
    if (cold && has_load_cell[pair]) continue;
    const CellSummary& s = cell.summary;
    ComparisonRow row;
    row.variant = pair.first;
    row.server = pair.second;
    row.scenario = cell.scenario;
    row.failed = !cell.ok();
    row.p50_us = s.p50_us;
    row.p99_us = s.p99_us;
    row.max_throughput_rps = s.max_throughput_rps;
    row.throughput_within_slo_rps = s.throughput_within_slo_rps;
    row.cold_start_s = cold ? s.cold_start_s : cold_start[pair];
    row.cpu_percent_mean = s.cpu_percent_mean;
    row.rss_max_bytes = s.rss_max_bytes;
    row.cost_per_million = s.cost_per_million;
    if (s.repeats) {
      row.repeats = s.repeats->count;
      if (s.repeats->throughput_within_slo_rps) {
        row.throughput_within_slo_lower = s.repeats->throughput_within_slo_rps->lower;
        row.throughput_within_slo_upper = s.repeats->throughput_within_slo_rps->upper;
      }
    }
    row.slo = cell.slo.Describe();
    row.levels = s.levels;
    row.inconclusive_levels = s.inconclusive_levels;
    row.unstable_levels = s.unstable_levels;
    row.lag_flagged_levels = s.lag_flagged_levels;
    row.disturbed_levels = s.disturbed_levels;
    auto card = cards.find(pair.first);
    if (card != cards.end()) row.card = card->second;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string ValidityText(const ComparisonRow& row, bool compact) {
  std::string text;
  auto add = [&](int count, const char* full, const char* brief) {
    if (count == 0) return;
    text += (text.empty() ? "" : ", ") + std::to_string(count) + " " + (compact ? brief : full);
  };
  add(row.inconclusive_levels, "inconclusive", "inc");
  add(row.unstable_levels, "unstable", "unst");
  add(row.lag_flagged_levels, "lag", "lag");
  add(row.disturbed_levels, "noisy", "noisy");
  return text;
}

std::vector<AccuracyRow> AccuracyRows(const std::vector<CellRecord>& cells) {
  std::vector<AccuracyRow> rows;
  for (const CellRecord& cell : cells) {
    if (cell.is_accuracy()) rows.push_back({cell.variant, cell.server, !cell.ok(), cell.accuracy});
  }
  return rows;
}

std::vector<std::string> VariantsOf(const std::vector<ComparisonRow>& rows) {
  std::vector<std::string> variants;
  for (const ComparisonRow& row : rows) AddDistinct(&variants, row.variant);
  return variants;
}

std::vector<std::string> ServersOf(const std::vector<ComparisonRow>& rows) {
  std::vector<std::string> servers;
  for (const ComparisonRow& row : rows) AddDistinct(&servers, row.server);
  return servers;
}

}  // namespace servebench
