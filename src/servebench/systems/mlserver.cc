// Copyright servebench authors.
//
// Kind "mlserver": Seldon's MLServer 1.7 (scripts/setup installs it into <build>/venv/mlserver),
// a KServe v2 server, started as `mlserver start <folder>` on a folder holding its
// settings.json and one model folder. MLServer has no TorchScript runtime (its PyTorch support
// goes through MLflow), so the model's implementation is servebench's custom runtime
// (servers/mlserver/runtime.py), as MLServer's users write them; its REST and gRPC front ends,
// adaptive batching, inference worker processes and metrics are MLServer's own.
//
// Settings map onto MLServer's: instances are parallel_workers (inference worker processes, each
// with its own copy of the model), dynamic batching is adaptive batching (max_batch_size, and
// max_batch_time = max_queue_delay_us in seconds), intra_op_threads the runtime's torch threads.
// It has no preferred batch sizes.
//
// The plan writes <work>/mlserver (the server's working folder):
//   settings.json                 127.0.0.1 and three free ports, parallel_workers, the metrics
//                                 and environments folders inside <work>
//   <model>/model-settings.json   the runtime class, the TorchScript file, adaptive batching,
//                                 the runtime's settings, and the model's inputs and outputs from
//                                 its config.pbtxt, which MLServer's metadata endpoint answers
//                                 (without them its metadata has no inputs to shape a request by)
//   <model>/runtime.py            a link to servers/mlserver/runtime.py (MLServer imports the
//                                 implementation from the model's folder)

#include <filesystem>

#include "servebench/lifecycle/loopback_ports.h"
#include "servebench/protocols/protocol_adapter.h"
#include "servebench/systems/model_config_keys.h"
#include "servebench/systems/model_description.h"
#include "servebench/systems/plan_files.h"
#include "servebench/systems/protocol_keys.h"
#include "servebench/systems/serving_system.h"
#include "servebench/systems/venv_program.h"

namespace servebench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kMlServerKind[] = "mlserver";

struct MlServerSettings : SystemSettings {
  RepositoryOverrides model_config;  // batching, instances (parallel workers), threads
  std::string binary;                // empty: <build>/venv/mlserver/bin/mlserver
  ProtocolChoice protocol{kKServeV2Rest, ""};

  json ToJson() const override {
    json out = servebench::ToJson(model_config);
    out.erase("preferred_batch_sizes");  // not an MLServer setting
    if (!binary.empty()) out["binary"] = binary;
    if (protocol.name != kKServeV2Rest) AddProtocolJson(protocol, &out);
    return out;
  }
};

class MlServerSystem : public ServingSystem {
 public:
  std::string kind() const override { return kMlServerKind; }

  std::vector<std::string> keys() const override {
    return {"dynamic_batching", "max_queue_delay_us",
            "max_batch_size",   "instances",
            "intra_op_threads", "cpus",
            "binary",           "protocol"};
  }

  std::shared_ptr<const SystemSettings> ReadSettings(
      const Fields& fields, const std::string& base_directory) const override {
    auto settings = std::make_shared<MlServerSettings>();
    RepositoryOverrides& o = settings->model_config;
    ReadBatching(fields, &o);
    // MLServer turns adaptive batching off, silently, for a batch of 1 or no waiting time.
    IfPresent(fields, "max_queue_delay_us", [&](const YAML::Node& n, const std::string& p) {
      if (o.max_queue_delay_us == 0) {
        Fail(n, p, "must be at least 1 for mlserver (a max_batch_time of 0 turns batching off)");
      }
    });
    IfPresent(fields, "max_batch_size", [&](const YAML::Node& n, const std::string& p) {
      if (o.max_batch_size < 2) {
        Fail(n, p, "must be at least 2 for mlserver (it does not batch with a batch size of 1)");
      }
    });
    ReadPositiveInt(fields, "instances", &o.instances);
    ReadPositiveInt(fields, "intra_op_threads", &o.intra_op_threads);
    settings->binary = ReadBinary(fields, base_directory);
    // KServe v2 over REST (the default) or gRPC, whose service also has the repository calls.
    settings->protocol = ReadProtocol(fields, {kKServeV2Rest, kKServeV2Grpc}, kKServeV2Rest);
    return settings;
  }

  bool Available(const ServerConfig& server, const SystemContext& context,
                 std::string* error) const override {
    std::string program;
    return FindSystemProgram(Settings(server).binary, "mlserver", context, kMlServerKind, &program,
                             error);
  }

  bool Plan(const ServerConfig& server, const ModelVariant& variant, const SystemContext& context,
            const std::string& work_dir, LaunchPlan* plan, std::string* error) const override {
    const RepositoryOverrides& settings = Settings(server).model_config;
    std::string program;
    if (!FindSystemProgram(Settings(server).binary, "mlserver", context, kMlServerKind, &program,
                           error)) {
      return false;
    }
    std::error_code ec;
    const fs::path runtime =
        fs::absolute(fs::path(context.source_dir) / "servers/mlserver/runtime.py", ec);
    if (!fs::is_regular_file(runtime, ec)) {
      *error = "MLServer's runtime " + runtime.string() + " is missing";
      return false;
    }
    ModelDescription model;
    if (!DescribeModel(variant, &model, error)) return false;
    if (settings.dynamic_batching && model.max_batch_size <= 0) {
      *error = "model '" + variant.name + "': server '" + server.name +
               "' asks for dynamic batching, but the model has no batch dimension "
               "(max_batch_size 0)";
      return false;
    }

    const fs::path root = fs::absolute(fs::path(work_dir) / "mlserver", ec);
    const fs::path model_dir = root / variant.name;
    if (!FreshFolder(root.string(), error) || !FreshFolder(model_dir.string(), error)) {
      return false;
    }
    std::vector<int> ports;
    if (!PickLoopbackPorts(3, &ports, error)) return false;
    const json server_settings = {{"host", "127.0.0.1"},
                                  {"http_port", ports[0]},
                                  {"grpc_port", ports[1]},
                                  {"metrics_port", ports[2]},
                                  {"parallel_workers", settings.instances},
                                  {"load_models_at_startup", true},
                                  {"debug", false},
                                  {"model_repository_root", root.string()},
                                  {"metrics_dir", (root / ".metrics").string()},
                                  {"environments_dir", (root / ".envs").string()}};
    json extra = {{"intra_op_threads", settings.intra_op_threads}};
    if (!model.card_file.empty()) extra["card"] = model.card_file;
    if (auto it = model.parameters.find("QUANTIZED_ENGINE"); it != model.parameters.end()) {
      extra["quantized_engine"] = it->second;
    }
    // Adaptive batching is off with a max_batch_size of 0.
    const json model_settings = {
        {"name", variant.name},
        {"implementation", "runtime.TorchScriptRuntime"},
        {"max_batch_size", settings.dynamic_batching ? settings.max_batch_size : 0},
        {"max_batch_time",
         settings.dynamic_batching ? static_cast<double>(settings.max_queue_delay_us) / 1e6 : 0.0},
        {"inputs", model.metadata["inputs"]},
        {"outputs", model.metadata["outputs"]},
        {"parameters",
         {{"uri", model.model_file}, {"version", model.version}, {"extra", std::move(extra)}}}};
    if (!WriteTextFile((root / "settings.json").string(), server_settings.dump(2) + "\n", error) ||
        !WriteTextFile((model_dir / "model-settings.json").string(), model_settings.dump(2) + "\n",
                       error) ||
        !LinkTo(runtime.string(), (model_dir / "runtime.py").string(), error)) {
      return false;
    }

    LaunchPlan p;
    p.argv = {program, "start", root.string()};
    p.cwd = root.string();
    p.protocol = Settings(server).protocol.name;
    p.base_url = LoopbackBaseUrl(p.protocol, ports[0], ports[1]);
    p.metrics_url = "http://127.0.0.1:" + std::to_string(ports[2]) + "/metrics";
    p.has_repository_api = true;
    p.model = variant.name;
    *plan = std::move(p);
    return true;
  }

 private:
  static const MlServerSettings& Settings(const ServerConfig& server) {
    return SettingsOf<MlServerSettings>(server);
  }
};

const ServingSystemRegistration kMlServerRegistration(std::make_unique<MlServerSystem>());

}  // namespace

}  // namespace servebench
