// Copyright servebench authors.
//
// What the runner observes of a server during one load level besides the load itself: the
// resources of its process tree, the machine's energy, the server's own counters (Prometheus)
// before and after, and the CPU the level did not have on the cores it ran on (steal, other
// processes: lifecycle/cpu_noise.h). Started when the measured window starts, so that the
// observation covers the same span as the load's numbers.

#ifndef SERVEBENCH_BENCH_SERVER_OBSERVATION_H_
#define SERVEBENCH_BENCH_SERVER_OBSERVATION_H_

#include <memory>
#include <optional>
#include <vector>

#include "servebench/bench/experiment.h"
#include "servebench/lifecycle/cpu_noise.h"
#include "servebench/lifecycle/launch_plan.h"
#include "servebench/lifecycle/prometheus.h"
#include "servebench/lifecycle/resource_sampler.h"
#include "servebench/lifecycle/server_process.h"
#include "servebench/records/level_record.h"

namespace servebench {

class ServerObservation {
 public:
  // `process` is null for an external server (no process tree to sample); a plan without a
  // metrics URL has no counters. Both must outlive this.
  // `watched_cpus` are the cores whose noise is measured: the server's and the generator's
  // (empty: all of them).
  ServerObservation(const LaunchPlan& plan, ServerProcess* process,
                    const MeasurementSettings& measurement, std::vector<int> watched_cpus);

  // At the start of the measured window: scrapes the counters, starts sampling, reads the
  // energy counters.
  void Start();

  // After the window: what was observed into `level`'s resources, energy_j, server_side and
  // noise (left empty where nothing could be observed).
  void Finish(LevelRecord* level);

 private:
  const LaunchPlan& plan_;
  ServerProcess* process_;
  const MeasurementSettings& measurement_;
  std::optional<MetricSamples> before_;
  std::unique_ptr<ResourceSampler> sampler_;
  std::unique_ptr<EnergyMeter> energy_;
  const std::vector<int> watched_cpus_;
  std::optional<NoiseSnapshot> noise_before_;
};

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_SERVER_OBSERVATION_H_
