// Copyright servebench authors.
//
// `servebench run CONFIG --slurm` and `servebench run --resume RUN_DIR --slurm`: the run folder
// is written as for a local run, then the cells that have no result yet go to Slurm as one job
// array (one task per cell, each on a node of its own), and a merge job that depends on the
// array (afterany) writes the results and reports once every task has ended
// (docs/distributed.md).

#ifndef SERVEBENCH_BENCH_SLURM_SUBMIT_H_
#define SERVEBENCH_BENCH_SLURM_SUBMIT_H_

#include <ostream>

#include "servebench/bench/run_steps.h"

namespace servebench {

// Submits the cells of `e` that `run` has no ok result for (the run's journal and the tasks'
// journals both count). Refuses while tasks of an earlier submission are still queued or
// running. Returns a RunExperiment exit code: kRunOk once submitted (or when nothing is left).
int SubmitToSlurm(const RunOptions& o, const Experiment& e, OpenRun* run, std::ostream& out,
                  std::ostream& err);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_SLURM_SUBMIT_H_
