// Copyright servebench authors.
//
// What the jobs of a Slurm run execute on their nodes (bench/slurm_submit.h submits them): one
// cell per array task, and the merge of the tasks' journals into the run's results.

#ifndef SERVEBENCH_BENCH_SLURM_JOBS_H_
#define SERVEBENCH_BENCH_SLURM_JOBS_H_

#include <atomic>
#include <ostream>
#include <string>

#include "servebench/bench/runner.h"

namespace servebench {

struct SlurmTaskOptions {
  std::string run_dir;
  int index = -1;  // the cell's array index; -1: $SLURM_ARRAY_TASK_ID
  std::string binary_dir;
  std::string source_dir;
  const std::atomic<bool>* interrupt = nullptr;
};

// `servebench slurm-task RUN_DIR`: measures cell `index` of the run as a local run would, with
// this node's environment in its record, into the cell's own task journal. Exit codes as
// RunExperiment's: kRunOk, kRunCellsFailed (the cell failed and is recorded so),
// kRunInterrupted (scancel or the time limit: nothing is recorded), kRunBadInput.
int RunSlurmTask(const SlurmTaskOptions& o, std::ostream& out, std::ostream& err);

// `servebench slurm-merge RUN_DIR [--array-job J]`: adds to the run's journal and results.db
// every cell record the tasks of array job J (default: the last submission) wrote, records each
// of J's cells whose task ended without one as failed (with the scheduler's state and the
// task's log), and writes the results and reports as a local run ends. Exit codes as
// RunExperiment's.
int MergeSlurmRun(const std::string& run_dir, const std::string& array_job_id, std::ostream& out,
                  std::ostream& err);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_SLURM_JOBS_H_
