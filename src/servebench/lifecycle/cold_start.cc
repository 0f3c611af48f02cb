// Copyright servebench authors.

#include "servebench/lifecycle/cold_start.h"

#include <algorithm>
#include <thread>

#include "servebench/core/clock.h"
#include "servebench/lifecycle/server_process.h"
#include "servebench/protocols/http_client.h"

namespace servebench {

namespace {

constexpr int64_t kInferPollNs = kNanosPerMilli;
constexpr int64_t kModelReadyPollNs = kNanosPerMilli;

double Seconds(int64_t ns) { return static_cast<double>(ns) / kNanosPerSecond; }

// Unloads the model through the repository API, then times loading it again until the model
// reports ready: the part of a cold start that a running server repeats on every model change.
bool MeasureModelLoad(ServerProcess* server, const LaunchPlan& plan,
                      const ProtocolAdapter& protocol, const ServerTimeouts& timeouts,
                      double* seconds, std::string* error) {
  HttpCall unload, load;
  if (!protocol.ModelControlCalls(plan.model, &unload, &load)) {
    *error = "protocol " + protocol.name() + " has no model repository calls";
    return false;
  }
  auto send = [&](const HttpCall& call, int64_t timeout_ns) {
    HttpReply reply;
    const std::string url =
        (plan.control_url.empty() ? plan.base_url : plan.control_url) + call.path;
    if (!HttpFetch(call.method, url, call.headers, call.body, timeout_ns, &reply, error)) {
      *error = call.method + " " + url + ": " + *error;
      return false;
    }
    if (reply.status < 200 || reply.status >= 300) {
      *error = call.method + " " + url + ": HTTP " + std::to_string(reply.status) + " " +
               reply.body.substr(0, 200);
      return false;
    }
    return true;
  };
  if (!send(unload, timeouts.request_ns)) return false;
  const int64_t start = MonotonicNanos();
  // The repository API answers a load once it is done, which may take longer than one
  // inference request may; then the model must also say it is ready.
  const HttpCall ready = protocol.ModelReadyCall(plan.model);
  int64_t ready_ns = 0;
  if (!send(load, timeouts.ready_ns) ||
      !PollUntilOk(server, "model ready after load", plan.base_url, ready, timeouts.request_ns,
                   timeouts.ready_ns - (MonotonicNanos() - start), kModelReadyPollNs, &ready_ns,
                   error, &protocol)) {
    return false;
  }
  *seconds = Seconds(ready_ns - start);
  return true;
}

}  // namespace

ColdStartTimes MeanColdStart(const std::vector<ColdStartTimes>& samples) {
  ColdStartTimes mean;
  int loads = 0;
  double load_sum = 0;
  for (const ColdStartTimes& s : samples) {
    mean.spawn_to_ready_s += s.spawn_to_ready_s / samples.size();
    mean.ready_to_first_inference_s += s.ready_to_first_inference_s / samples.size();
    mean.spawn_to_first_inference_s += s.spawn_to_first_inference_s / samples.size();
    if (s.model_load_s) {
      ++loads;
      load_sum += *s.model_load_s;
    }
  }
  if (loads > 0) mean.model_load_s = load_sum / loads;
  return mean;
}

bool MeasureColdStart(const LaunchPlan& plan, const ProtocolAdapter& protocol,
                      const std::vector<int>& cpus, const HttpCall& infer,
                      const ServerTimeouts& timeouts, const std::string& log_path,
                      ColdStartTimes* sample, std::string* error) {
  std::unique_ptr<ServerProcess> server = ServerProcess::Start(plan, cpus, log_path, error);
  if (!server) return false;
  ColdStartTimes s;
  int64_t ready_ns = 0;
  if (!server->WaitReady(protocol, timeouts.ready_ns, &ready_ns, error)) {
    server->Stop(timeouts.stop_grace_ns);
    return false;
  }
  int64_t first_ns = 0;
  bool ok = PollUntilOk(server.get(), "first inference", plan.base_url, infer, timeouts.request_ns,
                        timeouts.ready_ns, kInferPollNs, &first_ns, error);
  if (ok) {
    s.spawn_to_ready_s = Seconds(ready_ns - server->spawn_ns());
    s.ready_to_first_inference_s = Seconds(first_ns - ready_ns);
    s.spawn_to_first_inference_s = Seconds(first_ns - server->spawn_ns());
    if (plan.has_repository_api) {
      double load_s = 0;
      ok = MeasureModelLoad(server.get(), plan, protocol, timeouts, &load_s, error);
      if (ok) s.model_load_s = load_s;
    }
  }
  if (!ok) {
    // The server may have died a moment ago; say how, and what it said last.
    server->Alive();
    *error += "; the server is " + server->ExitDescription();
    server->AppendLogTail(error);
  }
  server->Stop(timeouts.stop_grace_ns);
  if (ok) *sample = s;
  return ok;
}

}  // namespace servebench
