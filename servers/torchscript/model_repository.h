// The model repository, laid out as Triton's: <root>/<model>/config.pbtxt and
// <root>/<model>/<version>/model.pt. Serves several models and all their versions at once;
// a request without a version gets the highest. Loading one model never disturbs the others.
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_REPOSITORY_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_REPOSITORY_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "model_runner.h"
#include "model_scheduler.h"
#include "model_spec.h"
#include "model_stats.h"
#include "status.h"

namespace servebench::ts {

struct ModelVersion {
  ModelSpec spec;
  int64_t version = 0;
  std::string version_name;  // decimal, as the protocols carry it
  ModelStats stats;
  std::unique_ptr<ModelScheduler> scheduler;
};

struct IndexEntry {
  std::string name;
  std::string version;  // empty when the model has none loaded
  std::string state;    // "READY" or "UNAVAILABLE"
  std::string reason;   // why it is unavailable
};

class ModelRepository {
 public:
  ModelRepository(std::filesystem::path root, RunnerFactory factory);
  ~ModelRepository();
  ModelRepository(const ModelRepository&) = delete;
  ModelRepository& operator=(const ModelRepository&) = delete;

  // Model directories under the root, sorted.
  std::vector<std::string> ListModelDirectories() const;

  // Loads (or reloads) every version of `name`. On failure the versions already serving, if
  // any, keep serving and the error is remembered for the index.
  Status Load(const std::string& name);
  Status Unload(const std::string& name);

  // `version` empty: the latest. NotFound for an unknown or unloaded model or version.
  Status Find(const std::string& name, const std::string& version,
              std::shared_ptr<ModelVersion>* found) const;
  // Loaded versions of `name`, ascending; empty when none.
  std::vector<std::shared_ptr<ModelVersion>> Versions(const std::string& name) const;
  std::vector<std::shared_ptr<ModelVersion>> AllVersions() const;
  // What a statistics request covers: every loaded version of every model when `name` is
  // empty, else the one `version` of `name`, or all its loaded versions when `version` is
  // empty. NotFound, as Find, for an unknown or unloaded model or version.
  Status Select(const std::string& name, const std::string& version,
                std::vector<std::shared_ptr<ModelVersion>>* selected) const;
  // True when `name` has a directory or has been loaded, so "not ready" differs from "unknown".
  bool Known(const std::string& name) const;
  std::vector<IndexEntry> Index() const;

  // Drains and stops every model; used at shutdown.
  void StopAll();

 private:
  struct Entry {
    std::map<int64_t, std::shared_ptr<ModelVersion>> versions;
    std::string reason;  // last load error or "unloaded"
  };

  Status LoadVersions(const std::string& name,
                      std::map<int64_t, std::shared_ptr<ModelVersion>>* versions) const;

  const std::filesystem::path root_;
  const RunnerFactory factory_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> models_;
  std::mutex load_mu_;  // one load or unload at a time
};

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_REPOSITORY_H_
