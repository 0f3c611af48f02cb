// Copyright servebench authors.
//
// The seam between servebench and the serving systems it benchmarks. One ServingSystem per kind
// ("torchscript", "fastapi", "external", ...), each in a file of its own that registers it with
// a ServingSystemRegistration at namespace scope. A kind's file owns everything about that kind:
// the YAML keys it takes and their checks, its program and how it is found, whether it can run
// here, how a start of it serving one model variant is planned, and which wire protocol its
// plan speaks. Nothing outside the kind's file names the kind: the config reader, the
// environment check and the runner find it here by the `kind` a config gives.
//
// Adding a serving system is adding one file to this folder (and its assets under servers/).

#ifndef SERVEBENCH_SYSTEMS_SERVING_SYSTEM_H_
#define SERVEBENCH_SYSTEMS_SERVING_SYSTEM_H_

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "servebench/lifecycle/launch_plan.h"
#include "servebench/lifecycle/model_variant.h"
#include "servebench/yaml/yaml_fields.h"

namespace servebench {

// The settings a kind read from its own YAML keys. Each kind defines its own subclass.
class SystemSettings {
 public:
  virtual ~SystemSettings() = default;
  // The settings under their YAML keys, defaults filled in: what a report shows of the
  // configuration, and what tests read.
  virtual nlohmann::json ToJson() const = 0;
};

// One configuration of one serving system, as a config's `servers:` list gives it.
struct ServerConfig {
  std::string name;       // unique label in reports, e.g. "torchscript-batching"
  std::string kind;       // the registered ServingSystem::kind()
  std::vector<int> cpus;  // CPU set the server is pinned to; empty: the runner's default
  std::shared_ptr<const SystemSettings> settings;  // the kind's own; never null once read
  int config_line = 0;  // the line of its entry in the experiment's YAML; 0: not from a file
};

// The settings of `server` as the kind's own type: for the kind's file, which made them.
template <typename KindSettings>
const KindSettings& SettingsOf(const ServerConfig& server) {
  return static_cast<const KindSettings&>(*server.settings);
}

// Where servebench's own parts are, for kinds whose program ships with servebench.
struct SystemContext {
  std::string binary_dir;  // the folder of the running servebench binary (the build tree)
  std::string source_dir;  // the source tree (servers/...)
};

class ServingSystem {
 public:
  virtual ~ServingSystem() = default;

  virtual std::string kind() const = 0;

  // The YAML keys this kind takes besides `name` and `kind`. A kind whose servers servebench
  // starts lists "cpus"; the config reader reads that key itself.
  virtual std::vector<std::string> keys() const = 0;

  // Reads this kind's keys from `fields` (only the keys above are present). Relative paths
  // resolve against `base_directory`. Throws ConfigError (yaml/yaml_fields.h) at the first
  // problem, with the key's position.
  virtual std::shared_ptr<const SystemSettings> ReadSettings(
      const Fields& fields, const std::string& base_directory) const = 0;

  // Whether `server` can run on this machine (its program exists and is executable); false
  // with *error naming the missing program. Asked before any cell runs.
  virtual bool Available(const ServerConfig& server, const SystemContext& context,
                         std::string* error) const = 0;

  // Plans a start of `server` serving only `variant` on free loopback ports. May write files
  // under `work_dir` (e.g. a derived model repository carrying the configuration's batching,
  // instance and thread settings). The plan names the protocol its requests use.
  virtual bool Plan(const ServerConfig& server, const ModelVariant& variant,
                    const SystemContext& context, const std::string& work_dir, LaunchPlan* plan,
                    std::string* error) const = 0;
};

// Registers `system` under its kind when constructed; one object per kind's file, at namespace
// scope. Registering a kind twice aborts at start-up (a programming error).
class ServingSystemRegistration {
 public:
  explicit ServingSystemRegistration(std::unique_ptr<ServingSystem> system);
};

// The system registered for `kind`, or null. Lives as long as the program.
const ServingSystem* FindServingSystem(const std::string& kind);

// Every registered kind, sorted: for error messages and docs.
std::vector<std::string> ServingSystemKinds();

}  // namespace servebench

#endif  // SERVEBENCH_SYSTEMS_SERVING_SYSTEM_H_
