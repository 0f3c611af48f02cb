// Copyright servebench authors.
//
// `servebench compare RUN_A RUN_B [--threshold PCT] [--metrics LIST] [--out DIR]`: the cells two
// run folders share, metric by metric (report/run_compare.h), printed as a table and written as
// Markdown and HTML; the exit status gates a CI job.

#ifndef SERVEBENCH_CLI_COMPARE_COMMAND_H_
#define SERVEBENCH_CLI_COMPARE_COMMAND_H_

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace servebench {

// Exit codes of `servebench compare`.
inline constexpr int kCompareClean = 0;         // no regression beyond threshold and noise
inline constexpr int kCompareRegression = 1;    // at least one
inline constexpr int kCompareBadInput = 2;      // a run folder or an option could not be read
inline constexpr int kCompareOutputFailed = 3;  // the Markdown or HTML could not be written

struct CompareCommandOptions {
  std::string run_a;
  std::string run_b;
  double threshold_percent = 10;
  std::string metrics;  // comma-separated; empty: all
  std::string out_dir;  // empty: RUN_B
};

// Compares, prints the table to `out`, writes compare-<A's run id>.md and .html into out_dir
// (RUN_B by default) and returns the exit code.
int RunCompare(const CompareCommandOptions& options, std::ostream& out, std::ostream& err);

void AddCompareCommand(CLI::App* app, int* exit_code);

}  // namespace servebench

#endif  // SERVEBENCH_CLI_COMPARE_COMMAND_H_
