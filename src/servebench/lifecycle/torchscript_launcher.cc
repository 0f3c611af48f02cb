// Copyright servebench authors.
//
// servebench-torchscript: the C++ KServe v2 server. It reads the derived repository's
// config.pbtxt for batching, instances and threads, loads only the variant (explicit model
// control, which also opens the repository API that cold start times model loads with), and
// listens on loopback ports of its own for REST, gRPC and Prometheus metrics.

#include "servebench/lifecycle/derived_repository.h"
#include "servebench/lifecycle/launchers.h"
#include "servebench/lifecycle/loopback_ports.h"

namespace servebench {

namespace {

class TorchScriptLauncher : public ServerLauncher {
 public:
  explicit TorchScriptLauncher(std::string binary_dir) : binary_dir_(std::move(binary_dir)) {}

  std::string kind() const override { return "torchscript"; }

  bool Available(const ServerConfig& config, std::string* error) const override {
    return IsExecutableFile(Program(config), error);
  }

  bool Plan(const ServerConfig& config, const ModelVariant& variant, const std::string& work_dir,
            LaunchPlan* plan, std::string* error) const override {
    std::string repository;
    if (!WriteDerivedRepository(config, variant, work_dir, &repository, error)) return false;
    std::vector<int> ports;
    if (!PickLoopbackPorts(3, &ports, error)) return false;
    const std::string http = std::to_string(ports[0]);
    LaunchPlan p;
    p.argv = {Program(config)};
    auto flag = [&p](const char* name, const std::string& value) {
      p.argv.push_back(name);
      p.argv.push_back(value);
    };
    flag("--model-repository", repository);
    flag("--http-address", "127.0.0.1");
    flag("--http-port", http);
    flag("--grpc-address", "127.0.0.1");
    flag("--grpc-port", std::to_string(ports[1]));
    flag("--metrics-address", "127.0.0.1");
    flag("--metrics-port", std::to_string(ports[2]));
    flag("--model-control-mode", "explicit");
    flag("--load-model", variant.name);
    p.base_url = "http://127.0.0.1:" + http;
    p.metrics_url = "http://127.0.0.1:" + std::to_string(ports[2]) + "/metrics";
    p.has_repository_api = true;
    p.model = variant.name;
    *plan = std::move(p);
    return true;
  }

 private:
  std::string Program(const ServerConfig& config) const {
    return config.binary.empty() ? binary_dir_ + "/servebench-torchscript" : config.binary;
  }

  std::string binary_dir_;
};

}  // namespace

std::unique_ptr<ServerLauncher> NewTorchScriptLauncher(const std::string& binary_dir) {
  return std::make_unique<TorchScriptLauncher>(binary_dir);
}

}  // namespace servebench
