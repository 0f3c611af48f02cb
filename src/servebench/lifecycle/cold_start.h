// Copyright servebench authors.
//
// Cold start, as servebench measures it: a fresh server process from spawn to ready (health
// endpoint answers 200) to the first successful inference, each step timed on the monotonic
// clock; plus, where the server has a repository API, the time to load the model through it.

#ifndef SERVEBENCH_LIFECYCLE_COLD_START_H_
#define SERVEBENCH_LIFECYCLE_COLD_START_H_

#include <string>
#include <vector>

#include "servebench/lifecycle/launch_plan.h"
#include "servebench/protocols/protocol_adapter.h"
#include "servebench/records/cold_start_record.h"

namespace servebench {

// Each start's times are a ColdStartTimes (records/cold_start_record.h).

// The mean of each step over `samples` (not empty); the model load's mean over the samples that
// have one.
ColdStartTimes MeanColdStart(const std::vector<ColdStartTimes>& samples);

// Starts a fresh server from `plan` (pinned to `cpus`, log appended to `log_path`), waits for
// the protocol's server readiness, sends `infer` until the first 2xx answer (polling every
// 1 ms), measures a model load through the protocol's repository calls (sent to
// plan.control_url when set) when plan.has_repository_api, then stops the server. Fails with *error
// (including the server's exit description and log tail) when any step fails or exceeds
// timeouts.ready_ns.
bool MeasureColdStart(const LaunchPlan& plan, const ProtocolAdapter& protocol,
                      const std::vector<int>& cpus, const HttpCall& infer,
                      const ServerTimeouts& timeouts, const std::string& log_path,
                      ColdStartTimes* sample, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_LIFECYCLE_COLD_START_H_
