// Copyright servebench authors.
//
// How much of the machine a measurement did not have: the CPU time the hypervisor stole from
// the cores it ran on, and the CPU time other processes used there. Both are read from /proc at
// the start and the end of a load level (docs/metrics.md, "Noise"):
//
//   - /proc/stat, one "cpuN" line per core: jiffies spent in user, nice, system, idle, iowait,
//     irq, softirq and steal (man 5 proc);
//   - /proc/<pid>/stat: a process's utime and stime (fields 14 and 15), and for the server's
//     tree also cutime and cstime (process_tree.h).
//
// Over the watched cores, steal is the growth of their steal jiffies, and foreign CPU is the
// growth of their busy jiffies (user + nice + system) less the CPU time of the server's process
// tree and of servebench itself. Interrupt and softirq time is left out of busy: the kernel
// books much of loopback networking there, and it belongs to no process. Both are given as a
// CPU percentage, 100 = one core busy for the whole span, as a process's CPU use is.

#ifndef SERVEBENCH_LIFECYCLE_CPU_NOISE_H_
#define SERVEBENCH_LIFECYCLE_CPU_NOISE_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "servebench/lifecycle/process_tree.h"

namespace servebench {

// One core's line of /proc/stat, in jiffies (clock ticks).
struct CoreTimes {
  uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  uint64_t busy() const { return user + nice + system; }
};

// The per-core lines of /proc/stat's text, by core number. False with the reason in *error when
// a "cpuN" line is malformed (too few fields, not numbers) or there is none.
bool ParseProcStat(const std::string& text, std::map<int, CoreTimes>* cores, std::string* error);

// utime + stime of /proc/<pid>/stat's text, in jiffies (its own threads' CPU time, not that of
// children it waited for). The command name (field 2) may hold spaces and parentheses: fields are
// counted after its last ')'.
bool ParseProcPidStatTicks(const std::string& text, uint64_t* ticks, std::string* error);

// What /proc said at one moment.
struct NoiseSnapshot {
  int64_t taken_ns = 0;  // MonotonicNanos()
  std::map<int, CoreTimes> cores;
  uint64_t self_ticks = 0;     // servebench's own process
  ProcessTreeSnapshot server;  // the server's tree; empty for an external server
};

struct CpuNoise {
  std::vector<int> cores;  // the cores watched
  double seconds = 0;      // between the snapshots
  double steal_percent = 0;
  double foreign_cpu_percent = 0;  // never below 0 (own work on unwatched cores would make it so)
  double busy_percent = 0;         // all user + nice + system time on the watched cores
  double own_percent = 0;          // the server's tree and servebench, wherever they ran
};

// The noise between two snapshots over `cores` (all cores of the snapshots when empty), with
// `ticks_per_second` jiffies a second (sysconf(_SC_CLK_TCK)). Cores missing from either
// snapshot are left out.
CpuNoise NoiseBetween(const NoiseSnapshot& before, const NoiseSnapshot& after,
                      const std::vector<int>& cores, double ticks_per_second);

// Reads /proc now: /proc/stat, /proc/self/stat, and the tree of `server_root` (none when <= 0).
// False with the reason when /proc/stat or /proc/self/stat cannot be read.
bool TakeNoiseSnapshot(pid_t server_root, NoiseSnapshot* out, std::string* error);

// A level disturbed beyond this (steal plus foreign CPU, 100 = one core) is flagged.
inline constexpr double kNoiseThresholdPercent = 10;

}  // namespace servebench

#endif  // SERVEBENCH_LIFECYCLE_CPU_NOISE_H_
