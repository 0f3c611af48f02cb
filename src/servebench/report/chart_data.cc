// Copyright servebench authors.

#include "servebench/report/chart_data.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>

#include "servebench/core/histogram.h"
#include "servebench/report/level_label.h"
#include "servebench/report/number_format.h"
#include "servebench/report/recommendation.h"
#include "servebench/report/variant_accuracy.h"

namespace servebench {

namespace {

using nlohmann::json;

bool IsOpenLoop(const CellRecord& cell) {
  for (const LevelRecord& level : cell.levels) return level.level.rate.has_value();
  return cell.scenario_kind == "rate_sweep";
}

template <typename T>
int IndexOf(std::vector<T>* seen, const T& key) {
  auto it = std::find(seen->begin(), seen->end(), key);
  if (it != seen->end()) return static_cast<int>(it - seen->begin());
  seen->push_back(key);
  return static_cast<int>(seen->size() - 1);
}

// One horizontal line per latency constraint of the SLO, labelled with it.
json SloLines(const SloRecord& slo) {
  json lines = json::array();
  for (const SloConstraintRecord& c : slo.constraints) {
    SloRecord one;
    one.constraints = {c};
    lines.push_back({{"y", c.bound_us / 1000.0}, {"label", "SLO: " + one.Describe("≤")}});
  }
  return lines;
}

json Axis(const std::string& label, const std::string& scale) {
  return {{"label", label}, {"scale", scale}};
}

json Series(const std::string& label, const std::string& kind, int color) {
  return {{"label", label}, {"kind", kind}, {"color", color}, {"points", json::array()}};
}

// "inconclusive", "unstable" or both for a level whose numbers are not to be taken at their
// word; empty for the others.
std::string LevelDoubt(const LevelRecord& level) {
  std::string doubt = level.inconclusive() ? "inconclusive" : "";
  if (level.max_duration_reached) doubt += doubt.empty() ? "unstable" : ", unstable";
  return doubt;
}

// Latency against achieved throughput, one chart per server: p99 solid and p50 dashed for each
// variant and sweep, closed loop as circles and open loop as triangles, and the SLO's bound.
void LatencyThroughput(const RunRecord& run, const std::vector<CellRecord>& cells,
                       std::vector<ChartSpec>* out) {
  std::vector<std::string> servers, variants;
  for (const CellRecord& c : cells) {
    if (c.is_load_sweep() && !c.levels.empty()) IndexOf(&servers, c.server);
  }
  for (const std::string& server : servers) {
    json spec = {{"type", "xy"},
                 {"x", Axis("achieved throughput (inferences/s)", "linear")},
                 {"y", Axis("latency (ms)", "log")},
                 {"series", json::array()},
                 {"hlines", SloLines(run.slo)}};
    for (const CellRecord& cell : cells) {
      if (cell.server != server || !cell.is_load_sweep()) continue;
      const int color = IndexOf(&variants, cell.variant);
      const bool open = IsOpenLoop(cell);
      const std::string name = cell.variant + " · " + cell.scenario;
      json p99 = Series(name + " p99", "line", color);
      json p50 = Series(name + " p50", "line", color);
      p50["dash"] = true;
      for (json* s : {&p99, &p50}) (*s)["marker"] = open ? "triangle" : "circle";
      for (json* s : {&p99, &p50}) (*s)["hollow"] = json::array();
      for (const LevelRecord& level : cell.levels) {
        if (level.load.latency_us.count == 0) continue;
        json p99_point = {level.load.throughput_rps, level.load.latency_us.p99 / 1000.0};
        json p50_point = {level.load.throughput_rps, level.load.latency_us.p50 / 1000.0};
        // A level not to take at its word is drawn hollow and named in its tooltip.
        const std::string doubt = LevelDoubt(level);
        if (!doubt.empty()) {
          for (json* s : {&p99, &p50}) (*s)["hollow"].push_back((*s)["points"].size());
          p99_point.push_back(doubt);
          p50_point.push_back(doubt);
        }
        p99["points"].push_back(std::move(p99_point));
        p50["points"].push_back(std::move(p50_point));
      }
      if (p99["points"].empty()) continue;
      spec["series"].push_back(std::move(p99));
      spec["series"].push_back(std::move(p50));
    }
    out->push_back({"latency-throughput", server,
                    "p99 (solid) and p50 (dashed) at each level of each sweep, in the order "
                    "measured; circles: closed loop (hides queueing), triangles: open loop; "
                    "hollow: an inconclusive or unstable level.",
                    std::move(spec)});
  }
}

// The latency percentile spectrum of each load cell, one line per level.
void Spectra(const std::vector<CellRecord>& cells, std::vector<ChartSpec>* out) {
  const std::vector<double> percentiles = SpectrumPercentiles();
  for (const CellRecord& cell : cells) {
    if (!cell.is_load_sweep() || cell.levels.empty()) continue;
    json spec = {{"type", "xy"},
                 {"x", Axis("percentile", "percentile")},
                 {"y", Axis("latency (ms)", "log")},
                 {"series", json::array()},
                 {"hlines", SloLines(cell.slo)}};
    int index = 0;
    for (const LevelRecord& level : cell.levels) {
      const int color = index++;
      Histogram histogram = Histogram::ForLatency();
      std::string error;
      if (!Histogram::FromJson(level.load.histogram, &histogram, &error) ||
          histogram.count() == 0) {
        continue;
      }
      json series = Series(LevelLabel(level.level), "line", color);
      series["marker"] = "none";
      const double n = static_cast<double>(histogram.count());
      for (double p : percentiles) {
        const double x = 1.0 / (1.0 - p / 100.0);
        // Beyond 1 / (1 - q) = n a percentile is the maximum: the data end there.
        if (x > std::max(2.0, n) * 1.0001) break;
        series["points"].push_back({x, histogram.ValueAtPercentile(p) / 1e6});
      }
      spec["series"].push_back(std::move(series));
    }
    if (spec["series"].empty()) continue;
    out->push_back({"spectrum", cell.cell_id,
                    "Latency at each percentile from the level's histogram; the tail to the "
                    "right. Each line ends where its sample count runs out.",
                    std::move(spec)});
  }
}

// Cold start per server: the mean of each step stacked, and every repeat as a point.
void ColdStarts(const std::vector<CellRecord>& cells, std::vector<ChartSpec>* out) {
  std::vector<std::string> servers;
  for (const CellRecord& c : cells) {
    if (c.is_cold_start() && c.cold_start && !c.cold_start->repeats.empty()) {
      IndexOf(&servers, c.server);
    }
  }
  for (const std::string& server : servers) {
    std::vector<std::string> variants;
    json ready = Series("spawn → ready (mean)", "bar", 0);
    json model_ready = Series("ready → model ready (mean)", "bar", 5);
    json first = Series("model ready → first inference (mean)", "bar", 1);
    // Records from before the model-ready step was timed know only ready -> first inference.
    json unsplit = Series("ready → first inference, not split (mean)", "bar", 6);
    json totals = Series("repeats: spawn → first inference", "points", 2);
    json model_readies = Series("repeats: spawn → model ready", "points", 5);
    json readies = Series("repeats: spawn → ready", "points", 3);
    json loads = Series("repeats: model load (repository API)", "points", 4);
    for (json* bar : {&ready, &model_ready, &first, &unsplit}) {
      (*bar)["stack"] = "mean";
      (*bar)["values"] = json::array();
    }
    totals["marker"] = "circle";
    model_readies["marker"] = "triangle";
    readies["marker"] = "rect";
    loads["marker"] = "star";
    bool any_unsplit = false;
    for (const CellRecord& cell : cells) {
      if (cell.server != server || !cell.is_cold_start() || !cell.cold_start ||
          cell.cold_start->repeats.empty()) {
        continue;
      }
      variants.push_back(cell.variant);
      const ColdStartRecord& cs = *cell.cold_start;
      const bool split = cs.mean.ready_to_model_ready_s && cs.mean.model_ready_to_first_inference_s;
      any_unsplit |= !split;
      ready["values"].push_back(cs.mean.spawn_to_ready_s);
      model_ready["values"].push_back(split ? json(*cs.mean.ready_to_model_ready_s) : json());
      first["values"].push_back(split ? json(*cs.mean.model_ready_to_first_inference_s) : json());
      unsplit["values"].push_back(split ? json() : json(cs.mean.ready_to_first_inference_s));
      for (const ColdStartTimes& r : cs.repeats) {
        totals["points"].push_back({cell.variant, r.spawn_to_first_inference_s});
        if (r.ready_to_model_ready_s) {
          model_readies["points"].push_back(
              {cell.variant, r.spawn_to_ready_s + *r.ready_to_model_ready_s});
        }
        readies["points"].push_back({cell.variant, r.spawn_to_ready_s});
        if (r.model_load_s) loads["points"].push_back({cell.variant, *r.model_load_s});
      }
    }
    json series = json::array({ready, model_ready, first});
    if (any_unsplit) series.push_back(unsplit);
    series.push_back(totals);
    if (!model_readies["points"].empty()) series.push_back(model_readies);
    series.push_back(readies);
    if (!loads["points"].empty()) series.push_back(loads);
    json spec = {
        {"type", "bar"},
        {"x", {{"label", "model variant"}, {"scale", "category"}, {"categories", variants}}},
        {"y", Axis("seconds", "linear")},
        {"series", std::move(series)},
        {"hlines", json::array()}};
    out->push_back({"cold-start", server,
                    "Bars: the mean of spawn → ready (the server's readiness endpoint answers), "
                    "ready → model ready (the model's readiness endpoint answers) and model ready "
                    "→ first successful inference. Points: each fresh process.",
                    std::move(spec)});
  }
}

// The server's CPU and memory across the levels of each load cell.
void Resources(const std::vector<CellRecord>& cells, std::vector<ChartSpec>* out) {
  for (const CellRecord& cell : cells) {
    if (!cell.is_load_sweep()) continue;
    std::vector<std::string> labels;
    json cpu_mean = Series("CPU % (mean)", "line", 0);
    json cpu_max = Series("CPU % (max)", "line", 0);
    json rss = Series("RSS MiB (max)", "line", 1);
    json gpu = Series("GPU utilisation % (mean)", "line", 2);
    cpu_max["dash"] = true;
    rss["axis"] = "y2";
    rss["marker"] = "rect";
    bool any = false, any_gpu = false;
    for (const LevelRecord& level : cell.levels) {
      if (!level.resources) continue;
      any = true;
      const std::string label = LevelLabel(level.level);
      labels.push_back(label);
      cpu_mean["points"].push_back({label, level.resources->cpu_percent.mean});
      cpu_max["points"].push_back({label, level.resources->cpu_percent.max});
      rss["points"].push_back({label, level.resources->rss_bytes.max / (1024.0 * 1024.0)});
      if (level.resources->gpu) {
        any_gpu = true;
        gpu["points"].push_back({label, level.resources->gpu->utilization_percent.mean});
      }
    }
    if (!any) continue;
    json spec = {{"type", "bar"},
                 {"x", {{"label", "load level"}, {"scale", "category"}, {"categories", labels}}},
                 {"y", Axis("CPU % (100 = one core)", "linear")},
                 {"y2", Axis("RSS (MiB)", "linear")},
                 {"series", json::array({cpu_mean, cpu_max, rss})},
                 {"hlines", json::array()}};
    if (any_gpu) spec["series"].push_back(gpu);
    out->push_back({"resources", cell.cell_id,
                    "The server's process tree, sampled every 100 ms during each level.",
                    std::move(spec)});
  }
}

// The pairs of `figures` not dominated by another (lower x and at least as accurate, or as
// low x and more accurate), by increasing x.
std::vector<const PairFigures*> ParetoFront(const std::vector<const PairFigures*>& figures,
                                            std::optional<double> PairFigures::*x) {
  std::vector<const PairFigures*> front;
  for (const PairFigures* a : figures) {
    bool dominated = false;
    for (const PairFigures* b : figures) {
      const double ax = *(a->*x), bx = *(b->*x);
      if ((bx <= ax && *b->accuracy > *a->accuracy) || (bx < ax && *b->accuracy >= *a->accuracy)) {
        dominated = true;
      }
    }
    if (!dominated) front.push_back(a);
  }
  std::sort(front.begin(), front.end(),
            [x](const PairFigures* a, const PairFigures* b) { return *(a->*x) < *(b->*x); });
  return front;
}

// Accuracy against latency and against cost, one chart each per family with known accuracy.
void Accuracy(const RunRecord& run, const Recommendation& recommendation,
              std::vector<ChartSpec>* out) {
  const std::string currency = run.cost.CurrencyName();
  struct Axis2 {
    std::optional<double> PairFigures::*field;
    std::string label, scale, what;
    double scale_by;
  };
  const Axis2 axes[] = {{&PairFigures::p99_us, "p99 latency (ms)", "log", "latency", 1e-3},
                        {&PairFigures::cost_per_million,
                         "cost per million inferences (" + currency + ")", "linear", "cost", 1}};
  for (const FamilyRecommendation& family : recommendation.families) {
    for (const Axis2& axis : axes) {
      std::vector<const PairFigures*> known;
      for (const PairFigures& f : family.considered) {
        if (f.accuracy && f.*axis.field) known.push_back(&f);
      }
      if (known.empty()) continue;
      json spec = {{"type", "xy"},
                   {"x", Axis(axis.label, axis.scale)},
                   {"y", {{"label", "top-1 accuracy (%)"}, {"scale", "linear"}, {"zero", false}}},
                   {"series", json::array()},
                   {"hlines", json::array()}};
      if (family.accuracy_floor) {
        spec["hlines"].push_back(
            {{"y", *family.accuracy_floor * 100},
             {"label", "accuracy floor " + FormatAccuracy(family.accuracy_floor)}});
      }
      std::vector<std::string> servers;
      std::map<std::string, json> by_server;
      for (const PairFigures* f : known) {
        const int color = IndexOf(&servers, f->server);
        json& s = by_server[f->server];
        if (s.is_null()) {
          s = Series(f->server, "points", color);
          s["marker"] = "circle";
        }
        s["points"].push_back({*(f->*axis.field) * axis.scale_by, *f->accuracy * 100, f->variant});
      }
      for (const std::string& server : servers) spec["series"].push_back(by_server[server]);
      json front = Series("Pareto front", "line", 7);
      front["marker"] = "star";
      for (const PairFigures* f : ParetoFront(known, axis.field)) {
        front["points"].push_back({*(f->*axis.field) * axis.scale_by, *f->accuracy * 100,
                                   f->variant + " on " + f->server});
      }
      spec["series"].push_back(std::move(front));
      out->push_back({"accuracy", family.family + ": accuracy against " + axis.what,
                      "Each point a (variant, server) pair at its throughput within the SLO "
                      "(open-loop sweep where measured); stars on the line: no other pair is "
                      "both cheaper or faster and more accurate.",
                      std::move(spec)});
    }
  }
}

// Cost per million inferences at the throughput within the SLO: variants by server.
void Costs(const RunRecord& run, const std::vector<CellRecord>& cells,
           const Recommendation& recommendation, std::vector<ChartSpec>* out) {
  std::vector<std::string> variants, servers;
  std::map<std::pair<std::string, std::string>, double> cost;
  for (const FamilyRecommendation& family : recommendation.families) {
    for (const PairFigures& f : family.considered) {
      if (!f.cost_per_million) continue;
      IndexOf(&variants, f.variant);
      IndexOf(&servers, f.server);
      cost[{f.variant, f.server}] = *f.cost_per_million;
    }
  }
  if (cost.empty()) return;
  // Categories in the run's order of variants.
  std::vector<std::string> ordered;
  for (const CellRecord& c : cells) {
    if (std::find(variants.begin(), variants.end(), c.variant) != variants.end()) {
      IndexOf(&ordered, c.variant);
    }
  }
  const std::string currency = run.cost.CurrencyName();
  json spec = {{"type", "bar"},
               {"x", {{"label", "model variant"}, {"scale", "category"}, {"categories", ordered}}},
               {"y", Axis(currency + " per million inferences", "linear")},
               {"series", json::array()},
               {"hlines", json::array()}};
  int color = 0;
  for (const std::string& server : servers) {
    json s = Series(server, "bar", color++);
    s["values"] = json::array();
    for (const std::string& variant : ordered) {
      auto it = cost.find({variant, server});
      s["values"].push_back(it == cost.end() ? json(nullptr) : json(it->second));
    }
    spec["series"].push_back(std::move(s));
  }
  out->push_back({"cost", "cost per million inferences",
                  "At each pair's highest throughput within the SLO (open-loop sweep where "
                  "measured); lower is better. No bar: no level met the SLO.",
                  std::move(spec)});
}

}  // namespace

std::vector<double> SpectrumPercentiles() {
  std::vector<double> out;
  // x = 1 / (1 - q) from 2 (p50) to 10^4 (p99.99), eight points a decade.
  const double first = std::log10(2.0), last = 4.0, step = 0.125;
  for (double e = first; e < last - 1e-9; e += step) out.push_back(100.0 * (1 - std::pow(10, -e)));
  out.push_back(99.99);
  return out;
}

std::vector<ChartSpec> BuildCharts(const RunRecord& run, const std::vector<CellRecord>& cells) {
  std::vector<ChartSpec> charts;
  LatencyThroughput(run, cells, &charts);
  Spectra(cells, &charts);
  ColdStarts(cells, &charts);
  Resources(cells, &charts);
  const Recommendation recommendation = Recommend(run, cells);
  Accuracy(run, recommendation, &charts);
  Costs(run, cells, recommendation, &charts);
  return charts;
}

}  // namespace servebench
