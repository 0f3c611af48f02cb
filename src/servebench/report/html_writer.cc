// Copyright servebench authors.
//
// report.html: the page people look at. From the top: what ran and the warnings a reader must
// not miss; the recommendation; per model variant its servers side by side with the best value
// of each metric marked; then the charts (latency against throughput, the percentile spectrum,
// cold start, resources, accuracy against latency and cost, cost); the failed cells; the
// environment and the full config. Tables are HTML written here, so that they read and print
// without scripts; the charts are drawn by report/web/report.js from chart_data.h's specs.

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "servebench/report/chart_data.h"
#include "servebench/report/comparison.h"
#include "servebench/report/file_output.h"
#include "servebench/report/html_page.h"
#include "servebench/report/number_format.h"
#include "servebench/report/recommendation.h"
#include "servebench/report/record_fields.h"
#include "servebench/report/result_writer.h"
#include "servebench/report/run_warnings.h"
#include "servebench/report/variant_accuracy.h"
#include "servebench/report/web_assets.h"

namespace servebench {

namespace {

using nlohmann::json;

std::string E(const std::string& text) { return HtmlEscape(text); }

std::string SloText(const RunRecord& run) { return "latency " + run.slo.Describe("≤"); }

std::string PriceText(const RunRecord& run) {
  char buffer[128];
  if (run.cost.hourly_price > 0) {
    std::snprintf(buffer, sizeof(buffer), "%g %s per hour for the machine", run.cost.hourly_price,
                  run.cost.CurrencyName().c_str());
  } else if (run.cost.hourly_price_per_core > 0) {
    std::snprintf(buffer, sizeof(buffer), "%g %s per hour per core the server uses",
                  run.cost.hourly_price_per_core, run.cost.CurrencyName().c_str());
  } else {
    return "not priced";
  }
  return buffer;
}

// What a run record without an end time can still say: when its last cell finished.
std::string LastCellText(const std::vector<CellRecord>& cells) {
  std::string last;
  for (const CellRecord& cell : cells) last = std::max(last, cell.finished_at);
  return last.empty() ? "no cell finished" : "its last cell finished " + E(last);
}

std::string Header(const RunRecord& run, const std::vector<CellRecord>& cells_list, size_t failed) {
  const size_t cells = cells_list.size();
  std::string out = "<header>\n<h1>servebench run <code>" + E(run.run_id) + "</code></h1>\n";
  out += "<p class=\"meta\">Experiment <b>" + E(run.name) + "</b> (" + E(run.config_source) +
         "), started " + E(run.started_at) + ", " +
         (run.finished_at ? "finished " + E(*run.finished_at) : LastCellText(cells_list)) +
         "; servebench " + E(run.servebench_version);
  if (run.quick) out += "; <b>quick mode</b> (short windows: a smoke run, not a measurement)";
  if (!run.filter.empty()) out += "; filter <code>" + E(run.filter) + "</code>";
  out += ".<br>SLO in force: <b>" + E(SloText(run)) + "</b>; price: " + E(PriceText(run)) + ". " +
         std::to_string(cells) + " cells, " + std::to_string(failed) + " failed.</p>\n";
  out +=
      "<nav><a href=\"#warnings\">Warnings</a> <a href=\"#recommendation\">Recommendation</a> "
      "<a href=\"#overview\">Overview</a> <a href=\"#latency-throughput\">Latency vs "
      "throughput</a> <a href=\"#spectrum\">Percentiles</a> <a href=\"#cold-start\">Cold "
      "start</a> <a href=\"#resources\">Resources</a> <a href=\"#accuracy\">Accuracy</a> "
      "<a href=\"#cost\">Cost</a> <a href=\"#environment\">Environment</a> "
      "<a href=\"#config\">Config</a></nav>\n</header>\n";
  return out;
}

std::string Warnings(const std::vector<RunWarning>& warnings) {
  std::string out = "<section id=\"warnings\">\n";
  if (!ChartLibraryAvailable()) {
    out +=
        "<div class=\"warnings\"><h2>Charts unavailable</h2><p>This servebench was built "
        "without its charting library (scripts/setup installs it with npm); the tables below "
        "hold every number.</p></div>\n";
  }
  if (warnings.empty()) {
    return out +
           "<p class=\"all-clear\">No warnings: every cell ran, every response passed "
           "the check, and no level was overloaded, unstable, inconclusive, under-driven, "
           "lagging or disturbed.</p>\n"
           "</section>\n";
  }
  std::map<std::string, int> count;
  for (const RunWarning& w : warnings) ++count[w.kind];
  out += "<div class=\"warnings\"><h2>Warnings (" + std::to_string(warnings.size()) + ")</h2>\n<p>";
  const std::pair<const char*, const char*> kinds[] = {
      {"failed", "failed cells"},
      {"validation", "levels with wrong responses"},
      {"errors", "levels with errors"},
      {"overloaded", "overloaded levels"},
      {"inconclusive", "inconclusive levels (not judged: no throughput within the SLO from them)"},
      {"unstable", "unstable levels"},
      {"generator", "levels where the generator fell behind"},
      {"lag", "levels whose latency is partly the generator's lag"},
      {"noisy", "levels disturbed by steal or other processes"},
      {"hardware", "cells measured on different hardware"}};
  bool first = true;
  for (const auto& [kind, name] : kinds) {
    if (count[kind] == 0) continue;
    out += std::string(first ? "" : ", ") + "<b>" + std::to_string(count[kind]) + "</b> " + name;
    first = false;
  }
  out += ".</p>\n<ul>\n";
  for (const RunWarning& w : warnings) {
    out += "<li class=\"warning-" + E(w.kind) + "\" data-kind=\"" + E(w.kind) + "\"><code>" +
           E(w.cell_id) + "</code>" + (w.level.empty() ? "" : " at " + E(w.level)) + ": " +
           E(w.message) + "</li>\n";
  }
  return out + "</ul></div>\n</section>\n";
}

std::string RecommendationSection(const Recommendation& r) {
  std::string out =
      "<section id=\"recommendation\">\n<h2>Recommendation</h2>\n<p class=\"note\">For each "
      "model family: the cheapest (server configuration, model variant) pair that meets the SLO "
      "and the accuracy floor, ranked by " +
      std::string(r.ranked_by == "cost_per_million"
                      ? "cost per million inferences at the throughput within the SLO"
                      : "throughput within the SLO (the run is not priced)") +
      ". docs/report.md defines the rules.</p>\n";
  for (const FamilyRecommendation& f : r.families) {
    out += "<div class=\"recommendation" + std::string(f.choice ? "" : " none") +
           "\" data-family=\"" + E(f.family) + "\">\n<p class=\"sentence\">" + E(f.sentence) +
           "</p>\n<p class=\"note\">Accuracy floor: " +
           (f.accuracy_floor ? E(FormatAccuracy(f.accuracy_floor)) + " (" + E(f.floor_basis) + ")"
                             : "none (" + E(f.floor_basis) + ")") +
           ".";
    if (!f.excluded.empty()) {
      out += " Not eligible: ";
      for (size_t i = 0; i < f.excluded.size(); ++i) {
        out += (i > 0 ? "; " : "") + E(f.excluded[i]);
      }
      out += ".";
    }
    out += "</p>\n</div>\n";
  }
  return out + "</section>\n";
}

struct Metric {
  const char* key;  // the summary field
  const char* header;
  std::optional<double> ComparisonRow::*field;
  std::string (*format)(std::optional<double>);
  bool higher_is_better;
  bool marks_best = true;
};

const Metric kMetrics[] = {
    {"p50_us", "p50 (ms)", &ComparisonRow::p50_us, FormatMillisFromMicros, false},
    {"p99_us", "p99 (ms)", &ComparisonRow::p99_us, FormatMillisFromMicros, false},
    {"max_throughput_rps", "max throughput (inf/s)", &ComparisonRow::max_throughput_rps, FormatRate,
     true},
    {"throughput_within_slo_rps", "throughput within SLO (inf/s)",
     &ComparisonRow::throughput_within_slo_rps, FormatRate, true},
    {"cold_start_s", "cold start (s)", &ComparisonRow::cold_start_s, FormatSeconds, false},
    // CPU has no better direction: less CPU at less throughput is not better.
    {"cpu_percent_mean", "CPU %", &ComparisonRow::cpu_percent_mean, FormatPercent, false, false},
    {"rss_max_bytes", "RSS (MiB)", &ComparisonRow::rss_max_bytes, FormatMebibytes, false},
    {"cost_per_million", "cost per M inferences", &ComparisonRow::cost_per_million, FormatCost,
     false},
};

std::string VariantHeading(const std::string& variant, const VariantAccuracy* accuracy,
                           const json& card) {
  std::string out = "<h3><code>" + E(variant) + "</code></h3>\n<p class=\"note\">";
  const std::string technique = StringAt(card, "technique");
  out += technique.empty() ? "no model card" : E(technique);
  if (auto size = NumberAt(card, "file_size_bytes")) out += " · " + E(FormatSize(size));
  if (auto params = CardParameters(card)) out += " · " + E(FormatCount(params)) + " parameters";
  if (accuracy != nullptr && accuracy->top1) {
    out += " · top-1 " + E(FormatAccuracy(accuracy->top1)) + " (" + E(accuracy->source) + ")";
  } else if (accuracy != nullptr) {
    out += " · accuracy unknown (" + E(accuracy->why_unknown) + ")";
  }
  return out + "</p>\n";
}

// " ± 56 (3 repeats)" after the throughput within the SLO: its 95% Student t interval's
// half-width over the repeats; empty for other metrics and for a cell measured once.
std::string Interval(const ComparisonRow& row, const Metric& m) {
  if (m.field != &ComparisonRow::throughput_within_slo_rps || !row.throughput_within_slo_lower ||
      !row.throughput_within_slo_upper) {
    return "";
  }
  return "<span class=\"ci\"> ± " +
         E(FormatRate((*row.throughput_within_slo_upper - *row.throughput_within_slo_lower) / 2)) +
         " (" + std::to_string(row.repeats) + " repeats)</span>";
}

// How far the row's levels can be trusted: "6 ok", or its marks ("2 inconclusive, 1 unstable of
// 6"), flagged so that it stands out; the warnings above list each level with its reason.
std::string LevelsCell(const ComparisonRow& row) {
  if (row.levels == 0) return "<td class=\"levels\"></td>";
  const std::string marks = ValidityText(row, false);
  if (marks.empty()) {
    return "<td class=\"levels\">" + std::to_string(row.levels) + " ok</td>";
  }
  return "<td class=\"levels flagged\">" + E(marks) + " of " + std::to_string(row.levels) +
         " <a href=\"#warnings\">(why)</a></td>";
}

std::string Overview(const RunRecord& run, const std::vector<CellRecord>& cells) {
  const std::vector<ComparisonRow> rows = BuildComparison(cells);
  const auto accuracy = AccuracyByVariant(cells);
  std::map<std::string, std::string> failure;  // "variant/server/scenario" -> message
  for (const CellRecord& cell : cells) {
    if (!cell.ok()) failure[cell.cell_id] = cell.failure ? cell.failure->message : "failed";
  }
  std::string out =
      "<section id=\"overview\">\n<h2>Overview: servers side by side, per model variant</h2>\n"
      "<p class=\"note\">Latency, CPU and cost at each cell's highest throughput within the SLO "
      "(<b>" +
      E(SloText(run)) +
      "</b>, unless a row names its own), or at its first level when none meets it; ★ marks "
      "the best value of each column for the variant. Cost in " +
      E(run.cost.CurrencyName()) +
      ". Closed-loop latency hides queueing. <i>levels</i>: how many of the row's levels were "
      "inconclusive (too few samples to judge the SLO: they feed no throughput within the SLO, "
      "cost or recommendation), unstable (reached the maximum duration), lagging (the "
      "generator's lag is over 10 % of a latency) or noisy (steal or other processes took over "
      "10 % of a core).</p>\n";
  for (const std::string& variant : VariantsOf(rows)) {
    auto a = accuracy.find(variant);
    json card;
    for (const ComparisonRow& row : rows) {
      if (row.variant == variant && !row.card.is_null()) card = row.card;
    }
    out += "<div class=\"variant\" data-variant=\"" + E(variant) + "\">\n" +
           VariantHeading(variant, a == accuracy.end() ? nullptr : &a->second, card);
    // The best value of each metric among the variant's rows that did not fail.
    std::map<std::string, double> best;
    for (const Metric& m : kMetrics) {
      for (const ComparisonRow& row : rows) {
        const std::optional<double>& v = row.*m.field;
        if (!m.marks_best || row.variant != variant || row.failed || !v) continue;
        auto it = best.find(m.key);
        if (it == best.end() || (m.higher_is_better ? *v > it->second : *v < it->second)) {
          best[m.key] = *v;
        }
      }
    }
    out += "<table class=\"overview\">\n<thead><tr><th>server</th><th>scenario</th>";
    for (const Metric& m : kMetrics) out += "<th>" + E(m.header) + "</th>";
    out += "<th>levels</th></tr></thead>\n<tbody>\n";
    for (const ComparisonRow& row : rows) {
      if (row.variant != variant) continue;
      const std::string cell_id = row.variant + "/" + row.server + "/" + row.scenario;
      out += "<tr data-server=\"" + E(row.server) + "\" data-scenario=\"" + E(row.scenario) + "\"" +
             (row.failed ? " class=\"failed\"" : "") + "><td>" + E(row.server) + "</td><td>" +
             E(row.scenario) +
             (row.slo.empty() || row.slo == run.slo.Describe()
                  ? ""
                  : "<br><span class=\"note\">SLO " + E(row.slo) + "</span>") +
             "</td>";
      if (row.failed) {
        auto f = failure.find(cell_id);
        out += "<td class=\"failure\" colspan=\"" + std::to_string(std::size(kMetrics) + 1) +
               "\">failed: " + E(f == failure.end() ? "see the failed cells" : f->second) +
               "</td></tr>\n";
        continue;
      }
      for (const Metric& m : kMetrics) {
        const std::optional<double>& v = row.*m.field;
        const bool is_best = v && best.count(m.key) && best[m.key] == *v;
        out += std::string("<td class=\"num") + (is_best ? " best" : "") + "\" data-metric=\"" +
               m.key + "\"" + (v ? " data-value=\"" + json(*v).dump() + "\"" : "") + ">" +
               E(m.format(v)) + Interval(row, m) + "</td>";
      }
      out += LevelsCell(row) + "</tr>\n";
    }
    out += "</tbody>\n</table>\n</div>\n";
  }
  return out + "</section>\n";
}

struct ChartSection {
  const char* id;
  const char* title;
  const char* intro;
  const char* empty;  // why there is no chart
};

const ChartSection kChartSections[] = {
    {"latency-throughput", "Latency against throughput, per server",
     "Where the curve turns up is the server's capacity; the dashed red line is the SLO's bound.",
     "No load level measured a latency."},
    {"spectrum", "Latency percentile spectrum, per cell",
     "The whole distribution, from p50 to p99.99 on a log 1/(1 - q) axis (as HdrHistogram plots "
     "it), one line per load level; a tail that bends up is queueing or pauses.",
     "No load level recorded a histogram."},
    {"cold-start", "Cold start, per server",
     "From spawning a fresh server process to its first successful inference, per model variant.",
     "No cold-start scenario ran."},
    {"resources", "Resources across the load levels, per cell",
     "The server's CPU (100 % = one core) and resident memory at each level.",
     "No resources were sampled (an external server is not sampled)."},
    {"accuracy", "Accuracy against latency and cost, per model family",
     "The compression trade-off: what each variant costs in accuracy and buys in latency and "
     "cost.",
     "No model variant with a known accuracy was measured under load."},
    {"cost", "Cost per million inferences", "At each pair's highest throughput within the SLO.",
     "No level met the SLO, or the run is not priced."},
};

std::string Charts(const std::vector<ChartSpec>& charts, json* specs) {
  std::string out;
  for (const ChartSection& section : kChartSections) {
    out += "<section id=\"" + std::string(section.id) + "\">\n<h2>" + section.title +
           "</h2>\n<p class=\"note\">" + E(section.intro) + "</p>\n<div class=\"charts\">\n";
    bool any = false;
    for (const ChartSpec& chart : charts) {
      if (chart.section != section.id) continue;
      any = true;
      out += "<figure class=\"chart\" data-chart=\"" + std::to_string(specs->size()) +
             "\" data-section=\"" + E(chart.section) + "\"><figcaption><b>" + E(chart.title) +
             "</b> " + E(chart.caption) +
             "</figcaption><div class=\"plot\"><canvas></canvas></div></figure>\n";
      specs->push_back(chart.spec);
    }
    if (!any) out += "<p class=\"empty\">" + E(section.empty) + "</p>\n";
    out += "</div>\n</section>\n";
  }
  return out;
}

std::string FailedCells(const std::vector<CellRecord>& cells) {
  std::string out;
  for (const CellRecord& cell : cells) {
    if (cell.ok()) continue;
    out += "<div class=\"failed-cell\"><p><code>" + E(cell.cell_id) +
           "</code>: " + E(cell.failure ? cell.failure->message : "failed without a message");
    if (cell.failure && cell.failure->exit) out += " (server " + E(*cell.failure->exit) + ")";
    out += "</p>";
    if (cell.failure && !cell.failure->log_tail.empty()) {
      out += "<pre class=\"log\">";
      for (const std::string& line : cell.failure->log_tail) out += E(line) + "\n";
      out += "</pre>";
    }
    out += "</div>\n";
  }
  if (out.empty()) return "";
  return "<section id=\"failed\">\n<h2>Failed cells</h2>\n" + out + "</section>\n";
}

void Flatten(const json& j, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>* out) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      Flatten(value, prefix.empty() ? key : prefix + "." + key, out);
    }
  } else if (j.is_array()) {
    if (j.empty()) out->push_back({prefix, "none"});
    for (size_t i = 0; i < j.size(); ++i) Flatten(j[i], prefix + "." + std::to_string(i), out);
  } else {
    out->push_back({prefix, j.is_string() ? j.get<std::string>() : SafeDump(j)});
  }
}

std::string Environment(const RunRecord& run, const json& environment) {
  std::string out =
      "<section id=\"environment\">\n<h2>Environment</h2>\n<table class=\"environment\">\n";
  std::vector<std::pair<std::string, std::string>> rows;
  if (environment.is_null()) rows.push_back({"environment", "not recorded"});
  Flatten(environment, "", &rows);
  rows.push_back(
      {"report.chart_library", ChartLibraryAvailable() ? kChartLibraryVersion : "not installed"});
  for (const auto& [key, value] : rows) {
    out += "<tr><th>" + E(key) + "</th><td>" + E(value) + "</td></tr>\n";
  }
  out += "</table>\n</section>\n";
  out += "<section id=\"config\">\n<h2>Config</h2>\n<p class=\"note\">" + E(run.config_source) +
         ", read relative to <code>" + E(run.config_base_dir) + "</code>" +
         (run.quick ? ", with --quick" : "") +
         (run.filter.empty() ? std::string() : ", --filter " + E(run.filter)) +
         ".</p>\n<pre class=\"config\">" + E(run.config) + "</pre>\n</section>\n";
  return out;
}

std::string Notes() {
  return "<section id=\"notes\">\n<h2>How to read these numbers</h2>\n<ul>\n"
         "<li>Latency is per request, from its intended send time in open loop (no coordinated "
         "omission) and from its actual send in closed loop, where it <b>hides queueing</b>.</li>\n"
         "<li>Throughput counts successful, checked inferences per second; throughput within "
         "the SLO is the highest at a level that met it.</li>\n"
         "<li>Cost per million inferences is the hourly price over the inferences an hour at "
         "that throughput. Every number is defined in docs/metrics.md and docs/results.md; "
         "the page in docs/report.md.</li>\n</ul>\n</section>\n";
}

class HtmlWriter : public ResultWriter {
 public:
  std::string file_name() const override { return "report.html"; }
  bool Write(const RunRecord& run, const nlohmann::json& environment,
             const std::vector<CellRecord>& cells, const std::string& run_dir,
             std::string* error) const override {
    return ReplaceFile(JoinPath(run_dir, file_name()), FormatReportHtml(run, environment, cells),
                       error);
  }
};

}  // namespace

std::string FormatReportHtml(const RunRecord& run, const nlohmann::json& environment,
                             const std::vector<CellRecord>& cells) {
  size_t failed = 0;
  for (const CellRecord& cell : cells) failed += cell.ok() ? 0 : 1;
  json specs = json::array();
  std::string body = Header(run, cells, failed);
  body += "<main>\n" + Warnings(CollectWarnings(cells));
  body += RecommendationSection(Recommend(run, cells));
  body += Overview(run, cells);
  body += Charts(BuildCharts(run, cells), &specs);
  body += FailedCells(cells);
  body += Environment(run, environment);
  body += Notes() + "</main>\n";
  return HtmlPage("servebench " + run.run_id, body, specs);
}

std::unique_ptr<ResultWriter> NewHtmlWriter() { return std::make_unique<HtmlWriter>(); }

}  // namespace servebench
