// Copyright servebench authors.
//
// Kind "triton": NVIDIA Triton Inference Server, the real `tritonserver` (2.51, from the
// nvidia-pytriton wheel scripts/setup installs into <build>/venv/triton), started as a Triton
// deployment starts it: plain `tritonserver --model-repository` with explicit model control.
// Triton's PyTorch (libtorch) backend is not in the registries servebench installs from, so the
// model runs on Triton's Python backend: servers/triton/model.py runs the TorchScript file with
// Debian's torch, while Triton's HTTP/gRPC front ends, scheduler, dynamic batcher, instance
// groups, statistics and metrics are its own.
//
// The plan derives a repository holding only the variant: its config.pbtxt rewritten with the
// configuration's batching, instances and threads (lifecycle/derived_repository.h) and with
// `platform: "pytorch_libtorch"` replaced by `backend: "python"`; version folders of its own
// (the Python backend loads model.py from there) linking model.py and the zoo's model.pt; the
// zoo's card linked beside.

#include <filesystem>

#include "servebench/core/file.h"
#include "servebench/lifecycle/loopback_ports.h"
#include "servebench/lifecycle/pbtxt.h"
#include "servebench/protocols/protocol_adapter.h"
#include "servebench/systems/model_config_keys.h"
#include "servebench/systems/plan_files.h"
#include "servebench/systems/protocol_keys.h"
#include "servebench/systems/serving_system.h"
#include "servebench/systems/venv_program.h"

namespace servebench {

namespace {

namespace fs = std::filesystem;

constexpr char kTritonKind[] = "triton";

struct TritonSettings : SystemSettings {
  RepositoryOverrides model_config;
  std::string binary;  // empty: <build>/venv/triton/bin/tritonserver
  ProtocolChoice protocol{kKServeV2Rest, ""};

  nlohmann::json ToJson() const override {
    nlohmann::json out = servebench::ToJson(model_config);
    if (!binary.empty()) out["binary"] = binary;
    if (protocol.name != kKServeV2Rest) AddProtocolJson(protocol, &out);
    return out;
  }
};

// The rewritten config with the TorchScript platform replaced by the Python backend, where the
// platform was.
bool ForPythonBackend(const std::string& rewritten, const std::string& origin, std::string* out,
                      std::string* error) {
  PbtxtMessage config;
  if (!ParsePbtxt(rewritten, &config, error)) {
    *error = origin + ": " + *error;
    return false;
  }
  for (const char* field : {"platform", "backend"}) {
    const PbtxtField* f = config.Find(field);
    const std::string value = f != nullptr && !f->is_message ? PbtxtUnquote(f->scalar) : "";
    if (f != nullptr && value != "pytorch_libtorch" && value != "pytorch") {
      *error = origin + ": " + field + " " + (f->is_message ? "{...}" : f->scalar) +
               " is not a TorchScript model (servebench serves TorchScript files on Triton's "
               "Python backend)";
      return false;
    }
  }
  const size_t at = std::min(config.Remove("platform"), config.Remove("backend"));
  PbtxtField backend;
  backend.name = "backend";
  backend.scalar = PbtxtQuote("python");
  config.fields.insert(config.fields.begin() + static_cast<std::ptrdiff_t>(at), backend);
  *out = "# Derived by servebench from " + origin +
         " for Triton's Python backend (servers/triton/model.py).\n" + WritePbtxt(config);
  return true;
}

class TritonSystem : public ServingSystem {
 public:
  std::string kind() const override { return kTritonKind; }

  std::vector<std::string> keys() const override {
    std::vector<std::string> keys = BatchingKeys();
    keys.insert(keys.end(), {"instances", "intra_op_threads", "cpus", "binary", "protocol"});
    return keys;
  }

  std::shared_ptr<const SystemSettings> ReadSettings(
      const Fields& fields, const std::string& base_directory) const override {
    auto settings = std::make_shared<TritonSettings>();
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
    return FindSystemProgram(Settings(server).binary, "tritonserver", context, kTritonKind,
                             &program, error);
  }

  bool Plan(const ServerConfig& server, const ModelVariant& variant, const SystemContext& context,
            const std::string& work_dir, LaunchPlan* plan, std::string* error) const override {
    const TritonSettings& settings = Settings(server);
    std::string program;
    if (!FindSystemProgram(settings.binary, "tritonserver", context, kTritonKind, &program,
                           error)) {
      return false;
    }
    std::error_code ec;
    const fs::path model_py =
        fs::absolute(fs::path(context.source_dir) / "servers/triton/model.py");
    if (!fs::is_regular_file(model_py, ec)) {
      *error = "Triton's Python-backend model " + model_py.string() + " is missing";
      return false;
    }
    const fs::path work = fs::absolute(work_dir, ec);
    const fs::path original = fs::absolute(fs::path(variant.repository) / variant.name, ec);
    const std::string origin = (original / "config.pbtxt").string();
    std::string text, rewritten, config;
    RepositoryOverrides overrides = settings.model_config;
    overrides.server_name = server.name;
    if (!ReadWholeFile(origin, &text, error) ||
        !RewriteModelConfig(text, origin, overrides, &rewritten, error) ||
        !ForPythonBackend(rewritten, origin, &config, error)) {
      return false;
    }

    const fs::path repository = work / "repository";
    const fs::path model_dir = repository / variant.name;
    if (!FreshFolder(repository.string(), error) || !FreshFolder(model_dir.string(), error) ||
        !WriteTextFile((model_dir / "config.pbtxt").string(), config, error)) {
      return false;
    }
    int versions = 0;
    for (const fs::directory_entry& entry : fs::directory_iterator(original, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      if (!fs::is_regular_file(entry.path() / "model.pt")) continue;
      const fs::path version = model_dir / name;
      if (!FreshFolder(version.string(), error) ||
          !LinkTo(model_py.string(), (version / "model.py").string(), error) ||
          !LinkTo((entry.path() / "model.pt").string(), (version / "model.pt").string(), error)) {
        return false;
      }
      ++versions;
    }
    if (versions == 0) {
      *error = "model '" + variant.name + "': no <version>/model.pt under " + original.string();
      return false;
    }
    if (fs::is_regular_file(original / "card.json", ec) &&
        !LinkTo((original / "card.json").string(), (model_dir / "card.json").string(), error)) {
      return false;
    }

    std::vector<int> ports;
    if (!PickLoopbackPorts(3, &ports, error)) return false;
    const std::string http = std::to_string(ports[0]);
    const std::string metrics = std::to_string(ports[2]);
    LaunchPlan p;
    p.argv = {program, "--model-repository=" + repository.string(), "--model-control-mode=explicit",
              "--load-model=" + variant.name, "--http-address=127.0.0.1", "--http-port=" + http,
              "--grpc-address=127.0.0.1", "--grpc-port=" + std::to_string(ports[1]),
              "--metrics-address=127.0.0.1", "--metrics-port=" + metrics,
              "--allow-gpu-metrics=false", "--allow-cpu-metrics=true",
              // Ready only once the model has loaded; a model that fails to load ends Triton.
              "--strict-readiness=true", "--exit-on-error=true"};
    // setup gathers the Python backend with the stub for Debian's Python beside the program
    // (<venv>/backends); another tritonserver uses its own default.
    const fs::path backends = fs::path(program).parent_path().parent_path() / "backends";
    if (fs::is_directory(backends, ec))
      p.argv.push_back("--backend-directory=" + backends.string());
    p.cwd = work.string();
    p.protocol = Settings(server).protocol.name;
    p.base_url = LoopbackBaseUrl(p.protocol, ports[0], ports[1]);
    p.metrics_url = "http://127.0.0.1:" + metrics + "/metrics";
    p.has_repository_api = true;
    p.model = variant.name;
    *plan = std::move(p);
    return true;
  }

 private:
  static const TritonSettings& Settings(const ServerConfig& server) {
    return SettingsOf<TritonSettings>(server);
  }
};

const ServingSystemRegistration kTritonRegistration(std::make_unique<TritonSystem>());

}  // namespace

}  // namespace servebench
