// Copyright servebench authors.
//
// Cold start, as servebench measures it: a fresh server process from spawn to ready (health
// endpoint answers 200) to the first successful inference, each step timed on the monotonic
// clock; plus, where the server has a repository API, the time to load the model through it.

#ifndef SERVEBENCH_LIFECYCLE_COLD_START_H_
#define SERVEBENCH_LIFECYCLE_COLD_START_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "servebench/lifecycle/launch_plan.h"
#include "servebench/protocols/protocol_adapter.h"

namespace servebench {

struct ColdStartSample {
  double spawn_to_ready_s = 0;
  double ready_to_first_inference_s = 0;
  double spawn_to_first_inference_s = 0;
  std::optional<double> model_load_s;  // unload + load through the repository API, when present
};

nlohmann::json ToJson(const ColdStartSample& sample);

// The mean of each step over `samples` (not empty); the model load's mean over the samples that
// have one.
ColdStartSample MeanColdStart(const std::vector<ColdStartSample>& samples);

// Starts a fresh server from `plan` (pinned to `cpus`, log appended to `log_path`), waits for
// the protocol's server readiness, sends `infer` until the first 2xx answer (polling every
// 1 ms), measures a model load through the protocol's repository calls when
// plan.has_repository_api, then stops the server. Fails with *error (including the server's exit
// description and log tail) when any step fails or exceeds timeouts.ready_ns.
bool MeasureColdStart(const LaunchPlan& plan, const ProtocolAdapter& protocol,
                      const std::vector<int>& cpus, const HttpCall& infer,
                      const ServerTimeouts& timeouts, const std::string& log_path,
                      ColdStartSample* sample, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_LIFECYCLE_COLD_START_H_
