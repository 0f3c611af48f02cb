// Copyright servebench authors.
//
// Kind "fastapi": the FastAPI server (servers/fastapi), the web-framework baseline. It has no
// dynamic batching, repository API or metrics endpoint; its parallelism is uvicorn worker
// processes, each with its own copy of the model and its own torch threads. It is still given a
// derived repository so that it loads only the variant under test.

#include "servebench/lifecycle/loopback_ports.h"
#include "servebench/lifecycle/program.h"
#include "servebench/protocols/protocol_adapter.h"
#include "servebench/systems/model_config_keys.h"
#include "servebench/systems/serving_system.h"

namespace servebench {

namespace {

// The launch script runs Debian's Python, the one whose torch the model zoo was built with.
constexpr char kPython[] = "/usr/bin/python3";

struct FastApiSettings : SystemSettings {
  int workers = 1;           // uvicorn worker processes
  int intra_op_threads = 1;  // torch threads per worker
  std::string binary;        // empty: servers/fastapi/launch in the source tree

  nlohmann::json ToJson() const override {
    nlohmann::json out = {{"workers", workers}, {"intra_op_threads", intra_op_threads}};
    if (!binary.empty()) out["binary"] = binary;
    return out;
  }
};

class FastApiSystem : public ServingSystem {
 public:
  std::string kind() const override { return "fastapi"; }

  std::vector<std::string> keys() const override {
    return {"workers", "intra_op_threads", "cpus", "binary"};
  }

  std::shared_ptr<const SystemSettings> ReadSettings(
      const Fields& fields, const std::string& base_directory) const override {
    auto settings = std::make_shared<FastApiSettings>();
    ReadPositiveInt(fields, "workers", &settings->workers);
    ReadPositiveInt(fields, "intra_op_threads", &settings->intra_op_threads);
    settings->binary = ReadBinary(fields, base_directory);
    return settings;
  }

  bool Available(const ServerConfig& server, const SystemContext& context,
                 std::string* error) const override {
    std::string program;
    if (!ResolveProgram(Program(server, context), &program, error)) return false;
    if (!Settings(server).binary.empty() || IsExecutableFile(kPython, error)) return true;
    *error += " (the FastAPI server needs Debian's python3 with python3-fastapi, -uvicorn, -torch)";
    return false;
  }

  bool Plan(const ServerConfig& server, const ModelVariant& variant, const SystemContext& context,
            const std::string& work_dir, LaunchPlan* plan, std::string* error) const override {
    const FastApiSettings& settings = Settings(server);
    std::string program;
    if (!ResolveProgram(Program(server, context), &program, error)) return false;
    RepositoryOverrides model_config;
    model_config.server_name = server.name;
    model_config.intra_op_threads = settings.intra_op_threads;
    std::string repository;
    if (!WriteDerivedRepository(model_config, variant, work_dir, &repository, error)) {
      return false;
    }
    std::vector<int> ports;
    if (!PickLoopbackPorts(1, &ports, error)) return false;
    const std::string http = std::to_string(ports[0]);
    LaunchPlan p;
    // The launch script execs Python, so the process servebench starts is the server itself.
    p.argv = {program};
    p.AddFlag("--model-repository", repository);
    p.AddFlag("--http-address", "127.0.0.1");
    p.AddFlag("--http-port", http);
    p.AddFlag("--workers", std::to_string(settings.workers));
    p.AddFlag("--torch-threads", std::to_string(settings.intra_op_threads));
    p.base_url = "http://127.0.0.1:" + http;
    p.protocol = kKServeV2Rest;
    p.model = variant.name;
    *plan = std::move(p);
    return true;
  }

 private:
  static const FastApiSettings& Settings(const ServerConfig& server) {
    return SettingsOf<FastApiSettings>(server);
  }

  static std::string Program(const ServerConfig& server, const SystemContext& context) {
    const std::string& binary = Settings(server).binary;
    return binary.empty() ? context.source_dir + "/servers/fastapi/launch" : binary;
  }
};

const ServingSystemRegistration kFastApiRegistration(std::make_unique<FastApiSystem>());

}  // namespace

}  // namespace servebench
