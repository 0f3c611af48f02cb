// Copyright servebench authors.
//
// Cold start, as servebench measures it: a fresh server process from spawn to ready (the
// server's health endpoint answers 2xx) to model ready (the model's readiness call, the protocol's
// ModelReadyCall, succeeds) to the first successful inference, each step timed on the monotonic
// clock; plus, where the server has a repository API, the time to load the model through it.
// Servers differ in where they put the model's loading: some say ready only once their models are
// loaded (the model-ready step is then a poll's length), others (TorchServe's /ping) before.

#ifndef SERVEBENCH_LIFECYCLE_COLD_START_H_
#define SERVEBENCH_LIFECYCLE_COLD_START_H_

#include <string>
#include <vector>

#include "servebench/lifecycle/launch_plan.h"
#include "servebench/protocols/protocol_adapter.h"
#include "servebench/records/cold_start_record.h"

namespace servebench {

// Each start's times are a ColdStartTimes (records/cold_start_record.h).

// The mean of each step over `samples` (not empty); an optional step's mean over the samples
// that have it.
ColdStartTimes MeanColdStart(const std::vector<ColdStartTimes>& samples);

// Starts a fresh server from `plan` (pinned to `cpus`, log appended to `log_path`), waits for
// the protocol's server readiness, then polls the model's readiness (every 1 ms), then sends
// `infer` until the first 2xx answer (every 1 ms), measures a model load through the protocol's
// repository calls (sent to plan.control_url when set) when plan.has_repository_api, then stops the
// server. Fails with *error (including the server's exit description and log tail) when any step
// fails or exceeds timeouts.ready_ns.
bool MeasureColdStart(const LaunchPlan& plan, const ProtocolAdapter& protocol,
                      const std::vector<int>& cpus, const HttpCall& infer,
                      const ServerTimeouts& timeouts, const std::string& log_path,
                      ColdStartTimes* sample, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_LIFECYCLE_COLD_START_H_
