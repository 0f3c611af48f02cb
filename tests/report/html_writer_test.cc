// Copyright servebench authors.
//
// report.html from the synthetic run: one self-contained page whose overview numbers are the
// cells' summaries, whose charts hold the records' numbers (the percentile spectra read back from
// the histograms), and whose warnings name what went wrong. The browser test
// (report_browser_test.py) opens a real run's page in Chromium.

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "servebench/core/histogram.h"
#include "servebench/report/chart_data.h"
#include "servebench/report/html_page.h"
#include "servebench/report/result_writer.h"
#include "servebench/report/run_warnings.h"
#include "servebench/report/web_assets.h"
#include "synthetic_records.h"

namespace servebench {
namespace {

using nlohmann::json;
using testing::ReadFile;

json EmbeddedData(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"servebench-data\">";
  const size_t from = page.find(open);
  EXPECT_NE(from, std::string::npos);
  const size_t to = page.find("</script>", from);
  std::string text = page.substr(from + open.size(), to - from - open.size());
  return json::parse(text);
}

TEST(HtmlWriterTest, WritesOneSelfContainedPage) {
  const std::string dir = testing::MakeTempDir();
  auto writer = NewHtmlWriter();
  EXPECT_EQ(writer->file_name(), "report.html");
  std::string error;
  ASSERT_TRUE(writer->Write(testing::SyntheticRun(), testing::SyntheticEnvironment(),
                            testing::SyntheticCells(), dir, &error))
      << error;
  const std::string page = ReadFile(dir + "/report.html");
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  // Nothing is loaded from elsewhere, and the policy forbids any fetch.
  for (const char* outside : {"<script src", "<link", "<img", "@import", "url("}) {
    EXPECT_EQ(page.find(outside), std::string::npos) << outside;
  }
  EXPECT_NE(page.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);
  for (const char* id :
       {"warnings", "recommendation", "overview", "latency-throughput", "spectrum", "cold-start",
        "resources", "accuracy", "cost", "failed", "environment", "config"}) {
    EXPECT_NE(page.find("<section id=\"" + std::string(id) + "\">"), std::string::npos) << id;
  }
  EXPECT_NE(page.find(kReportJs), std::string::npos);
  if (ChartLibraryAvailable()) {
    EXPECT_NE(page.find(kChartLibraryJs), std::string::npos);
  } else {
    EXPECT_NE(page.find("Charts unavailable"), std::string::npos);
  }
  // The run's config and environment, for reproducing it.
  EXPECT_NE(page.find("variants: [digits-mlp, resnet18]"), std::string::npos);
  EXPECT_NE(page.find("Test CPU @ 3.0GHz"), std::string::npos);
  EXPECT_NE(page.find("latency p99 ≤ 100 ms"), std::string::npos);
}

TEST(HtmlWriterTest, OverviewHoldsTheSummariesAndMarksTheBest) {
  const std::vector<CellRecord> cells = testing::SyntheticCells();
  const std::string page =
      FormatReportHtml(testing::SyntheticRun(), testing::SyntheticEnvironment(), cells);
  // <tr data-server=".." data-scenario=".."> ... <td ... data-metric="m" data-value="v">
  const std::regex row("<tr data-server=\"([^\"]+)\" data-scenario=\"([^\"]+)\"[^>]*>(.*?)</tr>");
  const std::regex value(
      "<td class=\"num( best)?\" data-metric=\"([a-z0-9_]+)\" data-value=\"([^\"]+)\"");
  const size_t overview = page.find("<section id=\"overview\">");
  const size_t end = page.find("</section>", overview);
  const std::string table = page.substr(overview, end - overview);
  // Variants in order; within each, the rows name the cells' servers and scenarios.
  std::string variant;
  int checked = 0, best = 0;
  for (auto it = std::sregex_iterator(table.begin(), table.end(), row);
       it != std::sregex_iterator(); ++it) {
    const std::string server = (*it)[1], scenario = (*it)[2], cells_html = (*it)[3];
    const size_t at = table.rfind("data-variant=\"", it->position());
    variant = table.substr(at + 14, table.find('"', at + 14) - at - 14);
    const CellRecord* cell = nullptr;
    for (const CellRecord& c : cells) {
      if (c.variant == variant && c.server == server && c.scenario == scenario) cell = &c;
    }
    ASSERT_NE(cell, nullptr) << variant << "/" << server << "/" << scenario;
    if (!cell->ok()) {
      EXPECT_NE(cells_html.find("failed: server exited before ready, &quot;model&quot; missing"),
                std::string::npos);
      continue;
    }
    const json summary = cell->summary.ToJson();
    for (auto v = std::sregex_iterator(cells_html.begin(), cells_html.end(), value);
         v != std::sregex_iterator(); ++v) {
      const std::string metric = (*v)[2];
      double expected = 0;
      if (metric == "cold_start_s") {
        for (const CellRecord& c : cells) {
          if (c.variant == variant && c.server == server && c.is_cold_start()) {
            expected = *c.summary.cold_start_s;
          }
        }
      } else {
        expected = summary.at(metric).get<double>();
      }
      EXPECT_EQ(std::stod((*v)[3]), expected) << cell->cell_id << " " << metric;
      ++checked;
      best += (*v)[1].matched ? 1 : 0;
    }
  }
  EXPECT_EQ(checked, 7 * 8);  // seven load cells that ran, eight numbers each
  EXPECT_GT(best, 0);
}

TEST(HtmlWriterTest, ChartsHoldTheRecordsNumbers) {
  const RunRecord run = testing::SyntheticRun();
  const std::vector<CellRecord> cells = testing::SyntheticCells();
  const std::vector<ChartSpec> charts = BuildCharts(run, cells);
  std::multiset<std::string> sections;
  for (const ChartSpec& c : charts) sections.insert(c.section);
  EXPECT_EQ(sections.count("latency-throughput"), 2u);  // one per server
  EXPECT_EQ(sections.count("spectrum"), 7u);            // load cells with levels
  EXPECT_EQ(sections.count("cold-start"), 2u);
  EXPECT_EQ(sections.count("resources"), 7u);
  EXPECT_EQ(sections.count("accuracy"), 2u);  // digits only: resnet18's accuracy is unknown
  EXPECT_EQ(sections.count("cost"), 1u);

  // The spectrum of digits-mlp/torchscript/concurrency: its first level's histogram, read back.
  const CellRecord& cell = cells[1];
  ASSERT_EQ(cell.cell_id, "digits-mlp/torchscript/concurrency");
  Histogram histogram = Histogram::ForLatency();
  std::string error;
  ASSERT_TRUE(Histogram::FromJson(cell.levels[0].load.histogram, &histogram, &error)) << error;
  const ChartSpec* spectrum = nullptr;
  const ChartSpec* latency = nullptr;
  for (const ChartSpec& c : charts) {
    if (c.section == "spectrum" && c.title == cell.cell_id) spectrum = &c;
    if (c.section == "latency-throughput" && c.title == "torchscript") latency = &c;
  }
  ASSERT_NE(spectrum, nullptr);
  const json& points = spectrum->spec["series"][0]["points"];
  ASSERT_GT(points.size(), 10u);
  EXPECT_EQ(points[0][0], 2.0);  // p50 at 1 / (1 - 0.5)
  EXPECT_EQ(points[0][1], histogram.ValueAtPercentile(50) / 1e6);
  for (const json& p : points) {
    const double percentile = 100 * (1 - 1 / p[0].get<double>());
    EXPECT_NEAR(p[1].get<double>(), histogram.ValueAtPercentile(percentile) / 1e6, 1e-9);
  }
  EXPECT_EQ(spectrum->spec["hlines"][0]["y"], 100.0);  // the SLO's bound in ms
  EXPECT_EQ(spectrum->spec["x"]["scale"], "percentile");

  // Latency against throughput: p99 and p50 of each level, closed loop as circles.
  ASSERT_NE(latency, nullptr);
  const json& p99 = latency->spec["series"][0];
  EXPECT_EQ(p99["marker"], "circle");
  EXPECT_EQ(p99["points"][1][0], cell.levels[1].load.throughput_rps);
  EXPECT_EQ(p99["points"][1][1], cell.levels[1].load.latency_us.p99 / 1000.0);
  EXPECT_EQ(latency->spec["series"][1]["dash"], true);          // p50
  EXPECT_EQ(latency->spec["series"][2]["marker"], "triangle");  // the rate sweep
  // Every level of the synthetic run was judged: no point is hollow.
  for (const json& series : latency->spec["series"]) EXPECT_TRUE(series["hollow"].empty());
}

// A level not to take at its word (inconclusive, unstable) is drawn hollow and named.
TEST(HtmlWriterTest, InconclusiveAndUnstableLevelsAreHollowPoints) {
  std::vector<CellRecord> cells = testing::SyntheticCells();
  ASSERT_EQ(cells[2].cell_id, "digits-mlp/torchscript/poisson");
  cells[2].levels[0].slo_verdict = "inconclusive";
  cells[2].levels[0].slo_met = false;
  cells[2].levels[1].max_duration_reached = true;
  const std::vector<ChartSpec> charts = BuildCharts(testing::SyntheticRun(), cells);
  const ChartSpec* latency = nullptr;
  for (const ChartSpec& c : charts) {
    if (c.section == "latency-throughput" && c.title == "torchscript") latency = &c;
  }
  ASSERT_NE(latency, nullptr);
  EXPECT_NE(latency->caption.find("hollow: an inconclusive or unstable level"), std::string::npos);
  const json& series = latency->spec["series"];
  ASSERT_EQ(series[2]["label"], "digits-mlp · poisson p99");
  for (int i : {2, 3}) {  // its p99 and p50
    EXPECT_EQ(series[i]["hollow"], json({0, 1}));
    EXPECT_EQ(series[i]["points"][0][2], "inconclusive");
    EXPECT_EQ(series[i]["points"][1][2], "unstable");
  }
  EXPECT_TRUE(series[0]["hollow"].empty());  // the concurrency sweep's levels were judged
  EXPECT_EQ(series[0]["points"][0].size(), 2u);

  const std::vector<double> percentiles = SpectrumPercentiles();
  EXPECT_EQ(percentiles.front(), 50.0);
  EXPECT_EQ(percentiles.back(), 99.99);
  for (size_t i = 1; i < percentiles.size(); ++i) EXPECT_GT(percentiles[i], percentiles[i - 1]);
}

TEST(HtmlWriterTest, PageCarriesTheChartsInOrderAndEscapesScriptText) {
  const std::string page =
      FormatReportHtml(testing::SyntheticRun(), json(nullptr), testing::SyntheticCells());
  const json data = EmbeddedData(page);
  const std::vector<ChartSpec> charts =
      BuildCharts(testing::SyntheticRun(), testing::SyntheticCells());
  ASSERT_EQ(data["charts"].size(), charts.size());
  for (size_t i = 0; i < charts.size(); ++i) {
    EXPECT_EQ(data["charts"][i], charts[i].spec) << i;
    EXPECT_NE(page.find("data-chart=\"" + std::to_string(i) + "\""), std::string::npos);
  }
  // A "</script>" in data would end the element early: it is written as "<\/script>".
  const std::string shell = HtmlPage("t", "", json::array({"</script><b>x</b>"}));
  EXPECT_EQ(shell.find("</script><b>"), std::string::npos);
  EXPECT_NE(shell.find("<\\/script><b>x<\\/b>"), std::string::npos);
  EXPECT_EQ(HtmlEscape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(HtmlWriterTest, WarningsNameFailedCellsAndTroubledLevels) {
  std::vector<CellRecord> cells = testing::SyntheticCells();
  LevelRecord& level = cells[2].levels[1];  // digits-mlp/torchscript/poisson at 200/s
  level.overloaded = true;
  level.load.requests.errors.validation = 3;
  level.load.requests.first_validation_error = "output 'OUTPUT__0': 9 data elements, 10 expected";
  level.load.generator.behind = true;
  level.load.generator.late_fraction = 0.25;
  cells[1].levels[0].stable = false;
  cells[1].levels[0].max_duration_reached = true;
  // The first level of digits-mlp/fastapi/poisson: too few samples to judge, and the generator's
  // lag a large share of its latency.
  LevelRecord& thin = cells[5].levels[0];
  ASSERT_EQ(cells[5].cell_id, "digits-mlp/fastapi/poisson");
  thin.slo_verdict = "inconclusive";
  thin.slo_met = false;
  thin.slo_reason =
      "too few samples to judge p99 <= 100 ms: 0 of 120 requests over the bound, 459 needed to "
      "show it met (the level reached max_duration)";
  thin.generator_lag->flagged = true;
  thin.generator_lag->schedule_lag_p99_us = 60;
  thin.generator_lag->latency_us = 240;
  thin.generator_lag->share = 0.25;
  const std::vector<RunWarning> warnings = CollectWarnings(cells);
  std::multiset<std::string> kinds;
  for (const RunWarning& w : warnings) kinds.insert(w.kind);
  EXPECT_EQ(kinds.count("failed"), 1u);
  EXPECT_EQ(kinds.count("overloaded"), 1u);
  EXPECT_EQ(kinds.count("validation"), 1u);
  EXPECT_EQ(kinds.count("generator"), 1u);
  EXPECT_EQ(kinds.count("unstable"), 1u);
  EXPECT_EQ(kinds.count("inconclusive"), 1u);
  EXPECT_EQ(kinds.count("lag"), 1u);
  // The second level of each of the four rate sweeps lost 35% of a core to other processes.
  EXPECT_EQ(kinds.count("noisy"), 4u);
  const std::string page = FormatReportHtml(testing::SyntheticRun(), json(nullptr), cells);
  const size_t box = page.find("<div class=\"warnings\"><h2>Warnings (");
  ASSERT_NE(box, std::string::npos);
  EXPECT_LT(box, page.find("<section id=\"overview\">"));  // before any number
  EXPECT_NE(page.find("resnet18/fastapi/concurrency</code>: server exited before ready, "
                      "&quot;model&quot; missing (server exited with status 1)"),
            std::string::npos);
  EXPECT_NE(page.find("the first: output &#39;OUTPUT__0&#39;: 9 data elements, 10 expected"),
            std::string::npos);
  EXPECT_NE(page.find("digits-mlp/torchscript/poisson</code> at 200/s poisson: overloaded"),
            std::string::npos);
  EXPECT_NE(page.find("25 % of requests were sent late"), std::string::npos);
  EXPECT_NE(page.find("digits-mlp/fastapi/poisson</code> at 100/s poisson: inconclusive: too few "
                      "samples to judge p99 &lt;= 100 ms: 0 of 120 requests over the bound, 459 "
                      "needed to show it met (the level reached max_duration); it feeds no "
                      "throughput within the SLO, cost or verdict"),
            std::string::npos);
  EXPECT_NE(page.find("generator lag: the schedule lag p99 0.0600 ms is 25 % of the p99 latency "
                      "0.240 ms"),
            std::string::npos);
  EXPECT_NE(page.find("noisy: 1.5 % of a core stolen and 35 % used by other processes"),
            std::string::npos);
  // The count line names each kind.
  EXPECT_NE(page.find("<b>1</b> inconclusive levels"), std::string::npos);
  EXPECT_NE(page.find("<b>4</b> levels disturbed by steal or other processes"), std::string::npos);
  EXPECT_NE(page.find("KeyError: &#39;resnet18&#39;"), std::string::npos);  // the log tail
}

// Each overview row says how far its levels can be trusted, and a cell measured several times
// shows its throughput within the SLO with the interval over its repeats.
TEST(HtmlWriterTest, OverviewShowsTheLevelsMarksAndTheRepeatsInterval) {
  std::vector<CellRecord> cells = testing::SyntheticCells();
  CellRecord& rate = cells[2];  // digits-mlp/torchscript/poisson
  ASSERT_EQ(rate.cell_id, "digits-mlp/torchscript/poisson");
  rate.summary.levels = 6;
  rate.summary.inconclusive_levels = 2;
  rate.summary.unstable_levels = 1;
  rate.summary.lag_flagged_levels = 0;
  rate.summary.disturbed_levels = 3;
  RepeatSpreads spreads;
  spreads.count = 3;
  SpreadRecord t;
  t.values = {1300, 1350, 1400};
  t.mean = 1350;
  t.lower = 1226;
  t.upper = 1474;
  spreads.throughput_within_slo_rps = t;
  rate.summary.repeats = spreads;
  rate.summary.throughput_within_slo_rps = 1350;
  rate.slo.constraints = {{50, 20000}};
  const std::string page =
      FormatReportHtml(testing::SyntheticRun(), testing::SyntheticEnvironment(), cells);
  const size_t overview = page.find("<section id=\"overview\">");
  const std::string table = page.substr(overview, page.find("</section>", overview) - overview);
  EXPECT_NE(table.find("<th>levels</th>"), std::string::npos);
  const size_t row = table.find("<tr data-server=\"torchscript\" data-scenario=\"poisson\">");
  ASSERT_NE(row, std::string::npos);
  const std::string cells_html = table.substr(row, table.find("</tr>", row) - row);
  EXPECT_NE(cells_html.find("<td class=\"levels flagged\">2 inconclusive, 1 unstable, 3 noisy "
                            "of 6 <a href=\"#warnings\">(why)</a></td>"),
            std::string::npos)
      << cells_html;
  EXPECT_NE(cells_html.find("data-value=\"1350.0\">1350<span class=\"ci\"> ± 124 (3 "
                            "repeats)</span></td>"),
            std::string::npos)
      << cells_html;
  // Its own SLO, not the run's, is named in the row.
  EXPECT_NE(cells_html.find("<span class=\"note\">SLO p50 &lt;= 20 ms</span>"), std::string::npos)
      << cells_html;
  // A clean row says so.
  const size_t closed =
      table.find("<tr data-server=\"torchscript\" data-scenario=\"concurrency\">");
  ASSERT_NE(closed, std::string::npos);
  EXPECT_NE(table.substr(closed, table.find("</tr>", closed) - closed)
                .find("<td class=\"levels\">2 ok</td>"),
            std::string::npos);
}

}  // namespace
}  // namespace servebench
