// Copyright servebench authors.

#include "servebench/bench/cpu_plan.h"

#include <sched.h>

#include <cerrno>
#include <cstring>

namespace servebench {

CpuPlan PlanCpus(const ExperimentConfig& config) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
    }
  }
  CpuPlan plan;
  if (cpus.size() >= 2) {
    const size_t half = cpus.size() / 2;
    plan.generator.assign(cpus.begin(), cpus.begin() + half);
    plan.server.assign(cpus.begin() + half, cpus.end());
  }
  if (!config.generator.cpus.empty()) plan.generator = config.generator.cpus;
  return plan;
}

bool PinThisThread(const std::vector<int>& cpus, std::string* error) {
  if (cpus.empty()) return true;
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus) CPU_SET(c, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    *error = std::string("cannot pin the load generator: ") + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace servebench
