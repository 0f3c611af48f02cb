// Copyright servebench authors.

#include "servebench/report/run_compare.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>

#include "servebench/core/histogram.h"
#include "servebench/core/percentile_confidence.h"

namespace servebench {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// The level a summary's latency figures were read from: the one whose own percentiles they are.
const LevelRecord* LatencyLevel(const CellRecord& cell) {
  if (!cell.summary.p50_us || !cell.summary.p99_us) return nullptr;
  for (const LevelRecord& level : cell.levels) {
    if (level.load.latency_us.count > 0 && level.load.latency_us.p50 == *cell.summary.p50_us &&
        level.load.latency_us.p99 == *cell.summary.p99_us) {
      return &level;
    }
  }
  return nullptr;
}

const LevelRecord* ThroughputLevel(const CellRecord& cell, std::optional<double> throughput,
                                   bool within_slo) {
  if (!throughput) return nullptr;
  for (const LevelRecord& level : cell.levels) {
    if (level.load.throughput_rps == *throughput && (!within_slo || level.slo_met)) return &level;
  }
  return nullptr;
}

// The percentile's 95% confidence interval from the level's histogram, in microseconds.
std::optional<NoiseInterval> PercentileNoise(const LevelRecord* level, double percentile,
                                             int64_t* samples) {
  if (level == nullptr) return std::nullopt;
  Histogram histogram = Histogram::ForLatency();
  std::string error;
  if (!Histogram::FromJson(level->load.histogram, &histogram, &error)) return std::nullopt;
  const PercentileInterval ci = PercentileConfidenceInterval(histogram, percentile, 0.95);
  *samples = ci.samples;
  return NoiseInterval{ci.lower_bounded ? ci.lower / 1e3 : 0.0,
                       ci.upper_bounded ? ci.upper / 1e3 : kInfinity};
}

// Mean +- 2 standard errors of `values` around `center`; absent for fewer than two values.
std::optional<NoiseInterval> TwoStandardErrors(double center, const std::vector<double>& values) {
  if (values.size() < 2) return std::nullopt;
  double mean = 0;
  for (double v : values) mean += v;
  mean /= values.size();
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  const double se = std::sqrt(squares / (values.size() - 1) / values.size());
  return NoiseInterval{center - 2 * se, center + 2 * se};
}

// A level's throughput: 2 standard errors over its windows, or with fewer than two windows the
// counting noise of its successes (+- 2 sqrt(ok) / duration).
std::optional<NoiseInterval> ThroughputNoise(const LevelRecord* level, int* windows) {
  if (level == nullptr) return std::nullopt;
  const LoadRecord& load = level->load;
  std::vector<double> rates;
  for (const WindowStats& w : load.windows) rates.push_back(w.throughput_rps);
  *windows = static_cast<int>(rates.size());
  if (auto noise = TwoStandardErrors(load.throughput_rps, rates)) return noise;
  if (load.duration_s <= 0) return std::nullopt;
  const double half = 2 * std::sqrt(static_cast<double>(load.requests.ok)) / load.duration_s;
  return NoiseInterval{load.throughput_rps - half, load.throughput_rps + half};
}

// The 95% Student t interval of a figure's mean over the cell's repeats; absent with fewer than
// two repeats, or when the figure was not measured in two of them.
std::optional<NoiseInterval> RepeatNoise(const std::optional<SpreadRecord>& spread) {
  if (!spread || !spread->lower || !spread->upper) return std::nullopt;
  return NoiseInterval{*spread->lower, *spread->upper};
}

bool Overlap(const NoiseInterval& x, const NoiseInterval& y) {
  return x.low <= y.high && y.low <= x.high;
}

struct Figures {
  std::optional<double> value;
  std::optional<NoiseInterval> noise;
  std::string basis;  // this run's part of the noise basis
};

// One metric of one cell, with its noise.
// A cell measured several times carries each repeat's headline figures (summary.repeats): their
// spread over fresh servers is the noise a rerun would see, wider than one level's windows or
// histogram show, so it is the interval whenever it exists.
Figures Measure(const std::string& metric, const CellRecord& cell) {
  const CellSummary& s = cell.summary;
  const std::optional<RepeatSpreads>& repeats = s.repeats;
  const std::string repeat_basis = repeats ? std::to_string(repeats->count) + " repeats" : "";
  Figures f;
  if (metric == "p50" || metric == "p99") {
    f.value = metric == "p50" ? s.p50_us : s.p99_us;
    if (repeats) {
      f.noise = RepeatNoise(metric == "p50" ? repeats->p50_us : repeats->p99_us);
      if (f.noise) {
        f.basis = repeat_basis;
        return f;
      }
    }
    int64_t samples = 0;
    f.noise = PercentileNoise(LatencyLevel(cell), metric == "p50" ? 50 : 99, &samples);
    f.basis = "n=" + std::to_string(samples);
  } else if (metric == "throughput_within_slo" || metric == "max_throughput" || metric == "cost") {
    const bool within = metric != "max_throughput";
    const std::optional<double> throughput =
        within ? s.throughput_within_slo_rps : s.max_throughput_rps;
    int windows = 0;
    std::optional<NoiseInterval> noise;
    if (within && repeats) noise = RepeatNoise(repeats->throughput_within_slo_rps);
    if (noise) {
      f.basis = repeat_basis;
    } else {
      noise = ThroughputNoise(ThroughputLevel(cell, throughput, within), &windows);
      f.basis = std::to_string(windows) + " windows";
    }
    f.value = metric == "cost" ? s.cost_per_million : throughput;
    if (metric != "cost" || !noise || !s.cost_per_million || !throughput) {
      f.noise = noise;
    } else {
      // Cost is price / throughput: its interval is the throughput's, inverted.
      const double c = *s.cost_per_million, t = *throughput;
      f.noise = NoiseInterval{noise->high > 0 ? c * t / noise->high : 0,
                              noise->low > 0 ? c * t / noise->low : kInfinity};
    }
  } else if (metric == "cold_start") {
    f.value = s.cold_start_s;
    std::vector<double> repeats;
    if (cell.cold_start) {
      for (const ColdStartTimes& r : cell.cold_start->repeats) {
        repeats.push_back(r.spawn_to_first_inference_s);
      }
    }
    if (f.value) f.noise = TwoStandardErrors(*f.value, repeats);
    f.basis = std::to_string(repeats.size()) + " repeats";
  } else if (metric == "rss") {
    f.value = s.rss_max_bytes;
    f.basis = "none";
  }
  return f;
}

bool HigherIsBetter(const std::string& metric) {
  return metric == "throughput_within_slo" || metric == "max_throughput";
}

MetricChange Judge(const std::string& metric, const CellRecord& a, const CellRecord& b,
                   double threshold_percent) {
  Figures fa = Measure(metric, a), fb = Measure(metric, b);
  // None of the figures can be negative (a time, a rate, a size, a price), so an interval is cut
  // at 0: it still holds the truth as often, and a Student t interval of three spread-out p99s
  // would otherwise read [-21.2, 38.8].
  for (Figures* f : {&fa, &fb}) {
    if (f->noise) f->noise->low = std::max(0.0, f->noise->low);
  }
  MetricChange c;
  c.metric = metric;
  c.a = fa.value;
  c.b = fb.value;
  c.a_noise = fa.noise;
  c.b_noise = fb.noise;
  if ((metric == "p50" || metric == "p99") && fa.basis.rfind("n=", 0) == 0 &&
      fb.basis.rfind("n=", 0) == 0) {
    c.noise_basis = "95% CI (" + fa.basis + ", " + fb.basis + ")";
  } else if (metric == "rss") {
    c.noise_basis = "none";
  } else {
    c.noise_basis = fa.basis + ", " + fb.basis;
  }
  if (c.a && !c.b) {
    // The number is gone: throughput within the SLO (and so its cost) when no level of B met it.
    c.worse = metric == "throughput_within_slo" || metric == "cost";
    c.beyond_threshold = c.beyond_noise = c.worse;
    c.change_percent = HigherIsBetter(metric) ? -100 : kInfinity;
    return c;
  }
  if (!c.a || !c.b) return c;
  c.change_percent = *c.a != 0 ? (*c.b - *c.a) / *c.a * 100 : (*c.b == 0 ? 0 : kInfinity);
  c.worse = HigherIsBetter(metric) ? *c.b < *c.a : *c.b > *c.a;
  c.beyond_threshold = std::fabs(c.change_percent) > threshold_percent;
  // Without an interval on a side, that side is taken as exact: the threshold alone judges it.
  const NoiseInterval na = c.a_noise.value_or(NoiseInterval{*c.a, *c.a});
  const NoiseInterval nb = c.b_noise.value_or(NoiseInterval{*c.b, *c.b});
  c.beyond_noise = !Overlap(na, nb);
  return c;
}

}  // namespace

const std::vector<std::string>& CompareMetricNames() {
  static const std::vector<std::string> names = {
      "throughput_within_slo", "max_throughput", "p50", "p99", "cold_start", "rss", "cost"};
  return names;
}

bool ParseCompareMetrics(const std::string& list, std::vector<std::string>* out,
                         std::string* error) {
  out->clear();
  std::stringstream in(list);
  std::string name;
  while (std::getline(in, name, ',')) {
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (name.empty()) continue;
    const auto& known = CompareMetricNames();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string names;
      for (const std::string& k : known) names += (names.empty() ? "" : ", ") + k;
      *error = "--metrics: unknown metric '" + name + "' (known: " + names + ")";
      return false;
    }
    out->push_back(name);
  }
  if (out->empty()) {
    *error = "--metrics: no metric named";
    return false;
  }
  return true;
}

int RunComparison::regressions() const {
  int n = 0;
  for (const CellChanges& cell : cells) {
    if (cell.failed_in_b) ++n;
    for (const MetricChange& m : cell.metrics) n += m.regression() ? 1 : 0;
  }
  return n;
}

RunComparison CompareRuns(const RunRecord& run_a, const std::vector<CellRecord>& cells_a,
                          const RunRecord& run_b, const std::vector<CellRecord>& cells_b,
                          const CompareOptions& options) {
  RunComparison out;
  out.run_a = run_a.run_id;
  out.run_b = run_b.run_id;
  out.options = options;
  const std::vector<std::string>& metrics =
      options.metrics.empty() ? CompareMetricNames() : options.metrics;
  std::map<std::string, const CellRecord*> in_a, in_b;
  for (const CellRecord& c : cells_a) in_a[c.cell_id] = &c;
  for (const CellRecord& c : cells_b) in_b[c.cell_id] = &c;
  for (const CellRecord& c : cells_a) {
    if (!in_b.count(c.cell_id)) out.only_a.push_back(c.cell_id);
  }
  for (const CellRecord& b : cells_b) {
    auto it = in_a.find(b.cell_id);
    if (it == in_a.end()) {
      out.only_b.push_back(b.cell_id);
      continue;
    }
    const CellRecord& a = *it->second;
    CellChanges changes;
    changes.cell_id = b.cell_id;
    if (!b.ok() || !a.ok()) {
      changes.failed_in_b = a.ok();
      const CellRecord& failed = b.ok() ? a : b;
      changes.failure = std::string(b.ok()   ? "failed in A"
                                    : a.ok() ? "failed in B"
                                             : "failed in both") +
                        (failed.failure ? ": " + failed.failure->message : "");
      out.cells.push_back(std::move(changes));
      continue;
    }
    for (const std::string& metric : metrics) {
      MetricChange m = Judge(metric, a, b, options.threshold_percent);
      if (m.a || m.b) changes.metrics.push_back(std::move(m));
    }
    out.cells.push_back(std::move(changes));
  }
  return out;
}

}  // namespace servebench
