// Copyright servebench authors.
//
// The steps of `servebench run` that a run spread over Slurm jobs (bench/slurm_*.h) shares with
// a local run: reading the experiment, opening the run folder, writing the outputs and ending
// the run. Each job then does what the local run does, for its part.

#ifndef SERVEBENCH_BENCH_RUN_STEPS_H_
#define SERVEBENCH_BENCH_RUN_STEPS_H_

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "servebench/bench/experiment.h"
#include "servebench/bench/journal.h"
#include "servebench/bench/results_store.h"
#include "servebench/bench/run_journal.h"
#include "servebench/bench/runner.h"

namespace servebench {

// The experiment a run measures, once read: its config with --quick and --out applied, its
// cells after --filter, and the --quick and --filter it was read with (when resuming, those of
// the resumed run).
struct Experiment {
  ExperimentConfig config;
  std::vector<Cell> cells;
  bool quick = false;
  std::string filter;
  int repeat = 0;
};

// An open run folder: its records so far, its journal and its database.
struct OpenRun {
  RunState state;
  Journal journal;
  std::unique_ptr<ResultsStore> store;
  std::string log_dir;   // the servers' logs
  std::string work_dir;  // derived model repositories
};

// Step 1: the experiment from a file, the embedded default, or (resuming) the run record of
// `resumed`, which this reads from the run folder's journal.
bool LoadExperiment(const RunOptions& o, RunState* resumed, Experiment* e, std::string* error);

// Step 3: a new run folder under output.directory, or the resumed one, with its journal (the
// run and environment records first) and its database (every journaled cell stored again).
bool OpenRunFolder(const RunOptions& o, const Experiment& e, OpenRun* run, std::string* error);

// Step 5: the run's end time (unless interrupted), the output files, the summary table and the
// exit code.
int FinishRun(bool interrupted, OpenRun* run, std::ostream& out, std::ostream& err);

// Writes results.json, results.csv, summary.md and report.html; false when one could not be
// written.
bool WriteOutputs(const RunState& state, std::ostream& err);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_RUN_STEPS_H_
