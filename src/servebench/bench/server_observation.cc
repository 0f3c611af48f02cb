// Copyright servebench authors.

#include "servebench/bench/server_observation.h"

#include <unistd.h>

#include <string>
#include <utility>

namespace servebench {

ServerObservation::ServerObservation(const LaunchPlan& plan, ServerProcess* process,
                                     const MeasurementSettings& measurement,
                                     std::vector<int> watched_cpus)
    : plan_(plan),
      process_(process),
      measurement_(measurement),
      watched_cpus_(std::move(watched_cpus)) {}

void ServerObservation::Start() {
  std::string ignored;
  if (!plan_.metrics_url.empty()) {
    MetricSamples samples;
    if (ScrapePrometheus(plan_.metrics_url, measurement_.request_timeout_ns, &samples, &ignored)) {
      before_ = samples;
    }
  }
  if (process_ != nullptr) {
    sampler_ =
        std::make_unique<ResourceSampler>(process_->TreeRoot(), measurement_.sample_period_ns);
  }
  energy_ = std::make_unique<EnergyMeter>();
  NoiseSnapshot noise;
  if (TakeNoiseSnapshot(process_ != nullptr ? process_->TreeRoot() : 0, &noise, &ignored)) {
    noise_before_ = std::move(noise);
  }
}

void ServerObservation::Finish(LevelRecord* level) {
  NoiseSnapshot after;
  std::string error;
  if (noise_before_ &&
      TakeNoiseSnapshot(process_ != nullptr ? process_->TreeRoot() : 0, &after, &error)) {
    const CpuNoise noise = NoiseBetween(*noise_before_, after, watched_cpus_,
                                        static_cast<double>(sysconf(_SC_CLK_TCK)));
    NoiseRecord record;
    record.cpus = noise.cores;
    record.seconds = noise.seconds;
    record.steal_percent = noise.steal_percent;
    record.foreign_cpu_percent = noise.foreign_cpu_percent;
    record.disturbed = noise.steal_percent + noise.foreign_cpu_percent > kNoiseThresholdPercent;
    level->noise = record;
  }
  if (sampler_) level->resources = sampler_->Stop();
  if (energy_) level->energy_j = energy_->Joules();
  if (before_) {
    MetricSamples after;
    std::string ignored;
    if (ScrapePrometheus(plan_.metrics_url, measurement_.request_timeout_ns, &after, &ignored)) {
      if (auto split = SplitBetween(*before_, after, plan_.model)) {
        level->server_side = *split;
      }
    }
  }
}

}  // namespace servebench
