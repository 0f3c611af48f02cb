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
constexpr int kLogTailLines = 20;

double Seconds(int64_t ns) { return static_cast<double>(ns) / kNanosPerSecond; }

// Repeats `method url` until it answers 2xx, the server dies or `timeout_ns` passes. Stores the
// time of the successful answer in *done_ns.
bool UntilOk(ServerProcess* server, const std::string& what, const std::string& method,
             const std::string& url,
             const std::vector<std::pair<std::string, std::string>>& headers,
             const std::string& body, int64_t request_timeout_ns, int64_t timeout_ns,
             int64_t poll_ns, int64_t* done_ns, std::string* error) {
  const int64_t start = MonotonicNanos();
  const int64_t deadline = start + timeout_ns;
  std::string last = "no answer yet";
  while (true) {
    if (!server->Alive()) {
      *error = what + ": the server " + server->ExitDescription() + " (last answer to " + method +
               " " + url + ": " + last + ")";
      return false;
    }
    const int64_t now = MonotonicNanos();
    if (now >= deadline) {
      *error = what + ": no success after " + std::to_string((now - start) / kNanosPerMilli) +
               " ms (last answer to " + method + " " + url + ": " + last + ")";
      return false;
    }
    HttpReply reply;
    std::string fetch_error;
    if (HttpFetch(method, url, headers, body, std::min(request_timeout_ns, deadline - now), &reply,
                  &fetch_error)) {
      if (reply.status >= 200 && reply.status < 300) {
        *done_ns = MonotonicNanos();
        return true;
      }
      last = "HTTP " + std::to_string(reply.status) + " " + reply.body.substr(0, 200);
    } else {
      last = fetch_error;
    }
    std::this_thread::sleep_for(std::chrono::nanoseconds(poll_ns));
  }
}

// Unloads the model through the repository API, then times loading it again until the model
// reports ready: the part of a cold start that a running server repeats on every model change.
bool MeasureModelLoad(ServerProcess* server, const LaunchPlan& plan,
                      const MeasurementSettings& measurement, double* seconds, std::string* error) {
  const std::string repo = plan.base_url + "/v2/repository/models/" + plan.model;
  const std::vector<std::pair<std::string, std::string>> json = {
      {"Content-Type", "application/json"}};
  auto post = [&](const std::string& action, int64_t timeout_ns) {
    HttpReply reply;
    if (!HttpFetch("POST", repo + "/" + action, json, "{}", timeout_ns, &reply, error)) {
      *error = "model " + action + ": " + *error;
      return false;
    }
    if (reply.status != 200) {
      *error = "model " + action + ": POST " + repo + "/" + action + ": HTTP " +
               std::to_string(reply.status) + " " + reply.body.substr(0, 200);
      return false;
    }
    return true;
  };
  if (!post("unload", measurement.request_timeout_ns)) return false;
  const int64_t start = MonotonicNanos();
  // The repository API answers a load once it is done, which may take longer than one
  // inference request may; then the model must also say it is ready.
  int64_t ready = 0;
  if (!post("load", measurement.ready_timeout_ns) ||
      !UntilOk(server, "model ready after load", "GET",
               plan.base_url + "/v2/models/" + plan.model + "/ready", {}, "",
               measurement.request_timeout_ns,
               measurement.ready_timeout_ns - (MonotonicNanos() - start), kModelReadyPollNs, &ready,
               error)) {
    return false;
  }
  *seconds = Seconds(ready - start);
  return true;
}

}  // namespace

nlohmann::json ToJson(const ColdStartSample& sample) {
  nlohmann::json out = {
      {"spawn_to_ready_s", sample.spawn_to_ready_s},
      {"ready_to_first_inference_s", sample.ready_to_first_inference_s},
      {"spawn_to_first_inference_s", sample.spawn_to_first_inference_s},
  };
  // Absent rather than 0 where the server has no repository API: 0 would read as instant.
  if (sample.model_load_s) out["model_load_s"] = *sample.model_load_s;
  return out;
}

bool MeasureColdStart(const LaunchPlan& plan, const std::vector<int>& cpus, const HttpCall& infer,
                      const MeasurementSettings& measurement, const std::string& log_path,
                      ColdStartSample* sample, std::string* error) {
  std::unique_ptr<ServerProcess> server = ServerProcess::Start(plan, cpus, log_path, error);
  if (!server) return false;
  ColdStartSample s;
  int64_t ready_ns = 0;
  if (!server->WaitReady(measurement.ready_timeout_ns, &ready_ns, error)) {
    server->Stop(measurement.stop_grace_ns);
    return false;
  }
  int64_t first_ns = 0;
  bool ok = UntilOk(server.get(), "first inference", infer.method, plan.base_url + infer.path,
                    infer.headers, infer.body, measurement.request_timeout_ns,
                    measurement.ready_timeout_ns, kInferPollNs, &first_ns, error);
  if (ok) {
    s.spawn_to_ready_s = Seconds(ready_ns - server->spawn_ns());
    s.ready_to_first_inference_s = Seconds(first_ns - ready_ns);
    s.spawn_to_first_inference_s = Seconds(first_ns - server->spawn_ns());
    if (plan.has_repository_api) {
      double load_s = 0;
      ok = MeasureModelLoad(server.get(), plan, measurement, &load_s, error);
      if (ok) s.model_load_s = load_s;
    }
  }
  if (!ok) {
    // The server may have died a moment ago; say how, and what it said last.
    server->Alive();
    *error += "; the server is " + server->ExitDescription();
    const std::vector<std::string> tail = server->LogTail(kLogTailLines);
    if (!tail.empty()) {
      *error += "; last lines of " + log_path + ":";
      for (const std::string& line : tail) *error += "\n  " + line;
    }
  }
  server->Stop(measurement.stop_grace_ns);
  if (ok) *sample = s;
  return ok;
}

}  // namespace servebench
