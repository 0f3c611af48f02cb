// Copyright servebench authors.
//
// One look at a server's process tree in /proc: the root, its descendants, and any process in
// the root's process group (a server is a group leader, and workers orphaned by a dead parent
// stay in its group after they leave its tree).

#ifndef SERVEBENCH_LIFECYCLE_PROCESS_TREE_H_
#define SERVEBENCH_LIFECYCLE_PROCESS_TREE_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace servebench {

struct ProcessTreeSnapshot {
  int64_t taken_ns = 0;  // MonotonicNanos() when the snapshot was taken
  // CPU ticks (utime + stime + cutime + cstime, so that a member reaped by another member keeps
  // counting) per process, keyed by (pid, start time) so that a reused pid is a new process.
  std::map<std::pair<pid_t, uint64_t>, uint64_t> cpu_ticks;
  int processes = 0;
  int threads = 0;
  int64_t rss_bytes = 0;
  int64_t pss_bytes = 0;  // 0 where smaps_rollup is unreadable
};

// Reads the tree rooted at `root`. `with_pss` reads smaps_rollup too (it walks every mapping,
// so it costs more than the rest together).
ProcessTreeSnapshot SnapshotProcessTree(pid_t root, bool with_pss);

// Whether any process of process group `pgid` still runs. Zombies do not count: they are dead,
// and an orphan's zombie waits for init, which may take its time to reap it.
bool ProcessGroupRuns(pid_t pgid);

// The running processes (not zombies) whose environment holds the entry `mark` ("KEY=VALUE"),
// in *marked, and in *roots those of them whose parent does not hold it: the tops of the trees
// that carry the mark. A program started through another one that does not run it as its own
// child (srun: a job step's task is slurmstepd's child) is found so. Processes of other users
// (whose environment cannot be read) are not seen.
void FindMarkedProcesses(const std::string& mark, std::vector<pid_t>* marked,
                         std::vector<pid_t>* roots);

// CPU ticks used between two snapshots: processes in both count their growth, processes new
// in `after` count all of theirs.
uint64_t CpuTicksBetween(const ProcessTreeSnapshot& before, const ProcessTreeSnapshot& after);

}  // namespace servebench

#endif  // SERVEBENCH_LIFECYCLE_PROCESS_TREE_H_
