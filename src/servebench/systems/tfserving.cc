// Copyright servebench authors.
//
// Kind "tfserving": TensorFlow Serving's `tensorflow_model_server`, for users who have it (it is
// not in the registries servebench installs from): found on PATH, or where `binary` says. A
// config asking for it on a machine without it is rejected up front, naming the program.
//
// The plan serves the variant's TF SavedModels: each version folder of the zoo's model may hold
// model.savedmodel/ (Triton's layout; the zoo exports the digits models so, when setup installed
// TensorFlow), and TF Serving wants <base_path>/<version>/saved_model.pb, so the plan links
// <work>/models/<name>/<version> to each. It writes:
//
//   models.config      model_config_list { config { name, base_path, model_platform } }
//   monitoring.config  prometheus_config { enable: true, path: /monitoring/prometheus/metrics }
//                      (the metrics, and the server readiness path: TF Serving has no health
//                      route)
//   batching.config    with dynamic_batching: max_batch_size, batch_timeout_micros (from
//                      max_queue_delay_us), allowed_batch_sizes (the preferred sizes and the
//                      maximum); TF Serving's defaults for the rest
//
// and starts `tensorflow_model_server --port=GRPC --rest_api_port=REST --model_config_file=...
// --monitoring_config_file=... --file_system_poll_wait_seconds=0` (versions are read once, at
// start), with --enable_batching and --batching_parameters_file under dynamic batching, and
// --tensorflow_intra_op_parallelism when intra_op_threads is given. Requests speak
// tfserving-rest (protocol_options: form, version, signature_name) on the REST port, or with
// `protocol: tfserving-grpc` TF Serving's gRPC API on the gRPC port (protocol_options: version,
// version_label, signature_name); the metrics stay on the REST port.

#include <algorithm>
#include <filesystem>

#include "servebench/lifecycle/loopback_ports.h"
#include "servebench/lifecycle/program.h"
#include "servebench/protocols/protocol_adapter.h"
#include "servebench/systems/model_config_keys.h"
#include "servebench/systems/plan_files.h"
#include "servebench/systems/protocol_keys.h"
#include "servebench/systems/serving_system.h"

namespace servebench {

namespace {

namespace fs = std::filesystem;

constexpr char kProgram[] = "tensorflow_model_server";
constexpr char kMetricsPath[] = "/monitoring/prometheus/metrics";

struct TfServingSettings : SystemSettings {
  RepositoryOverrides model_config;  // batching and intra-op threads (TF has no instances)
  bool has_intra_op_threads = false;
  std::string binary;  // empty: tensorflow_model_server on PATH
  ProtocolChoice protocol{kTfServingRest, ""};

  nlohmann::json ToJson() const override {
    nlohmann::json out = servebench::ToJson(model_config);
    if (!binary.empty()) out["binary"] = binary;
    AddProtocolJson(protocol, &out);
    return out;
  }
};

// A text-format string literal.
std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

class TfServingSystem : public ServingSystem {
 public:
  std::string kind() const override { return "tfserving"; }

  std::vector<std::string> keys() const override {
    std::vector<std::string> keys = BatchingKeys();
    keys.insert(keys.end(), {"intra_op_threads", "cpus", "binary"});
    keys.insert(keys.end(), ProtocolKeys().begin(), ProtocolKeys().end());
    return keys;
  }

  std::shared_ptr<const SystemSettings> ReadSettings(
      const Fields& fields, const std::string& base_directory) const override {
    auto settings = std::make_shared<TfServingSettings>();
    ReadBatching(fields, &settings->model_config);
    settings->has_intra_op_threads = fields.Find("intra_op_threads") != nullptr;
    ReadPositiveInt(fields, "intra_op_threads", &settings->model_config.intra_op_threads);
    settings->binary = ReadBinary(fields, base_directory);
    settings->protocol = ReadProtocol(fields, {kTfServingRest, kTfServingGrpc}, kTfServingRest);
    return settings;
  }

  bool Available(const ServerConfig& server, const SystemContext&,
                 std::string* error) const override {
    std::string program;
    return FindProgram(server, &program, error);
  }

  bool Plan(const ServerConfig& server, const ModelVariant& variant, const SystemContext&,
            const std::string& work_dir, LaunchPlan* plan, std::string* error) const override {
    const TfServingSettings& settings = SettingsOf<TfServingSettings>(server);
    std::string program;
    if (!FindProgram(server, &program, error)) return false;
    std::error_code ec;
    const fs::path work = fs::absolute(work_dir, ec);
    const fs::path original = fs::absolute(fs::path(variant.repository) / variant.name, ec);
    const fs::path base = work / "models" / variant.name;
    if (!FreshFolder(base.string(), error)) return false;
    int versions = 0;
    for (const fs::directory_entry& entry : fs::directory_iterator(original, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
      const fs::path saved = entry.path() / "model.savedmodel";
      if (!fs::is_regular_file(saved / "saved_model.pb", ec)) continue;
      if (!LinkTo(saved.string(), (base / name).string(), error)) return false;
      ++versions;
    }
    if (versions == 0) {
      *error = "model '" + variant.name + "': no TF SavedModel (<version>/model.savedmodel/" +
               "saved_model.pb) under " + original.string() +
               "; the zoo exports the digits models as SavedModels when scripts/setup has "
               "installed TensorFlow (docs/servers.md)";
      return false;
    }

    const std::string models_config = (work / "models.config").string();
    const std::string monitoring_config = (work / "monitoring.config").string();
    if (!WriteTextFile(models_config,
                       "# Written by servebench for server " + server.name +
                           ".\nmodel_config_list {\n  config {\n    name: " + Quoted(variant.name) +
                           "\n    base_path: " + Quoted(base.string()) +
                           "\n    model_platform: \"tensorflow\"\n  }\n}\n",
                       error) ||
        !WriteTextFile(
            monitoring_config,
            "prometheus_config {\n  enable: true\n  path: " + Quoted(kMetricsPath) + "\n}\n",
            error)) {
      return false;
    }

    std::vector<int> ports;
    if (!PickLoopbackPorts(2, &ports, error)) return false;
    const std::string rest = std::to_string(ports[0]);
    LaunchPlan p;
    p.argv = {program,
              "--port=" + std::to_string(ports[1]),
              "--rest_api_port=" + rest,
              "--model_config_file=" + models_config,
              "--monitoring_config_file=" + monitoring_config,
              "--file_system_poll_wait_seconds=0"};
    const RepositoryOverrides& m = settings.model_config;
    const std::string batching_config = (work / "batching.config").string();
    fs::remove(batching_config, ec);  // an earlier plan's in the same folder
    if (m.dynamic_batching) {
      if (!WriteTextFile(batching_config, BatchingConfig(m), error)) return false;
      p.argv.push_back("--enable_batching=true");
      p.argv.push_back("--batching_parameters_file=" + batching_config);
    }
    if (settings.has_intra_op_threads) {
      p.argv.push_back("--tensorflow_intra_op_parallelism=" + std::to_string(m.intra_op_threads));
    }
    p.cwd = work.string();
    p.base_url = LoopbackBaseUrl(settings.protocol.name, ports[0], ports[1]);
    p.protocol = settings.protocol.name;
    p.protocol_options = settings.protocol.options;
    p.metrics_url = "http://127.0.0.1:" + rest + kMetricsPath;  // on the REST port either way
    p.has_repository_api = false;  // TF Serving loads models through gRPC ModelService only
    p.model = variant.name;
    *plan = std::move(p);
    return true;
  }

 private:
  static bool FindProgram(const ServerConfig& server, std::string* program, std::string* error) {
    const std::string& binary = SettingsOf<TfServingSettings>(server).binary;
    if (ResolveProgram(binary.empty() ? kProgram : binary, program, error)) return true;
    *error = "TF Serving's " + std::string(kProgram) +
             " is not installed here (servebench cannot install it: give its path as `binary`, "
             "or put it on PATH): " +
             *error;
    return false;
  }

  // TF Serving's BatchingParameters, text format. allowed_batch_sizes must rise and end at
  // max_batch_size, so the maximum is appended to the preferred sizes.
  static std::string BatchingConfig(const RepositoryOverrides& m) {
    std::string text = "max_batch_size { value: " + std::to_string(m.max_batch_size) +
                       " }\nbatch_timeout_micros { value: " + std::to_string(m.max_queue_delay_us) +
                       " }\n";
    std::vector<int> sizes = m.preferred_batch_sizes;
    std::sort(sizes.begin(), sizes.end());
    sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
    if (!sizes.empty()) {
      if (sizes.back() != m.max_batch_size) sizes.push_back(m.max_batch_size);
      for (int n : sizes) text += "allowed_batch_sizes: " + std::to_string(n) + "\n";
    }
    return text;
  }
};

const ServingSystemRegistration kTfServingRegistration(std::make_unique<TfServingSystem>());

}  // namespace

}  // namespace servebench
