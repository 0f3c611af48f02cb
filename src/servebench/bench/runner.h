// Copyright servebench authors.
//
// `servebench run`: reads the experiment, expands the matrix, prepares the zoo models the cells
// use that the default repository lacks, and runs every cell in turn, journaling each finished cell
// (JSONL and SQLite) before the next, so that an interrupted or killed run keeps what it
// finished and `--resume` goes on from there. Ends by writing results.json, results.csv,
// summary.md and report.html and printing the summary table.

#ifndef SERVEBENCH_BENCH_RUNNER_H_
#define SERVEBENCH_BENCH_RUNNER_H_

#include <atomic>
#include <ostream>
#include <string>
#include <vector>

#include "servebench/bench/experiment.h"
#include "servebench/bench/run_journal.h"

namespace servebench {

// `servebench run --slurm`: the cells as a Slurm job array (bench/slurm_submit.h).
struct SlurmOptions {
  bool enabled = false;
  std::string partition;   // --partition; empty: the cluster's default
  std::string account;     // --account; empty: the user's default
  std::string time_limit;  // --time of each cell's task, in sbatch's syntax; empty: the default
  int max_parallel = 0;    // at most this many cells at once (the array's %N); 0: no limit
  std::vector<std::string> sbatch_args;  // further sbatch options for the cells' array
};

struct RunOptions {
  std::string config_path;  // empty: the embedded default
  bool quick = false;
  std::string filter;
  int repeat = 0;  // --repeat: every scenario's repeats; 0: as configured
  bool dry_run = false;
  std::string resume_dir;  // go on with this run folder's experiment
  std::string out_dir;     // overrides output.directory
  std::string binary_dir;  // where servebench and servebench-torchscript are
  std::string source_dir;  // the source tree (servers/fastapi, models/)
  const std::atomic<bool>* interrupt = nullptr;
  SlurmOptions slurm;
};

// Exit codes of RunExperiment.
inline constexpr int kRunOk = 0;             // every cell ran and measured
inline constexpr int kRunCellsFailed = 1;    // the run finished, but some cells failed
inline constexpr int kRunBadInput = 2;       // config, filter or environment errors: nothing ran
inline constexpr int kRunInterrupted = 130;  // the user stopped it; --resume goes on
// The cells ran and are journaled, but results.json, results.csv, summary.md or the run's row
// in results.db could not be written; `servebench report RUN_DIR` writes the files again.
inline constexpr int kRunOutputFailed = 3;

int RunExperiment(const RunOptions& options, std::ostream& out, std::ostream& err);

// `servebench report RUN_DIR`: writes results.json, results.csv, summary.md and report.html
// anew from the run's journal (finished or not) and prints the summary table.
int ReportRun(const std::string& run_dir, std::ostream& out, std::ostream& err);

// A run folder's records as `servebench report` and `servebench compare` read them: its journal,
// with each cell's summary computed anew from its levels (the current definitions).
bool ReadRunFolder(const std::string& run_dir, RunState* state, std::string* error);

// What --quick does to an experiment: the first two model variants, one cold-start repeat, the
// first and last level of each concurrency sweep, at most three rates per rate sweep, SLO
// searches to a looser tolerance (at least kQuickTolerance) with at most 6 probes, and short
// windows (docs/config.md).
inline constexpr double kQuickTolerance = 0.15;
void ApplyQuick(ExperimentConfig* config);

// What --repeat N does: every scenario is measured N times (cold start: N fresh processes).
void ApplyRepeat(int repeat, ExperimentConfig* config);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_RUNNER_H_
