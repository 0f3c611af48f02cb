// Copyright servebench authors.

#include "servebench/cli/compare_command.h"

#include <iostream>
#include <memory>

#include "servebench/bench/runner.h"
#include "servebench/report/file_output.h"
#include "servebench/report/run_compare.h"

namespace servebench {

int RunCompare(const CompareCommandOptions& o, std::ostream& out, std::ostream& err) {
  CompareOptions options;
  options.threshold_percent = o.threshold_percent;
  std::string error;
  if (!(o.threshold_percent >= 0)) {
    err << "servebench compare: --threshold must be a percentage >= 0\n";
    return kCompareBadInput;
  }
  if (!o.metrics.empty() && !ParseCompareMetrics(o.metrics, &options.metrics, &error)) {
    err << "servebench compare: " << error << "\n";
    return kCompareBadInput;
  }
  RunState a, b;
  if (!ReadRunFolder(o.run_a, &a, &error)) {
    err << "servebench compare: RUN_A: " << error << "\n";
    return kCompareBadInput;
  }
  if (!ReadRunFolder(o.run_b, &b, &error)) {
    err << "servebench compare: RUN_B: " << error << "\n";
    return kCompareBadInput;
  }
  const RunComparison comparison = CompareRuns(a.run, a.cells, b.run, b.cells, options);
  out << FormatComparisonTerminal(comparison);

  const std::string dir = o.out_dir.empty() ? o.run_b : o.out_dir;
  const std::string stem = JoinPath(dir, "compare-" + a.run.run_id);
  bool written = true;
  for (const auto& [path, text] : {std::pair{stem + ".md", FormatComparisonMarkdown(comparison)},
                                   std::pair{stem + ".html", FormatComparisonHtml(comparison)}}) {
    if (!ReplaceFile(path, text, &error)) {
      err << "servebench compare: cannot write " << path << ": " << error << "\n";
      written = false;
    }
  }
  if (written) out << "written: " << stem << ".md, " << stem << ".html\n";
  if (comparison.regressions() > 0) return kCompareRegression;
  return written ? kCompareClean : kCompareOutputFailed;
}

void AddCompareCommand(CLI::App* app, int* exit_code) {
  auto options = std::make_shared<CompareCommandOptions>();
  CLI::App* cmd = app->add_subcommand(
      "compare",
      "Compare two run folders cell by cell and metric by metric (throughput within the SLO, "
      "max throughput, p50, p99, cold start, RSS, cost): the change, and whether it is beyond "
      "the noise each run shows. Prints a table, writes compare-<RUN_A id>.md and .html, and "
      "exits with 1 when a change beyond both the threshold and the noise makes a metric worse "
      "(or a cell that ran in RUN_A failed in RUN_B): a regression gate for CI.");
  cmd->add_option("RUN_A", options->run_a, "The baseline run folder")->required();
  cmd->add_option("RUN_B", options->run_b, "The run folder to judge against it")->required();
  cmd->add_option("--threshold", options->threshold_percent,
                  "Smallest relative change (percent) that can be a regression (default 10)");
  cmd->add_option("--metrics", options->metrics,
                  "Comma-separated metrics to compare: throughput_within_slo, max_throughput, "
                  "p50, p99, cold_start, rss, cost (default: all)");
  cmd->add_option("--out", options->out_dir, "Folder for the Markdown and HTML (default: RUN_B)");
  cmd->callback([options, exit_code] { *exit_code = RunCompare(*options, std::cout, std::cerr); });
}

}  // namespace servebench
