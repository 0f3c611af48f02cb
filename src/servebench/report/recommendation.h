// Copyright servebench authors.
//
// The question users bring to a run: for the SLO in force and an accuracy floor, which serving
// system, configuration and model variant is the cheapest that meets both? Answered per model
// family (a digits MLP and a ResNet do different jobs, so they never compete), with the margin
// of the choice, the runner-up, and what the choice gives up against the best pair in each other
// respect. report.html shows it and results.json keeps it as "recommendation"; docs/report.md
// defines every rule and number.

#ifndef SERVEBENCH_REPORT_RECOMMENDATION_H_
#define SERVEBENCH_REPORT_RECOMMENDATION_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "servebench/records/cell_record.h"
#include "servebench/records/run_record.h"

namespace servebench {

// One (model variant, server configuration) pair as the recommendation weighs it: the numbers
// of its open-loop sweep where it has one (closed-loop latency hides queueing), else of its
// closed-loop sweep.
struct PairFigures {
  std::string variant;
  std::string server;
  std::string scenario;
  std::string cell_id;
  std::optional<double> throughput_within_slo_rps;
  std::optional<double> cost_per_million;
  std::optional<double> slo_latency_us;  // latency at the SLO's percentile at that throughput
  std::optional<double> p99_us;
  std::optional<double> accuracy;  // top-1 fraction
  std::optional<double> cold_start_s;
  std::optional<double> rss_max_bytes;
  SloRecord slo;  // the SLO its cell was judged by (not in the JSON: the cell record has it)

  nlohmann::json ToJson() const;
};

// What the choice is worse at than the best pair of its family that meets the SLO, by more than
// a tenth (a tenth of a point of accuracy).
struct GiveUp {
  std::string metric;  // "accuracy", "p99_us", "cold_start_s", "rss_max_bytes"
  double chosen = 0;
  double best = 0;
  std::string best_variant;
  std::string best_server;
  std::string text;  // "0.40 points of top-1 accuracy (97.78 % against 98.18 % of ...)"
};

struct FamilyRecommendation {
  std::string family;
  std::optional<double> accuracy_floor;  // null: accuracy not judged (floor_basis says why)
  std::string floor_basis;
  std::vector<PairFigures> considered;  // every pair measured under load, ranked
  std::vector<std::string> excluded;    // "<variant> on <server>: <why>", in ranking order
  std::optional<PairFigures> choice;    // null: no pair meets both (sentence says why)
  std::optional<PairFigures> runner_up;
  std::vector<GiveUp> gives_up;
  std::string sentence;  // one a reader can act on
};

struct Recommendation {
  std::string ranked_by;  // "cost_per_million", or "throughput_within_slo_rps" when unpriced
  std::vector<FamilyRecommendation> families;  // in the order the run first names them

  // results.json's "recommendation" (docs/results.md).
  nlohmann::json ToJson() const;
};

Recommendation Recommend(const RunRecord& run, const std::vector<CellRecord>& cells);

}  // namespace servebench

#endif  // SERVEBENCH_REPORT_RECOMMENDATION_H_
