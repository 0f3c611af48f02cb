// Copyright servebench authors.
//
// The FastAPI server (servers/fastapi), the web-framework baseline. It has no dynamic batching,
// repository API or metrics endpoint; its parallelism is uvicorn worker processes, each with
// its own copy of the model and its own torch threads. It is still given a derived repository
// so that it loads only the variant under test.

#include "servebench/lifecycle/derived_repository.h"
#include "servebench/lifecycle/launchers.h"
#include "servebench/lifecycle/loopback_ports.h"

namespace servebench {

namespace {

class FastApiLauncher : public ServerLauncher {
 public:
  explicit FastApiLauncher(std::string source_dir) : source_dir_(std::move(source_dir)) {}

  std::string kind() const override { return "fastapi"; }

  bool Available(const ServerConfig& config, std::string* error) const override {
    // The launch script runs Debian's Python, the one whose torch the model zoo was built with.
    return IsExecutableFile(Program(config), error) &&
           (!config.binary.empty() || IsExecutableFile("/usr/bin/python3", error));
  }

  bool Plan(const ServerConfig& config, const ModelVariant& variant, const std::string& work_dir,
            LaunchPlan* plan, std::string* error) const override {
    if (config.workers < 1) {
      *error = "server '" + config.name + "': workers must be at least 1";
      return false;
    }
    std::string repository;
    if (!WriteDerivedRepository(config, variant, work_dir, &repository, error)) return false;
    std::vector<int> ports;
    if (!PickLoopbackPorts(1, &ports, error)) return false;
    const std::string http = std::to_string(ports[0]);
    LaunchPlan p;
    // The launch script execs Python, so the process servebench starts is the server itself.
    p.argv = {Program(config)};
    auto flag = [&p](const char* name, const std::string& value) {
      p.argv.push_back(name);
      p.argv.push_back(value);
    };
    flag("--model-repository", repository);
    flag("--http-address", "127.0.0.1");
    flag("--http-port", http);
    flag("--workers", std::to_string(config.workers));
    flag("--torch-threads", std::to_string(config.intra_op_threads));
    p.base_url = "http://127.0.0.1:" + http;
    p.model = variant.name;
    *plan = std::move(p);
    return true;
  }

 private:
  std::string Program(const ServerConfig& config) const {
    return config.binary.empty() ? source_dir_ + "/servers/fastapi/launch" : config.binary;
  }

  std::string source_dir_;
};

}  // namespace

std::unique_ptr<ServerLauncher> NewFastApiLauncher(const std::string& source_dir) {
  return std::make_unique<FastApiLauncher>(source_dir);
}

}  // namespace servebench
