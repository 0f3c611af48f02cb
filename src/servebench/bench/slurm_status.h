// Copyright servebench authors.
//
// `servebench status RUN_DIR`: where each cell of a run stands, from the run folder (the run's
// journal and, for a Slurm run, the tasks' journals and submissions) and from Slurm (squeue for
// queued and running tasks, sacct or scontrol for ended ones): done, failed (with the reason and
// the logs), running (on which node), pending (and why), or not started.

#ifndef SERVEBENCH_BENCH_SLURM_STATUS_H_
#define SERVEBENCH_BENCH_SLURM_STATUS_H_

#include <ostream>
#include <string>
#include <vector>

namespace servebench {

struct CellStanding {
  int index = 0;
  std::string cell_id;
  std::string state;   // "done", "failed", "running", "pending", "not started"
  std::string node;    // running: where; done/failed: where it ran, when known
  std::string detail;  // failed: the reason; pending: Slurm's reason
  std::string log;     // failed: the Slurm task's output (or the server's log)
};

// Every cell of the run in matrix order. False with *error when RUN_DIR is not a run folder.
bool CollectStandings(const std::string& run_dir, std::vector<CellStanding>* cells,
                      std::string* error);

// Prints the standings as a table and a count per state; exit code 0, or 2 (bad RUN_DIR).
int ShowStatus(const std::string& run_dir, std::ostream& out, std::ostream& err);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_SLURM_STATUS_H_
