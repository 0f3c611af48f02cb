// Copyright servebench authors.
//
// The three forms of a run comparison: a fixed-width table for the terminal, Markdown, and an
// HTML page (html_page.h) with the same table, regressions marked.

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "servebench/report/html_page.h"
#include "servebench/report/markdown_table.h"
#include "servebench/report/number_format.h"
#include "servebench/report/run_compare.h"

namespace servebench {

namespace {

std::string Unit(const std::string& metric) {
  if (metric == "p50" || metric == "p99") return "ms";
  if (metric == "throughput_within_slo" || metric == "max_throughput") return "inf/s";
  if (metric == "cold_start") return "s";
  if (metric == "rss") return "MiB";
  return "per M";
}

std::string Value(const std::string& metric, std::optional<double> v) {
  if (metric == "p50" || metric == "p99") return FormatMillisFromMicros(v);
  if (metric == "throughput_within_slo" || metric == "max_throughput") return FormatRate(v);
  if (metric == "cold_start") return FormatSeconds(v);
  if (metric == "rss") return FormatMebibytes(v);
  return FormatCost(v);
}

std::string Noise(const MetricChange& m) {
  auto side = [&m](const std::optional<NoiseInterval>& n, std::optional<double> v) {
    if (!n || !v) return std::string("exact");
    std::string text = "[";
    text += Value(m.metric, n->low);
    text += ", ";
    text += std::isinf(n->high) ? std::string("∞") : Value(m.metric, n->high);
    text += "]";
    return text;
  };
  return side(m.a_noise, m.a) + " / " + side(m.b_noise, m.b);
}

std::string Change(const MetricChange& m) {
  if (!m.a || !m.b) return m.a ? "gone" : "new";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%+.1f %%", m.change_percent);
  return buffer;
}

std::string Verdict(const MetricChange& m) {
  if (m.regression()) return "REGRESSION";
  if (m.improvement()) return "better";
  if (!m.a || !m.b || m.a == m.b) return "";
  if (!m.beyond_threshold) return std::string(m.worse ? "worse" : "better") + ", under threshold";
  return std::string(m.worse ? "worse" : "better") + ", within noise";
}

TextTable Table(const RunComparison& c) {
  TextTable table;
  table.header = {"cell", "metric", "unit", "A", "B", "change", "noise A / B", "verdict"};
  table.right_aligned = {false, false, false, true, true, true, false, false};
  for (const CellChanges& cell : c.cells) {
    if (!cell.failure.empty()) {
      table.rows.push_back({cell.cell_id, "status", "", "", "", "", "",
                            (cell.failed_in_b ? "REGRESSION: " : "") + cell.failure});
      continue;
    }
    for (const MetricChange& m : cell.metrics) {
      table.rows.push_back({cell.cell_id, m.metric, Unit(m.metric), Value(m.metric, m.a),
                            Value(m.metric, m.b), Change(m), Noise(m), Verdict(m)});
    }
  }
  return table;
}

std::string Headline(const RunComparison& c) {
  char threshold[32];
  std::snprintf(threshold, sizeof(threshold), "%g", c.options.threshold_percent);
  return "A = " + c.run_a + ", B = " + c.run_b + "; threshold " + threshold +
         " %; noise: over a cell's repeats when it has them, the 95% Student t interval of the "
         "figure's mean; else a percentile's 95% confidence interval from its histogram, a "
         "throughput's mean +- 2 standard errors over its windows, a cold start's over its "
         "repeats";
}

std::string Verdict(const RunComparison& c) {
  const int n = c.regressions();
  if (n == 0) return "No regression beyond the threshold and the noise.";
  return std::to_string(n) + " regression" + (n == 1 ? "" : "s") +
         " beyond the threshold and the noise.";
}

std::string OnlyIn(const std::vector<std::string>& ids, const std::string& prefix,
                   const std::string& bullet) {
  std::string out;
  for (const std::string& id : ids) out += bullet + prefix + id + "\n";
  return out;
}

}  // namespace

std::string FormatComparisonTerminal(const RunComparison& c) {
  std::string out = Headline(c) + "\n\n";
  if (!c.cells.empty()) out += RenderFixedWidth(Table(c), "") + "\n";
  out += OnlyIn(c.only_a, "only in A, not compared: ", "");
  out += OnlyIn(c.only_b, "only in B, not compared: ", "");
  return out + Verdict(c) + "\n";
}

std::string FormatComparisonMarkdown(const RunComparison& c) {
  std::string out = "# servebench compare\n\n" + Headline(c) + ".\n\n";
  if (!c.cells.empty()) out += RenderMarkdown(Table(c)) + "\n";
  if (!c.only_a.empty() || !c.only_b.empty()) {
    out += "Cells in one run only (not compared):\n\n" + OnlyIn(c.only_a, "only in A: ", "- ") +
           OnlyIn(c.only_b, "only in B: ", "- ") + "\n";
  }
  return out + "**" + Verdict(c) + "**\n";
}

std::string FormatComparisonHtml(const RunComparison& c) {
  const TextTable table = Table(c);
  std::string body =
      "<main>\n<section id=\"compare\">\n<h1>servebench compare</h1>\n<p class=\"meta\">" +
      HtmlEscape(Headline(c)) + ". docs/metrics.md defines the rule.</p>\n";
  body += std::string("<p class=\"") + (c.regressions() > 0 ? "warnings" : "all-clear") + "\">" +
          HtmlEscape(Verdict(c)) + "</p>\n";
  if (!table.rows.empty()) {
    body += "<table class=\"compare\">\n<thead><tr>";
    for (const std::string& h : table.header) body += "<th>" + HtmlEscape(h) + "</th>";
    body += "</tr></thead>\n<tbody>\n";
    for (const std::vector<std::string>& row : table.rows) {
      const std::string& verdict = row.back();
      const char* cls = verdict.rfind("REGRESSION", 0) == 0 ? " class=\"regression\""
                        : verdict == "better"               ? " class=\"improvement\""
                                                            : "";
      body += std::string("<tr") + cls + ">";
      for (size_t i = 0; i < row.size(); ++i) {
        body += std::string("<td") + (table.right_aligned[i] ? " class=\"num\"" : "") + ">" +
                HtmlEscape(row[i]) + "</td>";
      }
      body += "</tr>\n";
    }
    body += "</tbody>\n</table>\n";
  }
  if (!c.only_a.empty() || !c.only_b.empty()) {
    body += "<h2>Cells in one run only (not compared)</h2>\n<ul>\n";
    for (const std::string& id : c.only_a)
      body += "<li>only in A: <code>" + HtmlEscape(id) + "</code></li>\n";
    for (const std::string& id : c.only_b)
      body += "<li>only in B: <code>" + HtmlEscape(id) + "</code></li>\n";
    body += "</ul>\n";
  }
  body += "</section>\n</main>\n";
  return HtmlPage("servebench compare " + c.run_a + " " + c.run_b, body, nullptr);
}

}  // namespace servebench
