// Copyright servebench authors.
//
// Samples what a server uses while it is measured: the CPU, memory and threads of its whole
// process tree from /proc, every period on a thread of its own; GPU utilisation, memory and
// power through NVML when libnvidia-ml.so.1 can be loaded at run time (absent otherwise).

#ifndef SERVEBENCH_LIFECYCLE_RESOURCE_SAMPLER_H_
#define SERVEBENCH_LIFECYCLE_RESOURCE_SAMPLER_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "servebench/records/resource_record.h"

namespace servebench {

// The samples become a ResourceRecord (records/resource_record.h): mean and maximum of CPU %,
// RSS, PSS (from /proc/PID/smaps_rollup; 0 where unreadable) and threads over the process tree,
// and whole GPUs as NVML reports them (NVML cannot attribute a device's use to one process tree,
// so a GPU shared with other work shows that work too).

class ResourceSampler {
 public:
  // Starts sampling the tree rooted at `root` every `period_ns`.
  ResourceSampler(pid_t root, int64_t period_ns);
  ~ResourceSampler();  // stops

  // Stops sampling and returns what was seen since the start.
  ResourceRecord Stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Energy from Intel RAPL (powercap in sysfs) where readable: a counter read before and after a
// window gives joules. Absent where powercap is missing or unreadable.
class EnergyMeter {
 public:
  EnergyMeter();                         // reads the counters now
  std::optional<double> Joules() const;  // energy since construction, all packages
 private:
  std::vector<std::pair<std::string, double>> start_;  // counter path, microjoules
  std::vector<double> max_range_;
};

}  // namespace servebench

#endif  // SERVEBENCH_LIFECYCLE_RESOURCE_SAMPLER_H_
