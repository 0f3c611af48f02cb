// Copyright servebench authors.

#include "servebench/bench/server_observation.h"

#include <string>

namespace servebench {

ServerObservation::ServerObservation(const LaunchPlan& plan, ServerProcess* process,
                                     const MeasurementSettings& measurement)
    : plan_(plan), process_(process), measurement_(measurement) {}

void ServerObservation::Start() {
  std::string ignored;
  if (!plan_.metrics_url.empty()) {
    MetricSamples samples;
    if (ScrapePrometheus(plan_.metrics_url, measurement_.request_timeout_ns, &samples, &ignored)) {
      before_ = samples;
    }
  }
  if (process_ != nullptr) {
    sampler_ = std::make_unique<ResourceSampler>(process_->pid(), measurement_.sample_period_ns);
  }
  energy_ = std::make_unique<EnergyMeter>();
}

void ServerObservation::Finish(LevelRecord* level) {
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
