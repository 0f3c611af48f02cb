// Copyright servebench authors.
//
// Kind "torchscript": servebench-torchscript, the C++ KServe v2 server built beside servebench.
// It reads the derived repository's config.pbtxt for batching, instances and threads, loads only
// the variant (explicit model control, which also opens the repository API that cold start
// times model loads with), and listens on loopback ports of its own for REST, gRPC and
// Prometheus metrics.

#include "servebench/lifecycle/loopback_ports.h"
#include "servebench/lifecycle/program.h"
#include "servebench/protocols/protocol_adapter.h"
#include "servebench/systems/model_config_keys.h"
#include "servebench/systems/protocol_keys.h"
#include "servebench/systems/serving_system.h"

namespace servebench {

namespace {

struct TorchScriptSettings : SystemSettings {
  RepositoryOverrides model_config;
  std::string binary;  // empty: servebench-torchscript next to servebench
  ProtocolChoice protocol{kKServeV2Rest, ""};

  nlohmann::json ToJson() const override {
    nlohmann::json out = servebench::ToJson(model_config);
    if (!binary.empty()) out["binary"] = binary;
    if (protocol.name != kKServeV2Rest) AddProtocolJson(protocol, &out);
    return out;
  }
};

class TorchScriptSystem : public ServingSystem {
 public:
  std::string kind() const override { return "torchscript"; }

  std::vector<std::string> keys() const override {
    std::vector<std::string> keys = BatchingKeys();
    keys.insert(keys.end(), {"instances", "intra_op_threads", "cpus", "binary", "protocol"});
    return keys;
  }

  std::shared_ptr<const SystemSettings> ReadSettings(
      const Fields& fields, const std::string& base_directory) const override {
    auto settings = std::make_shared<TorchScriptSettings>();
    ReadBatching(fields, &settings->model_config);
    ReadPositiveInt(fields, "instances", &settings->model_config.instances);
    ReadPositiveInt(fields, "intra_op_threads", &settings->model_config.intra_op_threads);
    settings->binary = ReadBinary(fields, base_directory);
    // KServe v2 REST with JSON tensors or with the binary tensor extension, or KServe v2 gRPC.
    settings->protocol =
        ReadProtocol(fields, {kKServeV2Rest, kKServeV2Binary, kKServeV2Grpc}, kKServeV2Rest);
    return settings;
  }

  bool Available(const ServerConfig& server, const SystemContext& context,
                 std::string* error) const override {
    std::string program;
    return ResolveProgram(Program(server, context), &program, error);
  }

  bool Plan(const ServerConfig& server, const ModelVariant& variant, const SystemContext& context,
            const std::string& work_dir, LaunchPlan* plan, std::string* error) const override {
    std::string program;
    if (!ResolveProgram(Program(server, context), &program, error)) return false;
    RepositoryOverrides model_config = Settings(server).model_config;
    model_config.server_name = server.name;
    std::string repository;
    if (!WriteDerivedRepository(model_config, variant, work_dir, &repository, error)) {
      return false;
    }
    std::vector<int> ports;
    if (!PickLoopbackPorts(3, &ports, error)) return false;
    const std::string http = std::to_string(ports[0]);
    LaunchPlan p;
    p.argv = {program};
    p.AddFlag("--model-repository", repository);
    p.AddFlag("--http-address", "127.0.0.1");
    p.AddFlag("--http-port", http);
    p.AddFlag("--grpc-address", "127.0.0.1");
    p.AddFlag("--grpc-port", std::to_string(ports[1]));
    p.AddFlag("--metrics-address", "127.0.0.1");
    p.AddFlag("--metrics-port", std::to_string(ports[2]));
    p.AddFlag("--model-control-mode", "explicit");
    p.AddFlag("--load-model", variant.name);
    p.protocol = Settings(server).protocol.name;
    p.base_url = LoopbackBaseUrl(p.protocol, ports[0], ports[1]);
    p.metrics_url = "http://127.0.0.1:" + std::to_string(ports[2]) + "/metrics";
    p.has_repository_api = true;  // over REST and gRPC alike
    p.model = variant.name;
    *plan = std::move(p);
    return true;
  }

 private:
  static const TorchScriptSettings& Settings(const ServerConfig& server) {
    return SettingsOf<TorchScriptSettings>(server);
  }

  static std::string Program(const ServerConfig& server, const SystemContext& context) {
    const std::string& binary = Settings(server).binary;
    return binary.empty() ? context.binary_dir + "/servebench-torchscript" : binary;
  }
};

const ServingSystemRegistration kTorchScriptRegistration(std::make_unique<TorchScriptSystem>());

}  // namespace

}  // namespace servebench
