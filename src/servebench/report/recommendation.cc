// Copyright servebench authors.

#include "servebench/report/recommendation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>

#include "servebench/report/number_format.h"
#include "servebench/report/variant_accuracy.h"

namespace servebench {

namespace {

using nlohmann::json;

// What the choice gives up is named when the best pair is better by more than these: a tenth
// of a point of accuracy, or a tenth of a latency, cold start or memory.
constexpr double kMinorPoints = 0.1;
constexpr double kMinorShare = 0.1;

json Optional(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

std::string Percent(double fraction) { return FormatAccuracy(fraction); }

std::string SloBoundText(const SloRecord& slo) { return slo.Describe("≤"); }

PairFigures FiguresOf(const CellRecord& cell, std::optional<double> accuracy,
                      std::optional<double> cold_start_s) {
  PairFigures f;
  f.variant = cell.variant;
  f.server = cell.server;
  f.scenario = cell.scenario;
  f.cell_id = cell.cell_id;
  f.throughput_within_slo_rps = cell.summary.throughput_within_slo_rps;
  f.cost_per_million = cell.summary.cost_per_million;
  // The latency at the SLO's highest percentile where the throughput within it was measured.
  if (cell.summary.throughput_within_slo_rps) f.slo_latency_us = cell.summary.slo_latency_us;
  f.slo = cell.slo;
  f.p99_us = cell.summary.p99_us;
  f.accuracy = accuracy;
  f.cold_start_s = cold_start_s;
  f.rss_max_bytes = cell.summary.rss_max_bytes;
  return f;
}

// Open loop first: a closed-loop sweep's latency hides queueing (docs/metrics.md).
int ScenarioPreference(const CellRecord& cell) {
  return (cell.ok() ? 0 : 2) + (cell.scenario_kind == "rate_sweep" ? 0 : 1);
}

struct Ranking {
  bool by_cost = false;
  // True when `a` is cheaper than `b` (ties: more throughput within the SLO, then lower p99).
  bool operator()(const PairFigures& a, const PairFigures& b) const {
    if (by_cost && a.cost_per_million.has_value() != b.cost_per_million.has_value()) {
      return a.cost_per_million.has_value();
    }
    if (by_cost && a.cost_per_million && *a.cost_per_million != *b.cost_per_million) {
      return *a.cost_per_million < *b.cost_per_million;
    }
    const double ta = a.throughput_within_slo_rps.value_or(-1);
    const double tb = b.throughput_within_slo_rps.value_or(-1);
    if (ta != tb) return ta > tb;
    return a.p99_us.value_or(INFINITY) < b.p99_us.value_or(INFINITY);
  }
};

std::string PairName(const PairFigures& f) { return f.variant + " on " + f.server; }

// The give-ups of `choice` against the best of `meeting` (the pairs that meet the SLO).
std::vector<GiveUp> GivesUp(const PairFigures& choice, const std::vector<PairFigures>& meeting) {
  struct Metric {
    const char* name;
    std::optional<double> PairFigures::*field;
    bool higher_is_better;
  };
  const Metric metrics[] = {{"accuracy", &PairFigures::accuracy, true},
                            {"p99_us", &PairFigures::p99_us, false},
                            {"cold_start_s", &PairFigures::cold_start_s, false},
                            {"rss_max_bytes", &PairFigures::rss_max_bytes, false}};
  std::vector<GiveUp> out;
  for (const Metric& m : metrics) {
    const std::optional<double>& mine = choice.*m.field;
    if (!mine) continue;
    const PairFigures* best = nullptr;
    for (const PairFigures& other : meeting) {
      const std::optional<double>& theirs = other.*m.field;
      if (!theirs) continue;
      const bool better = m.higher_is_better ? *theirs > *mine : *theirs < *mine;
      if (!better) continue;
      if (best == nullptr ||
          (m.higher_is_better ? *theirs > *(best->*m.field) : *theirs < *(best->*m.field))) {
        best = &other;
      }
    }
    if (best == nullptr) continue;
    // A difference within a tenth (a tenth of a point of accuracy) is not worth a sentence.
    const double theirs = *(best->*m.field);
    const bool minor = m.higher_is_better ? (theirs - *mine) * 100 <= kMinorPoints
                                          : theirs * (1 + kMinorShare) >= *mine;
    if (minor) continue;
    GiveUp g;
    g.metric = m.name;
    g.chosen = *mine;
    g.best = *(best->*m.field);
    g.best_variant = best->variant;
    g.best_server = best->server;
    const std::string against = " of " + PairName(*best) + ")";
    if (g.metric == "accuracy") {
      g.text = FormatSignificant((g.best - g.chosen) * 100) + " points of top-1 accuracy (" +
               Percent(g.chosen) + " against " + Percent(g.best) + against;
    } else if (g.metric == "p99_us") {
      g.text = "a p99 latency " + FormatSignificant(g.chosen / g.best) + "x as high (" +
               FormatMillisFromMicros(g.chosen) + " ms against " + FormatMillisFromMicros(g.best) +
               " ms" + against;
    } else if (g.metric == "cold_start_s") {
      g.text = "a cold start " + FormatSignificant(g.chosen / g.best) + "x as long (" +
               FormatSeconds(g.chosen) + " s against " + FormatSeconds(g.best) + " s" + against;
    } else {
      g.text = FormatSignificant(g.chosen / g.best) + "x the memory (" + FormatMebibytes(g.chosen) +
               " MiB RSS against " + FormatMebibytes(g.best) + " MiB" + against;
    }
    out.push_back(std::move(g));
  }
  return out;
}

std::string Sentence(const RunRecord& run, const FamilyRecommendation& r, bool by_cost) {
  const std::string slo = SloBoundText(r.choice ? r.choice->slo : run.slo);
  if (!r.choice) {
    std::string why =
        r.considered.empty()
            ? "no pair of it was measured under load"
            : "no pair meets the SLO (" + slo + ")" +
                  (r.accuracy_floor ? " and the accuracy floor of " + Percent(*r.accuracy_floor)
                                    : std::string());
    return r.family + ": no recommendation: " + why + ".";
  }
  const PairFigures& c = *r.choice;
  std::string s = r.family + ": serve " + c.variant + " on " + c.server + " (" + c.scenario + "): ";
  if (by_cost && c.cost_per_million) {
    s += FormatCost(c.cost_per_million) + " " + run.cost.CurrencyName() +
         " per million inferences at ";
  }
  s += FormatRate(c.throughput_within_slo_rps) + " inferences/s within the SLO (" + slo + ")";
  const SloConstraintRecord headline = c.slo.Headline();
  if (c.slo_latency_us && headline.bound_us > 0) {
    const double headroom = 1 - *c.slo_latency_us / headline.bound_us;
    char percentile[32];
    std::snprintf(percentile, sizeof(percentile), "%g", headline.percentile);
    s += "; its p" + std::string(percentile) + " there is " +
         FormatMillisFromMicros(c.slo_latency_us) + " ms, " +
         FormatSignificant(std::max(0.0, headroom * 100), 2) + " % below the bound";
  }
  if (c.accuracy) {
    s += "; top-1 " + Percent(*c.accuracy);
    if (r.accuracy_floor) {
      s += ", " + FormatSignificant((*c.accuracy - *r.accuracy_floor) * 100, 2) +
           " points above the floor of " + Percent(*r.accuracy_floor);
    }
  } else if (!r.accuracy_floor) {
    s += "; accuracy not judged (" + r.floor_basis + ")";
  }
  s += ".";
  if (r.runner_up) {
    const PairFigures& u = *r.runner_up;
    s += " Runner-up: " + PairName(u) + " (" + u.scenario + ")";
    if (by_cost && u.cost_per_million && c.cost_per_million && *c.cost_per_million > 0) {
      s += ", " + FormatCost(u.cost_per_million) + " " + run.cost.CurrencyName() +
           " per million (" +
           FormatSignificant((*u.cost_per_million / *c.cost_per_million - 1) * 100, 2) + " % more)";
    } else {
      s += ", " + FormatRate(u.throughput_within_slo_rps) + " inferences/s within the SLO";
    }
    s += ".";
  } else {
    s += " No other pair meets both.";
  }
  if (r.gives_up.empty()) {
    s += " It gives up nothing against the other pairs that meet the SLO.";
  } else {
    s += " It gives up ";
    for (size_t i = 0; i < r.gives_up.size(); ++i) {
      if (i > 0) s += i + 1 == r.gives_up.size() ? " and " : "; ";
      s += r.gives_up[i].text;
    }
    s += ".";
  }
  return s;
}

}  // namespace

json PairFigures::ToJson() const {
  return {{"variant", variant},
          {"server", server},
          {"scenario", scenario},
          {"cell_id", cell_id},
          {"throughput_within_slo_rps", Optional(throughput_within_slo_rps)},
          {"cost_per_million", Optional(cost_per_million)},
          {"slo_latency_us", Optional(slo_latency_us)},
          {"p99_us", Optional(p99_us)},
          {"accuracy", Optional(accuracy)},
          {"cold_start_s", Optional(cold_start_s)},
          {"rss_max_bytes", Optional(rss_max_bytes)}};
}

json Recommendation::ToJson() const {
  json families_json = json::array();
  for (const FamilyRecommendation& f : families) {
    json gives_up = json::array();
    for (const GiveUp& g : f.gives_up) {
      gives_up.push_back({{"metric", g.metric},
                          {"chosen", g.chosen},
                          {"best", g.best},
                          {"best_variant", g.best_variant},
                          {"best_server", g.best_server},
                          {"text", g.text}});
    }
    json margin = nullptr;
    if (f.choice) {
      margin = {{"slo_latency_us", Optional(f.choice->slo_latency_us)},
                {"accuracy_above_floor", nullptr},
                {"runner_up_cost_ratio", nullptr}};
      if (f.choice->accuracy && f.accuracy_floor) {
        margin["accuracy_above_floor"] = *f.choice->accuracy - *f.accuracy_floor;
      }
      if (f.runner_up && f.runner_up->cost_per_million && f.choice->cost_per_million &&
          *f.choice->cost_per_million > 0) {
        margin["runner_up_cost_ratio"] =
            *f.runner_up->cost_per_million / *f.choice->cost_per_million;
      }
    }
    families_json.push_back({{"family", f.family},
                             {"accuracy_floor", Optional(f.accuracy_floor)},
                             {"floor_basis", f.floor_basis},
                             {"choice", f.choice ? f.choice->ToJson() : json(nullptr)},
                             {"margin", margin},
                             {"runner_up", f.runner_up ? f.runner_up->ToJson() : json(nullptr)},
                             {"gives_up", gives_up},
                             {"excluded", f.excluded},
                             {"sentence", f.sentence}});
  }
  return {{"ranked_by", ranked_by}, {"families", families_json}};
}

Recommendation Recommend(const RunRecord& run, const std::vector<CellRecord>& cells) {
  const std::vector<VariantAccuracy> accuracies = VariantAccuracies(cells);
  std::map<std::string, const VariantAccuracy*> accuracy_of;
  for (const VariantAccuracy& a : accuracies) accuracy_of[a.variant] = &a;

  using Pair = std::pair<std::string, std::string>;
  std::map<Pair, std::optional<double>> cold_start;
  std::map<Pair, const CellRecord*> chosen_cell;
  std::vector<Pair> pair_order;
  for (const CellRecord& cell : cells) {
    const Pair pair{cell.variant, cell.server};
    if (cell.is_cold_start() && cell.ok()) cold_start[pair] = cell.summary.cold_start_s;
    if (!cell.is_load_sweep()) continue;
    auto it = chosen_cell.find(pair);
    if (it == chosen_cell.end()) {
      pair_order.push_back(pair);
      chosen_cell[pair] = &cell;
    } else if (ScenarioPreference(cell) < ScenarioPreference(*it->second)) {
      it->second = &cell;
    }
  }

  Recommendation out;
  Ranking ranking;
  for (const auto& [pair, cell] : chosen_cell) {
    if (cell->summary.cost_per_million) ranking.by_cost = true;
  }
  out.ranked_by = ranking.by_cost ? "cost_per_million" : "throughput_within_slo_rps";

  for (const VariantAccuracy& a : accuracies) {
    const bool seen =
        std::any_of(out.families.begin(), out.families.end(),
                    [&](const FamilyRecommendation& f) { return f.family == a.family; });
    if (seen) continue;
    FamilyRecommendation r;
    r.family = a.family;
    if (run.accuracy_floor) {
      r.accuracy_floor = run.accuracy_floor;
      r.floor_basis = "report.accuracy_floor";
    } else {
      const VariantAccuracy* base = nullptr;
      for (const VariantAccuracy& v : accuracies) {
        if (v.family == a.family && v.is_base) base = &v;
      }
      if (base != nullptr && base->top1) {
        r.accuracy_floor = *base->top1 - 0.01;
        r.floor_basis = "one point below " + base->variant + " (" + Percent(*base->top1) + ")";
      } else if (base != nullptr) {
        r.floor_basis = "the accuracy of " + base->variant + " is unknown: " + base->why_unknown;
      } else {
        r.floor_basis = "the family's fp32 model is not in this run; set report.accuracy_floor";
      }
    }
    for (const Pair& pair : pair_order) {
      const VariantAccuracy* accuracy = accuracy_of[pair.first];
      if (accuracy == nullptr || accuracy->family != r.family) continue;
      r.considered.push_back(FiguresOf(
          *chosen_cell[pair], PairAccuracy(cells, *accuracy, pair.second), cold_start[pair]));
    }
    std::stable_sort(r.considered.begin(), r.considered.end(), ranking);
    std::vector<PairFigures> meeting_slo;
    for (const PairFigures& f : r.considered) {
      const CellRecord* cell = chosen_cell[{f.variant, f.server}];
      std::string why;
      if (!cell->ok()) {
        why = "its " + f.scenario + " cell failed";
      } else if (!f.throughput_within_slo_rps) {
        why = "no level of " + f.scenario + " met the SLO";
      } else {
        meeting_slo.push_back(f);
        if (r.accuracy_floor && !f.accuracy) {
          why = "its accuracy is unknown";
        } else if (r.accuracy_floor && *f.accuracy < *r.accuracy_floor) {
          why = "top-1 " + Percent(*f.accuracy) + " is below the floor";
        }
      }
      if (!why.empty()) {
        r.excluded.push_back(PairName(f) + ": " + why);
      } else if (!r.choice) {
        r.choice = f;
      } else if (!r.runner_up) {
        r.runner_up = f;
      }
    }
    if (r.choice) r.gives_up = GivesUp(*r.choice, meeting_slo);
    r.sentence = Sentence(run, r, ranking.by_cost);
    out.families.push_back(std::move(r));
  }
  return out;
}

}  // namespace servebench
