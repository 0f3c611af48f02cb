// Copyright servebench authors.
//
// One launcher per kind of serving system: it knows the program, its flags and how to make it
// serve one model variant in a given configuration. Adding a serving system is adding one
// launcher file and registering it in NewLauncher.

#ifndef SERVEBENCH_LIFECYCLE_SERVER_LAUNCHER_H_
#define SERVEBENCH_LIFECYCLE_SERVER_LAUNCHER_H_

#include <memory>
#include <string>
#include <vector>

#include "servebench/bench/experiment.h"

namespace servebench {

// How to start one server and where it will answer.
struct LaunchPlan {
  std::vector<std::string> argv;  // program and arguments
  std::vector<std::string> env;   // extra KEY=VALUE entries
  std::string base_url;           // "http://127.0.0.1:PORT" (KServe v2 REST)
  std::string health_path = "/v2/health/ready";
  std::string metrics_url;        // Prometheus text endpoint; empty when the server has none
  bool has_repository_api = false;  // POST /v2/repository/models/{m}/load|unload
  std::string model;              // the model name requests address
};

class ServerLauncher {
 public:
  virtual ~ServerLauncher() = default;

  virtual std::string kind() const = 0;

  // Whether this launcher can run here (its program exists and is executable); explains why not.
  virtual bool Available(const ServerConfig& config, std::string* error) const = 0;

  // Plans a start of `config` serving only `variant` on free loopback ports. May write files
  // under `work_dir` (e.g. a derived model repository whose config.pbtxt carries the dynamic
  // batching, instance and thread settings of `config`).
  virtual bool Plan(const ServerConfig& config, const ModelVariant& variant,
                    const std::string& work_dir, LaunchPlan* plan, std::string* error) const = 0;
};

// The launcher for `kind` ("torchscript", "fastapi"), or null for an unknown kind.
// `binary_dir` is the folder of the running servebench binary (servebench-torchscript is
// next to it); `source_dir` is the source tree (servers/fastapi/launch), both resolved by the
// caller.
std::unique_ptr<ServerLauncher> NewLauncher(const std::string& kind, const std::string& binary_dir,
                                            const std::string& source_dir);

// The kinds NewLauncher knows, for error messages.
std::vector<std::string> LauncherKinds();

}  // namespace servebench

#endif  // SERVEBENCH_LIFECYCLE_SERVER_LAUNCHER_H_
