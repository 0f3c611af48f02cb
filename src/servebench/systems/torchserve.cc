// Copyright servebench authors.
//
// Kind "torchserve": TorchServe 0.12 (scripts/setup installs it into <build>/venv/torchserve),
// started as its users start it: `torchserve --foreground` on a model store holding one model
// archive that torch-model-archiver made from the variant's TorchScript file and servebench's
// handler (servers/torchserve/handler.py), with a generated config.properties. The `torchserve`
// command is a Python launcher that starts the Java frontend, which starts one Python worker
// process per worker; all are in the process group servebench stops.
//
// Settings map onto TorchServe's own: instances are workers (minWorkers = maxWorkers), dynamic
// batching is its batchSize (max_batch_size) and maxBatchDelay (max_queue_delay_us, rounded up
// to whole milliseconds, TorchServe's unit), intra_op_threads the handler's torch threads. It has
// no preferred batch sizes.
//
// The plan writes, under <work>/torchserve (the server's working folder):
//   metadata.json       the model's KServe v2 metadata from its config.pbtxt, which the handler
//                       answers (protocols/torchserve_rest.cc)
//   model-config.yaml   workers, batching, handler settings
//   store/<model>.mar   the archive (torch-model-archiver runs here, in the plan, so that its
//                       time is not part of the cold start; its output in archiver.log)
//   config.properties   the three APIs on 127.0.0.1, the model store, the model loaded at start,
//                       no token authorization, the management API's model calls allowed,
//                       Prometheus metrics
//   tmp/ logs/          TorchServe's temp folder (its pid file, unpacked archive and worker
//                       sockets; TempFolder says how a deep work folder is named) and its logs

#include <cstdint>
#include <cstdio>
#include <filesystem>

#include "servebench/lifecycle/loopback_ports.h"
#include "servebench/lifecycle/program.h"
#include "servebench/lifecycle/run_program.h"
#include "servebench/protocols/protocol_adapter.h"
#include "servebench/systems/model_config_keys.h"
#include "servebench/systems/model_description.h"
#include "servebench/systems/plan_files.h"
#include "servebench/systems/serving_system.h"
#include "servebench/systems/venv_program.h"

namespace servebench {

namespace {

namespace fs = std::filesystem;

constexpr char kTorchServeKind[] = "torchserve";
constexpr char kArchiver[] = "torch-model-archiver";
// Archiving copies the TorchScript file into a zip: seconds for the largest zoo models.
constexpr int64_t kArchiverTimeoutNs = 300LL * 1000 * 1000 * 1000;

struct TorchServeSettings : SystemSettings {
  RepositoryOverrides model_config;  // batching, instances (workers), threads
  std::string binary;                // empty: <build>/venv/torchserve/bin/torchserve

  nlohmann::json ToJson() const override {
    nlohmann::json out = servebench::ToJson(model_config);
    out.erase("preferred_batch_sizes");  // not a TorchServe setting
    if (!binary.empty()) out["binary"] = binary;
    return out;
  }
};

// TorchServe's workers listen on Unix sockets in its temp folder, <tmp>/.ts.sock.<port>, and a
// socket's path may hold at most 107 bytes; a worker whose path is longer cannot bind and is
// retried forever. The temp folder is always <work>/tmp; when that is too deep, TorchServe is
// given it by a short name: a symbolic link in the system's temp folder named after the plan, so
// that what TorchServe writes (pid file, unpacked archive, sockets) stays in the work folder and
// only the link is left behind.
constexpr size_t kMaxSocketPath = 107;
constexpr size_t kSocketSuffix = sizeof("/.ts.sock.65535") - 1;

// Creates <work>/tmp and stores in *name the path TorchServe is to use for it.
bool TempFolder(const fs::path& work, fs::path* name, std::string* error) {
  const fs::path tmp = work / "tmp";
  if (!FreshFolder(tmp.string(), error)) return false;
  *name = tmp;
  if (name->string().size() + kSocketSuffix <= kMaxSocketPath) return true;
  uint64_t hash = 14695981039346656037ull;  // FNV-1a: the same link for the same plan
  for (unsigned char c : work.string()) hash = (hash ^ c) * 1099511628211ull;
  char link[64];
  std::snprintf(link, sizeof(link), "servebench-torchserve-%016llx",
                static_cast<unsigned long long>(hash));
  std::error_code ec;
  const fs::path system_tmp = fs::temp_directory_path(ec);
  for (const fs::path& base : {system_tmp, fs::path("/tmp")}) {
    if (base.empty()) continue;
    *name = base / link;
    if (name->string().size() + kSocketSuffix <= kMaxSocketPath) {
      return LinkTo(tmp.string(), name->string(), error);
    }
  }
  *error = "no name for TorchServe's temp folder " + tmp.string() +
           " that keeps its worker socket paths within " + std::to_string(kMaxSocketPath) +
           " bytes";
  return false;
}

// TorchServe's batch delay, in its whole milliseconds.
int64_t BatchDelayMs(int64_t max_queue_delay_us) { return (max_queue_delay_us + 999) / 1000; }

class TorchServeSystem : public ServingSystem {
 public:
  std::string kind() const override { return kTorchServeKind; }

  std::vector<std::string> keys() const override {
    return {"dynamic_batching",
            "max_queue_delay_us",
            "max_batch_size",
            "instances",
            "intra_op_threads",
            "cpus",
            "binary"};
  }

  std::shared_ptr<const SystemSettings> ReadSettings(
      const Fields& fields, const std::string& base_directory) const override {
    auto settings = std::make_shared<TorchServeSettings>();
    ReadBatching(fields, &settings->model_config);
    IfPresent(fields, "max_queue_delay_us", [&](const YAML::Node& n, const std::string& p) {
      // TorchServe reads a maxBatchDelay of 0 as unset and waits its default 100 ms instead.
      if (settings->model_config.max_queue_delay_us == 0) {
        Fail(n, p,
             "must be at least 1 for torchserve (its batch delay is in whole milliseconds, "
             "and 0 means its default of 100 ms)");
      }
    });
    ReadPositiveInt(fields, "instances", &settings->model_config.instances);
    ReadPositiveInt(fields, "intra_op_threads", &settings->model_config.intra_op_threads);
    settings->binary = ReadBinary(fields, base_directory);
    return settings;
  }

  bool Available(const ServerConfig& server, const SystemContext& context,
                 std::string* error) const override {
    std::string torchserve, archiver;
    return FindPrograms(server, context, &torchserve, &archiver, error);
  }

  bool Plan(const ServerConfig& server, const ModelVariant& variant, const SystemContext& context,
            const std::string& work_dir, LaunchPlan* plan, std::string* error) const override {
    const RepositoryOverrides& settings = Settings(server).model_config;
    std::string torchserve, archiver;
    if (!FindPrograms(server, context, &torchserve, &archiver, error)) return false;
    std::error_code ec;
    const fs::path handler =
        fs::absolute(fs::path(context.source_dir) / "servers/torchserve/handler.py", ec);
    if (!fs::is_regular_file(handler, ec)) {
      *error = "TorchServe's handler " + handler.string() + " is missing";
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

    const fs::path work = fs::absolute(fs::path(work_dir) / "torchserve", ec);
    const fs::path store = work / "store";
    fs::path tmp;
    if (!FreshFolder(work.string(), error) || !FreshFolder(store.string(), error) ||
        !FreshFolder((work / "logs").string(), error) || !TempFolder(work, &tmp, error)) {
      return false;
    }
    const std::string metadata = (work / "metadata.json").string();
    if (!WriteTextFile(metadata, model.metadata.dump(2) + "\n", error)) return false;

    // Plain numbers and names only, so this YAML needs no quoting.
    const int workers = settings.instances;
    std::string yaml =
        "minWorkers: " + std::to_string(workers) + "\nmaxWorkers: " + std::to_string(workers) +
        "\nbatchSize: " + std::to_string(settings.dynamic_batching ? settings.max_batch_size : 1) +
        "\n";
    if (settings.dynamic_batching) {
      yaml += "maxBatchDelay: " + std::to_string(BatchDelayMs(settings.max_queue_delay_us)) + "\n";
    }
    yaml += "responseTimeout: 120\nhandler:\n  intra_op_threads: " +
            std::to_string(settings.intra_op_threads) + "\n";
    if (auto it = model.parameters.find("QUANTIZED_ENGINE");
        it != model.parameters.end() && !it->second.empty() &&
        it->second.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") ==
            std::string::npos) {
      yaml += "  quantized_engine: " + it->second + "\n";
    }
    const std::string model_config = (work / "model-config.yaml").string();
    if (!WriteTextFile(model_config, yaml, error)) return false;

    std::string extra_files = metadata;
    if (!model.card_file.empty()) extra_files += "," + model.card_file;
    if (!RunProgram({archiver, "--model-name", variant.name, "--version", model.version,
                     "--serialized-file", model.model_file, "--handler", handler.string(),
                     "--extra-files", extra_files, "--config-file", model_config, "--export-path",
                     store.string(), "--force"},
                    {}, (work / "archiver.log").string(), kArchiverTimeoutNs, error)) {
      *error = "cannot make TorchServe's model archive: " + *error;
      return false;
    }

    std::vector<int> ports;
    if (!PickLoopbackPorts(3, &ports, error)) return false;
    const std::string inference = "http://127.0.0.1:" + std::to_string(ports[0]);
    const std::string management = "http://127.0.0.1:" + std::to_string(ports[1]);
    const std::string metrics = "http://127.0.0.1:" + std::to_string(ports[2]);
    const std::string properties = (work / "config.properties").string();
    if (!WriteTextFile(properties,
                       "inference_address=" + inference + "\nmanagement_address=" + management +
                           "\nmetrics_address=" + metrics + "\nmodel_store=" + store.string() +
                           "\nload_models=" + variant.name + "=" + variant.name + ".mar" +
                           "\ndisable_token_authorization=true\nenable_model_api=true"
                           "\nmetrics_mode=prometheus\ndefault_workers_per_model=" +
                           std::to_string(workers) + "\n",
                       error)) {
      return false;
    }

    LaunchPlan p;
    p.argv = {
        torchserve,           "--foreground", "--start",  "--ncs",         "--disable-token-auth",
        "--enable-model-api", "--ts-config",  properties, "--model-store", store.string()};
    // TorchServe refuses a second start while its pid file (in the temp folder) exists: one
    // temp folder per plan. TEMP is the frontend's, TMPDIR the launcher's and the workers'.
    const std::string logs = (work / "logs").string();
    p.env = {"TMPDIR=" + tmp.string(), "TEMP=" + tmp.string(), "LOG_LOCATION=" + logs,
             "METRICS_LOCATION=" + logs};
    p.cwd = work.string();
    p.base_url = inference;
    p.protocol = kTorchServeRest;
    p.metrics_url = metrics + "/metrics";
    p.has_repository_api = true;
    p.control_url = management;
    p.model = variant.name;
    *plan = std::move(p);
    return true;
  }

 private:
  static const TorchServeSettings& Settings(const ServerConfig& server) {
    return SettingsOf<TorchServeSettings>(server);
  }

  // torchserve, the archiver beside it, and the Java its launcher starts.
  static bool FindPrograms(const ServerConfig& server, const SystemContext& context,
                           std::string* torchserve, std::string* archiver, std::string* error) {
    const std::string& binary = Settings(server).binary;
    if (!FindSystemProgram(binary, "torchserve", context, kTorchServeKind, torchserve, error)) {
      return false;
    }
    const std::string beside = (fs::path(*torchserve).parent_path() / kArchiver).string();
    if (!FindSystemProgram(binary.empty() ? "" : beside, kArchiver, context, kTorchServeKind,
                           archiver, error)) {
      return false;
    }
    std::string java;
    if (!ResolveProgram("java", &java, error)) {
      *error += " (TorchServe's frontend needs Java 17: Debian's openjdk-17-jre-headless)";
      return false;
    }
    return true;
  }
};

const ServingSystemRegistration kTorchServeRegistration(std::make_unique<TorchServeSystem>());

}  // namespace

}  // namespace servebench
