// Copyright servebench authors.
//
// Which cores the servers and the load generator run on. Without configured sets the machine is
// split in two (on 2 cores: server on core 1, generator on core 0), so that they never fight
// for a core and a server's numbers are not the generator's.

#ifndef SERVEBENCH_BENCH_CPU_PLAN_H_
#define SERVEBENCH_BENCH_CPU_PLAN_H_

#include <string>
#include <vector>

#include "servebench/bench/experiment.h"

namespace servebench {

struct CpuPlan {
  std::vector<int> server;     // upper half of the allowed cores; empty on one core
  std::vector<int> generator;  // lower half, or generator.cpus when configured
};

// The plan for `config` on the cores this process may run on.
CpuPlan PlanCpus(const ExperimentConfig& config);

// Pins the calling thread (and the threads it starts later) to `cpus`; nothing when empty.
bool PinThisThread(const std::vector<int>& cpus, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_CPU_PLAN_H_
