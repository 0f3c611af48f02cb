// Copyright servebench authors.

#include "servebench/report/comparison.h"

#include <algorithm>
#include <map>
#include <utility>

#include "servebench/report/record_fields.h"

namespace servebench {

namespace {

bool IsColdStart(const nlohmann::json& cell) {
  return StringAt(cell, "scenario_kind") == "cold_start";
}

template <typename Key>
void AddDistinct(std::vector<Key>* keys, const Key& key) {
  if (std::find(keys->begin(), keys->end(), key) == keys->end()) keys->push_back(key);
}

}  // namespace

std::vector<ComparisonRow> BuildComparison(const std::vector<nlohmann::json>& cells) {
  using Pair = std::pair<std::string, std::string>;  // variant, server
  std::map<Pair, std::optional<double>> cold_start;
  std::map<Pair, bool> has_load_cell;
  std::map<std::string, nlohmann::json> cards;
  for (const nlohmann::json& cell : cells) {
    const Pair pair{StringAt(cell, "variant"), StringAt(cell, "server")};
    if (const nlohmann::json* card = FindPath(cell, "model_card")) cards[pair.first] = *card;
    if (IsColdStart(cell)) {
      if (auto s = NumberAt(cell, "summary.cold_start_s")) cold_start[pair] = s;
    } else {
      has_load_cell[pair] = true;
    }
  }

  std::vector<ComparisonRow> rows;
  for (const nlohmann::json& cell : cells) {
    const Pair pair{StringAt(cell, "variant"), StringAt(cell, "server")};
    const bool cold = IsColdStart(cell);
    // A cold-start cell makes a row only when its pair was measured under no load scenario.
    if (cold && has_load_cell[pair]) continue;
    ComparisonRow row;
    row.variant = pair.first;
    row.server = pair.second;
    row.scenario = StringAt(cell, "scenario");
    row.failed = StringAt(cell, "status") != "ok";
    row.p50_us = NumberAt(cell, "summary.p50_us");
    row.p99_us = NumberAt(cell, "summary.p99_us");
    row.max_throughput_rps = NumberAt(cell, "summary.max_throughput_rps");
    row.throughput_within_slo_rps = NumberAt(cell, "summary.throughput_within_slo_rps");
    row.cold_start_s = cold ? NumberAt(cell, "summary.cold_start_s") : cold_start[pair];
    row.cpu_percent_mean = NumberAt(cell, "summary.cpu_percent_mean");
    row.rss_max_bytes = NumberAt(cell, "summary.rss_max_bytes");
    row.cost_per_million = NumberAt(cell, "summary.cost_per_million");
    auto card = cards.find(pair.first);
    if (card != cards.end()) row.card = card->second;
    rows.push_back(std::move(row));
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
