// Copyright servebench authors.
//
// How to start one server and how to talk to it once it runs: what a serving system's Plan
// (systems/serving_system.h) produces and what lifecycle/ and the runner consume. A plan with no
// argv describes a server someone else runs.

#ifndef SERVEBENCH_LIFECYCLE_LAUNCH_PLAN_H_
#define SERVEBENCH_LIFECYCLE_LAUNCH_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

namespace servebench {

struct LaunchPlan {
  std::vector<std::string> argv;  // program and arguments; empty: an external server
  std::vector<std::string> env;   // extra KEY=VALUE entries
  // The folder the server starts in; empty: servebench's own. Some servers write beside
  // themselves (TorchServe its logs and unpacked archives), so a plan keeps them in its work
  // folder. argv's paths should be absolute when this is set.
  std::string cwd;
  std::string base_url;  // "http://127.0.0.1:PORT": where the protocol's paths start
  // The wire protocol requests use, by its registered name (protocols/protocol_adapter.h); its
  // adapter says how to check readiness and model readiness and how to build inferences.
  std::string protocol;
  // The protocol's options as JSON text (a server config's protocol_options); empty: none.
  std::string protocol_options;
  std::string metrics_url;          // Prometheus text endpoint; empty when the server has none
  bool has_repository_api = false;  // the protocol's model load/unload calls work on this server
  // Where those calls go when the server takes them on a port of their own (TorchServe's
  // management API); empty: base_url.
  std::string control_url;
  std::string model;  // the model name requests address

  // Appends "--name value" to argv.
  void AddFlag(const std::string& name, const std::string& value) {
    argv.push_back(name);
    argv.push_back(value);
  }
};

// How long servebench waits for a server, and how long it lets one stop.
struct ServerTimeouts {
  int64_t ready_ns = 0;    // spawn until ready (and the model ready)
  int64_t request_ns = 0;  // one request
  int64_t stop_grace_ns = 0;
};

}  // namespace servebench

#endif  // SERVEBENCH_LIFECYCLE_LAUNCH_PLAN_H_
