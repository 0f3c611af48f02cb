// Copyright servebench authors.

#include "servebench/bench/matrix.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "servebench/bench/config.h"
#include "servebench/core/clock.h"
#include "servebench/core/duration.h"

namespace servebench {

namespace {

// What one server start and stop typically take here (process start, model load, readiness
// polling; SIGTERM and drain). Only for estimates: the runner measures the real ones.
constexpr double kTypicalStartSeconds = 3.0;
constexpr double kTypicalStopSeconds = 0.5;
// One pass over the digits test split (450 requests of one sample) on the C++ server.
constexpr double kTypicalAccuracyPassSeconds = 1.0;

const std::vector<std::string>& FilterFields() {
  static const std::vector<std::string> fields = {"variant", "server", "kind", "scenario"};
  return fields;
}

// One comma-separated term of a filter.
struct FilterTerm {
  std::string field;  // empty: the glob applies to the cell id
  std::string glob;
  bool negated = false;
};

std::string Trim(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  const size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

// Shell-style glob on the whole text: * any run, ? any one character. Iterative with one
// backtrack point, so patterns with many stars stay linear-ish.
bool GlobMatch(const std::string& glob, const std::string& text) {
  size_t g = 0, t = 0, star = std::string::npos, resume = 0;
  while (t < text.size()) {
    if (g < glob.size() && (glob[g] == '?' || glob[g] == text[t])) {
      ++g;
      ++t;
    } else if (g < glob.size() && glob[g] == '*') {
      star = g++;
      resume = t;
    } else if (star != std::string::npos) {
      g = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

bool ParseTerm(const std::string& text, FilterTerm* term, std::string* error) {
  const std::string quoted = "'" + text + "'";
  const size_t eq = text.find('=');
  if (eq == std::string::npos) {
    if (text.find('!') != std::string::npos) {
      *error = "filter term " + quoted + ": '!' only negates as in field!=glob";
      return false;
    }
    term->glob = text;
    return true;
  }
  term->negated = eq > 0 && text[eq - 1] == '!';
  term->field = Trim(text.substr(0, term->negated ? eq - 1 : eq));
  term->glob = Trim(text.substr(eq + 1));
  if (std::find(FilterFields().begin(), FilterFields().end(), term->field) ==
      FilterFields().end()) {
    *error = "filter term " + quoted + ": unknown field '" + term->field + "'";
    const std::string suggestion = DidYouMean(term->field, FilterFields());
    *error += suggestion.empty() ? " (fields: variant, server, kind, scenario)"
                                 : " (did you mean '" + suggestion + "'?)";
    return false;
  }
  if (term->glob.empty() || term->glob.find_first_of("=!") != std::string::npos) {
    *error = "filter term " + quoted + ": expected " + term->field + (term->negated ? "!=" : "=") +
             "GLOB with a non-empty glob";
    return false;
  }
  return true;
}

bool ParseFilter(const std::string& filter, std::vector<FilterTerm>* terms, std::string* error) {
  if (Trim(filter).empty()) return true;
  std::stringstream parts(filter);
  std::string part;
  while (std::getline(parts, part, ',')) {
    const std::string text = Trim(part);
    if (text.empty()) {
      *error = "filter '" + filter + "' has an empty term (two commas, or one at an end)";
      return false;
    }
    FilterTerm term;
    if (!ParseTerm(text, &term, error)) return false;
    terms->push_back(term);
  }
  if (filter.back() == ',') {
    *error = "filter '" + filter + "' has an empty term (two commas, or one at an end)";
    return false;
  }
  return true;
}

const std::string& FieldOf(const Cell& cell, const std::string& field) {
  if (field == "variant") return cell.variant.name;
  if (field == "server") return cell.server.name;
  if (field == "kind") return cell.server.kind;
  if (field == "scenario") return cell.scenario.name;
  return cell.id;
}

bool Selects(const std::vector<FilterTerm>& terms, const Cell& cell) {
  return std::all_of(terms.begin(), terms.end(), [&cell](const FilterTerm& term) {
    return GlobMatch(term.glob, FieldOf(cell, term.field)) != term.negated;
  });
}

std::string Names(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) {
    if (!text.empty()) text += ", ";
    text += name;
  }
  return text;
}

// What a filter that selected nothing could have named.
std::string Choices(const ExperimentConfig& config) {
  std::vector<std::string> variants, servers, scenarios;
  for (const ModelVariant& v : config.models.variants) variants.push_back(v.name);
  for (const ServerConfig& s : config.servers) servers.push_back(s.name);
  for (const Scenario& s : config.scenarios) scenarios.push_back(s.name);
  return "variants: " + Names(variants) + "; servers: " + Names(servers) +
         "; scenarios: " + Names(scenarios);
}

double Seconds(int64_t nanos) { return static_cast<double>(nanos) / kNanosPerSecond; }

// The levels a search is expected to probe: it stops once it has bracketed the answer and
// bisected to its tolerance, which takes about this many on the usual servers (its maximum is
// max_levels, but an estimate should not promise the worst).
constexpr int kTypicalSearchProbes = 8;

// The offered rates of a rate sweep: explicit, or the SLO search's probes (from its start rate,
// growing once and then bisecting: a guess, as the capacity is not known).
std::vector<double> SweepRates(const Scenario& scenario) {
  if (!scenario.saturate) return scenario.rates;
  const int probes = std::min(scenario.max_levels, kTypicalSearchProbes);
  const double start = scenario.start_rate > 0 ? scenario.start_rate : 100;
  std::vector<double> rates = {start};
  while (static_cast<int>(rates.size()) < probes) rates.push_back(start * scenario.growth);
  return rates;
}

// One measured level: warm-up, then at least the minimum duration and three windows (the
// stability rule looks at the last three), and at an offered rate at least long enough for the
// minimum request count; never past the maximum.
double LevelSeconds(const MeasurementSettings& m, double rate) {
  double measure = std::max(Seconds(m.min_duration_ns), 3 * Seconds(m.window_ns));
  if (rate > 0) measure = std::max(measure, static_cast<double>(m.min_requests) / rate);
  measure = std::min(measure, Seconds(m.max_duration_ns));
  return Seconds(m.warmup_ns) + measure;
}

std::string FormatRate(double rate) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", rate);
  return text;
}

std::string JoinNumbers(const std::vector<double>& values) {
  std::string text;
  for (double value : values) {
    if (!text.empty()) text += ',';
    text += FormatRate(value);
  }
  return text;
}

// "concurrency 1,4,16,64", "poisson SLO search from 100 req/s x4 to 5%, <= 12 probes",
// "cold start x3", with " x3 repeats" for a repeated sweep.
std::string ScenarioDetail(const Scenario& s) {
  const std::string repeats = s.repeats > 1 ? ", x" + std::to_string(s.repeats) + " repeats" : "";
  const std::string search_end = " to " + FormatRate(100 * s.tolerance) +
                                 "%, <= " + std::to_string(s.max_levels) + " probes" + repeats;
  switch (s.kind) {
    case ScenarioKind::kColdStart:
      return "cold start x" + std::to_string(s.repeats);
    case ScenarioKind::kAccuracy:
      return "accuracy, batch " + std::to_string(s.batch);
    case ScenarioKind::kConcurrencySweep:
      if (s.saturate) {
        return "concurrency search up to " + std::to_string(s.max_concurrency) + search_end;
      }
      return "concurrency " +
             JoinNumbers(std::vector<double>(s.concurrency.begin(), s.concurrency.end())) + repeats;
    case ScenarioKind::kRateSweep:
      if (s.saturate) {
        return ArrivalName(s.arrival) + std::string(" SLO search from ") +
               (s.start_rate > 0 ? FormatRate(s.start_rate) + " req/s" : std::string("idle rate")) +
               " x" + FormatRate(s.growth) + search_end;
      }
      return ArrivalName(s.arrival) + std::string(" ") + JoinNumbers(s.rates) + " req/s" + repeats;
    case ScenarioKind::kMlperf: {
      const LoadScenarioSettings& sc = s.mlperf;
      std::string text = LoadScenarioName(sc.kind);
      if (sc.kind == LoadScenario::kMultiStream) {
        text += ", " + std::to_string(sc.samples_per_query) + " samples a query";
      }
      if (sc.kind == LoadScenario::kServer) text += " " + FormatRate(sc.target_rate) + " q/s";
      if (sc.kind == LoadScenario::kOffline) {
        text += " " + std::to_string(sc.total_samples) + " samples, " +
                std::to_string(sc.samples_per_request) + " a request";
      }
      return text + repeats;
    }
  }
  return "";
}

// "42 s", "9 min 20 s", "2 h 05 min", rounded to whole seconds.
std::string FormatEstimate(double seconds) {
  const long total = std::lround(seconds);
  char text[48];
  if (total < 60) {
    std::snprintf(text, sizeof(text), "%ld s", total);
  } else if (total < 3600) {
    std::snprintf(text, sizeof(text), "%ld min %ld s", total / 60, total % 60);
  } else {
    std::snprintf(text, sizeof(text), "%ld h %02ld min", total / 3600, total % 3600 / 60);
  }
  return text;
}

// Appends one table row: each column padded to its width, two spaces between columns.
void AppendRow(const std::vector<std::string>& columns, const std::vector<size_t>& widths,
               std::string* out) {
  for (size_t i = 0; i < columns.size(); ++i) {
    out->append(2, ' ');
    out->append(columns[i]);
    if (i + 1 < columns.size() && columns[i].size() < widths[i]) {
      out->append(widths[i] - columns[i].size(), ' ');
    }
  }
  out->push_back('\n');
}

// The settings every cell shares, so that the table need not repeat them.
std::string SettingsLine(const ExperimentConfig& config) {
  const MeasurementSettings& m = config.measurement;
  std::string slo;
  for (const SloConstraint& c : config.slo.global.constraints) {
    char text[48];
    std::snprintf(text, sizeof(text), "p%g <= ", c.percentile);
    slo += (slo.empty() ? "" : " and ") + std::string(text) + FormatDuration(c.bound_ns);
  }
  const size_t overrides = config.slo.families.size() + config.slo.variants.size();
  if (overrides > 0) {
    slo += " (" + std::to_string(overrides) + " per family or variant)";
  }
  return "per level: warm-up " + FormatDuration(m.warmup_ns) + ", windows of " +
         FormatDuration(m.window_ns) + ", at least " + FormatDuration(m.min_duration_ns) + " and " +
         std::to_string(m.min_requests) + " requests, at most " +
         FormatDuration(m.max_duration_ns) + "; SLO " + slo;
}

}  // namespace

bool ExpandMatrix(const ExperimentConfig& config, const std::string& filter,
                  std::vector<Cell>* cells, std::string* error) {
  std::vector<FilterTerm> terms;
  if (!ParseFilter(filter, &terms, error)) return false;
  std::vector<Cell> selected;
  size_t total = 0;
  for (const ModelVariant& variant : config.models.variants) {
    for (const ServerConfig& server : config.servers) {
      for (const Scenario& scenario : config.scenarios) {
        Cell cell{variant.name + "/" + server.name + "/" + scenario.name, variant, server,
                  scenario};
        ++total;
        if (Selects(terms, cell)) selected.push_back(std::move(cell));
      }
    }
  }
  if (selected.empty()) {
    *error = total == 0 ? "the experiment has no cells"
                        : "filter '" + filter + "' selects none of the " + std::to_string(total) +
                              " cells (" + Choices(config) + ")";
    return false;
  }
  *cells = std::move(selected);
  return true;
}

bool TakesServerOf(const Cell& next, const Cell& cell) {
  return next.scenario.kind == ScenarioKind::kAccuracy &&
         cell.scenario.kind != ScenarioKind::kColdStart && next.server.name == cell.server.name &&
         next.variant.name == cell.variant.name;
}

double EstimateCellSeconds(const ExperimentConfig& config, const Cell& cell, const Cell* previous) {
  const Scenario& s = cell.scenario;
  const MeasurementSettings& m = config.measurement;
  double levels = 0;
  switch (s.kind) {
    case ScenarioKind::kColdStart:
      return s.repeats * (kTypicalStartSeconds + kTypicalStopSeconds);
    case ScenarioKind::kAccuracy:
      if (previous != nullptr && TakesServerOf(cell, *previous)) return kTypicalAccuracyPassSeconds;
      return kTypicalStartSeconds + kTypicalAccuracyPassSeconds + kTypicalStopSeconds;
    case ScenarioKind::kConcurrencySweep: {
      const double count = s.saturate ? std::min(s.max_levels, kTypicalSearchProbes)
                                      : static_cast<double>(s.concurrency.size());
      levels = count * LevelSeconds(m, 0);
      break;
    }
    case ScenarioKind::kRateSweep:
      for (double rate : SweepRates(s)) levels += LevelSeconds(m, rate);
      break;
    case ScenarioKind::kMlperf: {
      // Its minimum duration, or for Server the time its minimum queries take if longer; the
      // streams' query rate is not known before the run.
      const LoadScenarioSettings& sc = s.mlperf;
      double seconds = sc.min_duration_ns / 1e9;
      if (sc.kind == LoadScenario::kServer) {
        seconds = std::max(seconds, sc.min_queries / sc.target_rate);
      }
      if (sc.kind != LoadScenario::kOffline) seconds += m.warmup_ns / 1e9;
      levels = std::min(seconds, sc.max_duration_ns / 1e9 + m.warmup_ns / 1e9);
      break;
    }
  }
  return s.repeats * (kTypicalStartSeconds + levels + kTypicalStopSeconds);
}

std::vector<double> EstimateEachCellSeconds(const ExperimentConfig& config,
                                            const std::vector<Cell>& cells) {
  std::vector<double> seconds;
  seconds.reserve(cells.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    seconds.push_back(EstimateCellSeconds(config, cells[i], i > 0 ? &cells[i - 1] : nullptr));
  }
  return seconds;
}

std::string FormatPlan(const ExperimentConfig& config, const std::vector<Cell>& cells) {
  std::vector<size_t> widths = {4, 4, 8};  // the headings' lengths
  for (const Cell& cell : cells) {
    widths[0] = std::max(widths[0], cell.id.size());
    widths[1] = std::max(widths[1], cell.server.kind.size());
    widths[2] = std::max(widths[2], ScenarioDetail(cell.scenario).size());
  }
  std::string plan = "Plan for '" + config.name + "' (" + config.source + ")\n";
  plan += SettingsLine(config);
  plan += "\n\n";
  AppendRow({"cell", "kind", "scenario", "estimate"}, widths, &plan);
  const std::vector<double> estimates = EstimateEachCellSeconds(config, cells);
  double total = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    const Cell& cell = cells[i];
    total += estimates[i];
    AppendRow(
        {cell.id, cell.server.kind, ScenarioDetail(cell.scenario), FormatEstimate(estimates[i])},
        widths, &plan);
  }
  plan += '\n';
  plan += std::to_string(cells.size());
  plan += cells.size() == 1 ? " cell, estimated " : " cells, estimated ";
  plan += FormatEstimate(total);
  plan += '\n';
  return plan;
}

}  // namespace servebench
