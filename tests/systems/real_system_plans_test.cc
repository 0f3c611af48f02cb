// Copyright servebench authors.
//
// The real serving systems' kinds (triton, torchserve, mlserver) through the registry, without
// starting anything: their keys and checks, how a missing installation is reported, and the
// command line, ports, protocol and files of their plans. Their programs are stand-ins in a
// fake build tree (<bin>/venv/<system>/bin/...), the archiver one that records its arguments.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "model_fixture.h"
#include "servebench/protocols/protocol_adapter.h"
#include "servebench/systems/serving_system.h"
#include "temp_dir.h"

namespace servebench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Count;
using testing::MakeModel;
using testing::Parameter;
using testing::Parse;
using testing::Read;
using testing::TempDir;

ServerConfig ReadServer(const std::string& kind, const std::string& keys) {
  const ServingSystem* system = FindServingSystem(kind);
  EXPECT_NE(system, nullptr) << kind;
  const YAML::Node node = YAML::Load(keys);
  const Fields fields(node, "servers[0]", system->keys());
  return {kind + "-test", kind, {}, system->ReadSettings(fields, "/configs")};
}

std::string ReadError(const std::string& kind, const std::string& keys) {
  try {
    ReadServer(kind, keys);
  } catch (const ConfigError& e) {
    return FormatError("bench.yaml", e);
  }
  return "";
}

bool Has(const std::vector<std::string>& argv, const std::string& arg) {
  return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

// The value of "--flag=value" in argv, or "".
std::string EqualsFlag(const std::vector<std::string>& argv, const std::string& flag) {
  for (const std::string& a : argv) {
    if (a.rfind(flag + "=", 0) == 0) return a.substr(flag.size() + 1);
  }
  return "";
}

std::string FlagValue(const std::vector<std::string>& argv, const std::string& flag) {
  const auto it = std::find(argv.begin(), argv.end(), flag);
  return it == argv.end() || it + 1 == argv.end() ? "" : *(it + 1);
}

// key=value lines of a .properties file.
std::map<std::string, std::string> Properties(const fs::path& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

std::string PortOf(const std::string& url) {
  const size_t colon = url.rfind(':');
  return url.substr(colon + 1, url.find('/', colon) - colon - 1);
}

// A build tree and a source tree with stand-ins for what the real systems need.
class FakeInstall {
 public:
  explicit FakeInstall(const TempDir& dir)
      : bin_(fs::path(dir.path()) / "build"), source_(fs::path(dir.path()) / "src") {
    for (const char* asset : {"servers/triton/model.py", "servers/torchserve/handler.py",
                              "servers/mlserver/runtime.py"}) {
      fs::create_directories((source_ / asset).parent_path());
      std::ofstream(source_ / asset) << "# stand-in\n";
    }
  }

  SystemContext context() const { return {bin_.string(), source_.string()}; }
  fs::path venv(const std::string& system) const { return bin_ / "venv" / system; }

  // <venv>/bin/<program> running `script` (a shell script body).
  fs::path Program(const std::string& system, const std::string& program,
                   const std::string& script = "exit 0") const {
    const fs::path path = venv(system) / "bin" / program;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << "#!/bin/sh\n" << script << "\n";
    fs::permissions(path, fs::perms::owner_all);
    return path;
  }

 private:
  fs::path bin_, source_;
};

// The archiver stand-in: records its arguments one a line and writes the archive it is asked
// for (<export-path>/<model-name>.mar).
const char kArchiverScript[] = R"(for a in "$@"; do echo "$a"; done > "$0.args"
while [ $# -gt 0 ]; do
  case "$1" in
    --model-name) name="$2"; shift ;;
    --export-path) out="$2"; shift ;;
  esac
  shift
done
echo archive > "$out/$name.mar")";

// A folder on PATH with a stand-in `java`, for TorchServe's availability check.
class JavaOnPath {
 public:
  explicit JavaOnPath(const TempDir& dir) : old_(getenv("PATH")) {
    const fs::path tools = fs::path(dir.path()) / "java-bin";
    fs::create_directories(tools);
    fs::create_symlink("/bin/true", tools / "java");
    setenv("PATH", (tools.string() + ":" + old_).c_str(), 1);
  }
  ~JavaOnPath() { setenv("PATH", old_.c_str(), 1); }

 private:
  std::string old_;
};

const char kBatching[] =
    "{dynamic_batching: true, max_batch_size: 32, max_queue_delay_us: 1500, instances: 2, "
    "intra_op_threads: 3}";

TEST(RealSystemPlansTest, KindsAreRegisteredWithTheKeysEachSystemHas) {
  for (const char* kind : {"triton", "torchserve", "mlserver"}) {
    ASSERT_NE(FindServingSystem(kind), nullptr) << kind;
    const std::vector<std::string> keys = FindServingSystem(kind)->keys();
    for (const char* key : {"dynamic_batching", "max_queue_delay_us", "max_batch_size", "instances",
                            "intra_op_threads", "cpus", "binary"}) {
      EXPECT_TRUE(Has(keys, key)) << kind << " " << key;
    }
  }
  // Only Triton has preferred batch sizes.
  EXPECT_TRUE(Has(FindServingSystem("triton")->keys(), "preferred_batch_sizes"));
  for (const char* kind : {"torchserve", "mlserver"}) {
    const std::string error =
        ReadError(kind, "{dynamic_batching: true, preferred_batch_sizes: [4]}");
    EXPECT_NE(error.find("bench.yaml:1:"), std::string::npos) << error;
    EXPECT_NE(error.find("unknown key 'preferred_batch_sizes'"), std::string::npos) << error;
  }
  const json settings = ReadServer("torchserve", kBatching).settings->ToJson();
  EXPECT_EQ(settings["max_batch_size"], 32);
  EXPECT_EQ(settings["instances"], 2);
  EXPECT_FALSE(settings.contains("preferred_batch_sizes"));
  EXPECT_EQ(ReadServer("triton", "{}").settings->ToJson()["dynamic_batching"], false);
  EXPECT_NE(ReadError("triton", "{max_batch_size: 8}").find("applies only with dynamic_batching"),
            std::string::npos);

  // Settings a system would silently turn into something else are refused where they are.
  std::string error = ReadError("torchserve", "{dynamic_batching: true, max_queue_delay_us: 0}");
  EXPECT_NE(error.find("servers[0].max_queue_delay_us: must be at least 1 for torchserve"),
            std::string::npos)
      << error;
  error = ReadError("mlserver", "{dynamic_batching: true, max_queue_delay_us: 0}");
  EXPECT_NE(error.find("servers[0].max_queue_delay_us: must be at least 1 for mlserver"),
            std::string::npos)
      << error;
  error = ReadError("mlserver", "{dynamic_batching: true, max_batch_size: 1}");
  EXPECT_NE(error.find("servers[0].max_batch_size: must be at least 2 for mlserver"),
            std::string::npos)
      << error;
  EXPECT_EQ(ReadError("triton", "{dynamic_batching: true, max_queue_delay_us: 0}"), "");
}

TEST(RealSystemPlansTest, MissingInstallationNamesTheProgramAndSetupsReason) {
  TempDir dir;
  FakeInstall install(dir);
  JavaOnPath java(dir);
  const std::map<std::string, std::string> programs = {
      {"triton", "tritonserver"}, {"torchserve", "torchserve"}, {"mlserver", "mlserver"}};
  for (const auto& [kind, program] : programs) {
    const ServerConfig server = ReadServer(kind, "{}");
    std::string error;
    EXPECT_FALSE(FindServingSystem(kind)->Available(server, install.context(), &error));
    const std::string path = (install.venv(kind) / "bin" / program).string();
    EXPECT_NE(error.find(path), std::string::npos) << error;
    EXPECT_NE(error.find("installed by scripts/setup"), std::string::npos) << error;

    // What setup recorded when it could not install the system.
    fs::create_directories(install.venv(kind).parent_path());
    std::ofstream(install.venv(kind).string() + ".missing")
        << "pip could not install " << kind << ".txt (status 1)\n";
    EXPECT_FALSE(FindServingSystem(kind)->Available(server, install.context(), &error));
    EXPECT_NE(error.find(path), std::string::npos) << error;
    EXPECT_NE(error.find(kind + ".missing: pip could not install " + kind + ".txt (status 1)"),
              std::string::npos)
        << error;

    install.Program(kind, program);
    if (kind == "torchserve") {
      EXPECT_FALSE(FindServingSystem(kind)->Available(server, install.context(), &error));
      EXPECT_NE(error.find("torch-model-archiver"), std::string::npos) << error;
      install.Program(kind, "torch-model-archiver");
    }
    EXPECT_TRUE(FindServingSystem(kind)->Available(server, install.context(), &error)) << error;

    // `binary:` overrides the environment's program.
    const ServerConfig other = ReadServer(kind, "{binary: /nowhere/" + program + "}");
    EXPECT_FALSE(FindServingSystem(kind)->Available(other, install.context(), &error));
    EXPECT_NE(error.find("/nowhere/" + program), std::string::npos) << error;
  }
}

TEST(RealSystemPlansTest, TorchServeNeedsJava) {
  TempDir dir;
  FakeInstall install(dir);
  install.Program("torchserve", "torchserve");
  install.Program("torchserve", "torch-model-archiver");
  const std::string old_path = getenv("PATH");
  const fs::path empty = fs::path(dir.path()) / "empty";
  fs::create_directories(empty);
  setenv("PATH", empty.c_str(), 1);
  std::string error;
  EXPECT_FALSE(FindServingSystem("torchserve")
                   ->Available(ReadServer("torchserve", "{}"), install.context(), &error));
  setenv("PATH", old_path.c_str(), 1);
  EXPECT_NE(error.find("java: no executable of that name on PATH"), std::string::npos) << error;
  EXPECT_NE(error.find("Java 17"), std::string::npos) << error;
}

TEST(RealSystemPlansTest, TritonPlanDerivesAPythonBackendRepository) {
  TempDir dir;
  FakeInstall install(dir);
  const fs::path program = install.Program("triton", "tritonserver");
  fs::create_directories(install.venv("triton") / "backends" / "python");
  const ModelVariant variant = MakeModel(dir);
  const ServerConfig server =
      ReadServer("triton",
                 "{dynamic_batching: true, max_batch_size: 32, preferred_batch_sizes: [4, 8], "
                 "max_queue_delay_us: 1500, instances: 2, intra_op_threads: 3}");
  LaunchPlan plan;
  std::string error;
  const std::string work = dir.file("work");
  ASSERT_TRUE(
      FindServingSystem("triton")->Plan(server, variant, install.context(), work, &plan, &error))
      << error;

  EXPECT_EQ(plan.argv[0], program.string());
  const fs::path repository = EqualsFlag(plan.argv, "--model-repository");
  EXPECT_EQ(repository, fs::path(work) / "repository");
  EXPECT_TRUE(Has(plan.argv, "--model-control-mode=explicit"));
  EXPECT_TRUE(Has(plan.argv, "--load-model=digits-mlp"));
  EXPECT_TRUE(Has(plan.argv, "--strict-readiness=true"));
  EXPECT_EQ(EqualsFlag(plan.argv, "--backend-directory"),
            (install.venv("triton") / "backends").string());
  for (const char* address : {"--http-address", "--grpc-address", "--metrics-address"}) {
    EXPECT_EQ(EqualsFlag(plan.argv, address), "127.0.0.1") << address;
  }
  const std::set<std::string> ports = {EqualsFlag(plan.argv, "--http-port"),
                                       EqualsFlag(plan.argv, "--grpc-port"),
                                       EqualsFlag(plan.argv, "--metrics-port")};
  EXPECT_EQ(ports.size(), 3u);
  EXPECT_EQ(plan.base_url, "http://127.0.0.1:" + EqualsFlag(plan.argv, "--http-port"));
  EXPECT_EQ(plan.metrics_url,
            "http://127.0.0.1:" + EqualsFlag(plan.argv, "--metrics-port") + "/metrics");
  EXPECT_EQ(plan.protocol, kKServeV2Rest);
  EXPECT_TRUE(plan.has_repository_api);
  EXPECT_TRUE(plan.control_url.empty());
  EXPECT_EQ(plan.cwd, work);
  EXPECT_EQ(plan.model, "digits-mlp");

  // Only the variant; the config for the Python backend with the server's settings.
  std::vector<std::string> entries;
  for (const auto& e : fs::directory_iterator(repository)) entries.push_back(e.path().filename());
  EXPECT_EQ(entries, std::vector<std::string>{"digits-mlp"});
  const fs::path model = repository / "digits-mlp";
  const PbtxtMessage config = Parse(Read(model / "config.pbtxt"));
  EXPECT_EQ(Count(config, "platform"), 0);
  ASSERT_NE(config.Find("backend"), nullptr);
  EXPECT_EQ(config.Find("backend")->scalar, "\"python\"");
  EXPECT_EQ(config.Find("max_batch_size")->scalar, "32");
  ASSERT_NE(config.Find("dynamic_batching"), nullptr);
  EXPECT_EQ(testing::Scalars(config.Find("dynamic_batching")->message, "preferred_batch_size"),
            (std::vector<std::string>{"4", "8"}));
  EXPECT_EQ(config.Find("instance_group")->message.Find("count")->scalar, "2");
  EXPECT_EQ(Parameter(config, "INTRA_OP_THREAD_COUNT"), "3");
  EXPECT_EQ(Parameter(config, "QUANTIZED_ENGINE"), "qnnpack");
  // A real version folder (the Python backend loads model.py from it) with links inside.
  EXPECT_FALSE(fs::is_symlink(model / "1"));
  EXPECT_EQ(fs::read_symlink(model / "1" / "model.py"),
            fs::path(install.context().source_dir) / "servers/triton/model.py");
  EXPECT_EQ(Read(model / "1" / "model.pt"), "weights");
  EXPECT_TRUE(fs::is_symlink(model / "card.json"));
  EXPECT_EQ(Read(fs::path(variant.repository) / "digits-mlp" / "config.pbtxt"),
            testing::kZooConfig);

  // A model that is not TorchScript is refused naming its config.
  const fs::path onnx = fs::path(dir.path()) / "zoo" / "onnx-model";
  fs::create_directories(onnx / "1");
  std::ofstream(onnx / "config.pbtxt") << "platform: \"onnxruntime_onnx\"\nmax_batch_size: 8\n";
  std::ofstream(onnx / "1" / "model.pt") << "weights";
  EXPECT_FALSE(FindServingSystem("triton")->Plan(ReadServer("triton", "{}"),
                                                 {"onnx-model", variant.repository},
                                                 install.context(), work, &plan, &error));
  EXPECT_NE(error.find((onnx / "config.pbtxt").string() + ": platform \"onnxruntime_onnx\" is "
                                                          "not a TorchScript model"),
            std::string::npos)
      << error;
}

TEST(RealSystemPlansTest, TorchServePlanArchivesTheModelAndWritesItsConfiguration) {
  TempDir dir;
  FakeInstall install(dir);
  JavaOnPath java(dir);
  const fs::path program = install.Program("torchserve", "torchserve");
  const fs::path archiver = install.Program("torchserve", "torch-model-archiver", kArchiverScript);
  const ModelVariant variant = MakeModel(dir);
  LaunchPlan plan;
  std::string error;
  const std::string work = dir.file("work");
  ASSERT_TRUE(FindServingSystem("torchserve")
                  ->Plan(ReadServer("torchserve", kBatching), variant, install.context(), work,
                         &plan, &error))
      << error;

  const fs::path home = fs::path(work) / "torchserve";
  const fs::path zoo = fs::path(variant.repository) / "digits-mlp";
  // The archive, made in the plan from the zoo's file, the handler, the metadata and the card.
  const std::string args = Read(archiver.string() + ".args");
  const std::string expected_args =
      "--model-name\ndigits-mlp\n--version\n1\n--serialized-file\n" +
      (zoo / "1" / "model.pt").string() + "\n--handler\n" + install.context().source_dir +
      "/servers/torchserve/handler.py\n--extra-files\n" + (home / "metadata.json").string() + "," +
      (zoo / "card.json").string() + "\n--config-file\n" + (home / "model-config.yaml").string() +
      "\n--export-path\n" + (home / "store").string() + "\n--force\n";
  EXPECT_EQ(args, expected_args);
  EXPECT_EQ(Read(home / "store" / "digits-mlp.mar"), "archive\n");
  // 1500 us of batch delay is 2 ms in TorchServe's whole milliseconds.
  EXPECT_EQ(Read(home / "model-config.yaml"),
            "minWorkers: 2\nmaxWorkers: 2\nbatchSize: 32\nmaxBatchDelay: 2\n"
            "responseTimeout: 120\nhandler:\n  intra_op_threads: 3\n"
            "  quantized_engine: qnnpack\n");
  const json metadata = json::parse(Read(home / "metadata.json"));
  EXPECT_EQ(metadata["name"], "digits-mlp");
  EXPECT_EQ(metadata["inputs"],
            json::parse(R"([{"name":"INPUT__0","datatype":"FP32","shape":[-1,64]}])"));
  EXPECT_EQ(metadata["outputs"],
            json::parse(R"([{"name":"OUTPUT__0","datatype":"FP32","shape":[-1,10]}])"));

  const auto properties = Properties(home / "config.properties");
  EXPECT_EQ(properties.at("inference_address"), plan.base_url);
  EXPECT_EQ(properties.at("management_address"), plan.control_url);
  EXPECT_EQ(properties.at("metrics_address") + "/metrics", plan.metrics_url);
  const std::set<std::string> ports = {PortOf(plan.base_url), PortOf(plan.control_url),
                                       PortOf(plan.metrics_url)};
  EXPECT_EQ(ports.size(), 3u);
  EXPECT_EQ(plan.base_url.rfind("http://127.0.0.1:", 0), 0u);
  EXPECT_EQ(plan.control_url.rfind("http://127.0.0.1:", 0), 0u);
  EXPECT_EQ(properties.at("model_store"), (home / "store").string());
  EXPECT_EQ(properties.at("load_models"), "digits-mlp=digits-mlp.mar");
  EXPECT_EQ(properties.at("disable_token_authorization"), "true");
  EXPECT_EQ(properties.at("metrics_mode"), "prometheus");

  EXPECT_EQ(plan.argv[0], program.string());
  EXPECT_TRUE(Has(plan.argv, "--foreground"));
  EXPECT_EQ(FlagValue(plan.argv, "--ts-config"), (home / "config.properties").string());
  EXPECT_EQ(FlagValue(plan.argv, "--model-store"), (home / "store").string());
  EXPECT_EQ(plan.cwd, home.string());
  EXPECT_TRUE(Has(plan.env, "TMPDIR=" + (home / "tmp").string()));
  EXPECT_TRUE(Has(plan.env, "LOG_LOCATION=" + (home / "logs").string()));
  EXPECT_TRUE(fs::is_directory(home / "tmp"));
  EXPECT_EQ(plan.protocol, kTorchServeRest);
  EXPECT_TRUE(plan.has_repository_api);
  EXPECT_EQ(plan.model, "digits-mlp");

  // Without batching: one request per batch, no delay written (TorchServe's default applies).
  ASSERT_TRUE(
      FindServingSystem("torchserve")
          ->Plan(ReadServer("torchserve", "{}"), variant, install.context(), work, &plan, &error))
      << error;
  EXPECT_EQ(Read(home / "model-config.yaml").find("maxBatchDelay"), std::string::npos);
  EXPECT_NE(Read(home / "model-config.yaml").find("batchSize: 1\n"), std::string::npos);

  // An archiver that fails fails the plan, saying why.
  install.Program("torchserve", "torch-model-archiver", "echo 'no space left' >&2; exit 2");
  EXPECT_FALSE(
      FindServingSystem("torchserve")
          ->Plan(ReadServer("torchserve", "{}"), variant, install.context(), work, &plan, &error));
  EXPECT_NE(error.find("cannot make TorchServe's model archive"), std::string::npos) << error;
  EXPECT_NE(error.find("exited with status 2"), std::string::npos) << error;
  EXPECT_NE(error.find("no space left"), std::string::npos) << error;
}

// TorchServe's workers listen on Unix sockets in its temp folder, whose paths hold at most 107
// bytes: a deep work folder's temp folder is given to TorchServe by a short link to it.
TEST(RealSystemPlansTest, TorchServeWorkerSocketsFitWhateverTheWorkFolder) {
  TempDir dir;
  FakeInstall install(dir);
  JavaOnPath java(dir);
  install.Program("torchserve", "torchserve");
  install.Program("torchserve", "torch-model-archiver", kArchiverScript);
  const ModelVariant variant = MakeModel(dir);
  auto temp_folder = [&](const std::string& work) {
    LaunchPlan plan;
    std::string error;
    EXPECT_TRUE(
        FindServingSystem("torchserve")
            ->Plan(ReadServer("torchserve", "{}"), variant, install.context(), work, &plan, &error))
        << error;
    std::string tmpdir, temp;
    for (const std::string& entry : plan.env) {
      if (entry.rfind("TMPDIR=", 0) == 0) tmpdir = entry.substr(7);
      if (entry.rfind("TEMP=", 0) == 0) temp = entry.substr(5);
    }
    EXPECT_EQ(tmpdir, temp);
    return tmpdir;
  };
  const std::string shallow = dir.file("work");
  EXPECT_EQ(temp_folder(shallow), shallow + "/torchserve/tmp");
  EXPECT_FALSE(fs::is_symlink(shallow + "/torchserve/tmp"));

  // A cell's work folder as a run lays it out (RUN, then work, then CELL), with names of a real
  // run's length.
  const std::string deep = (fs::path(dir.file("run-folder-of-twenty-five")) / "work" /
                            "digits-mlp-structured50_torchserve-batching_cold")
                               .string();
  const std::string link = temp_folder(deep);
  EXPECT_LE(link.size() + std::string("/.ts.sock.65535").size(), 107u) << link;
  EXPECT_NE(link.find("servebench-torchserve-"), std::string::npos) << link;
  ASSERT_TRUE(fs::is_symlink(link)) << link;
  // What TorchServe writes there stays in the work folder.
  EXPECT_EQ(fs::read_symlink(link), fs::path(deep) / "torchserve" / "tmp");
  EXPECT_TRUE(fs::is_directory(fs::path(deep) / "torchserve" / "tmp"));
  EXPECT_EQ(temp_folder(deep), link);  // the same plan, the same link, replaced
  const std::string other = temp_folder(deep + "-other");
  EXPECT_NE(other, link);
  fs::remove(link);
  fs::remove(other);
}

TEST(RealSystemPlansTest, MlServerPlanWritesItsSettingsAndTheModelsMetadata) {
  TempDir dir;
  FakeInstall install(dir);
  const fs::path program = install.Program("mlserver", "mlserver");
  const ModelVariant variant = MakeModel(dir);
  LaunchPlan plan;
  std::string error;
  const std::string work = dir.file("work");
  ASSERT_TRUE(FindServingSystem("mlserver")
                  ->Plan(ReadServer("mlserver", kBatching), variant, install.context(), work, &plan,
                         &error))
      << error;

  const fs::path root = fs::path(work) / "mlserver";
  EXPECT_EQ(plan.argv, (std::vector<std::string>{program.string(), "start", root.string()}));
  EXPECT_EQ(plan.cwd, root.string());
  const json settings = json::parse(Read(root / "settings.json"));
  EXPECT_EQ(settings["host"], "127.0.0.1");
  EXPECT_EQ(settings["parallel_workers"], 2);
  const std::set<int> ports = {settings["http_port"].get<int>(), settings["grpc_port"].get<int>(),
                               settings["metrics_port"].get<int>()};
  EXPECT_EQ(ports.size(), 3u);
  EXPECT_EQ(plan.base_url, "http://127.0.0.1:" + settings["http_port"].dump());
  EXPECT_EQ(plan.metrics_url, "http://127.0.0.1:" + settings["metrics_port"].dump() + "/metrics");
  EXPECT_EQ(plan.protocol, kKServeV2Rest);
  EXPECT_TRUE(plan.has_repository_api);

  const json model = json::parse(Read(root / "digits-mlp" / "model-settings.json"));
  EXPECT_EQ(model["name"], "digits-mlp");
  EXPECT_EQ(model["implementation"], "runtime.TorchScriptRuntime");
  EXPECT_EQ(model["max_batch_size"], 32);
  EXPECT_DOUBLE_EQ(model["max_batch_time"].get<double>(), 0.0015);
  EXPECT_EQ(model["inputs"],
            json::parse(R"([{"name":"INPUT__0","datatype":"FP32","shape":[-1,64]}])"));
  const fs::path zoo = fs::path(variant.repository) / "digits-mlp";
  EXPECT_EQ(model["parameters"]["uri"], (zoo / "1" / "model.pt").string());
  EXPECT_EQ(model["parameters"]["version"], "1");
  EXPECT_EQ(model["parameters"]["extra"]["intra_op_threads"], 3);
  EXPECT_EQ(model["parameters"]["extra"]["card"], (zoo / "card.json").string());
  EXPECT_EQ(model["parameters"]["extra"]["quantized_engine"], "qnnpack");
  EXPECT_EQ(fs::read_symlink(root / "digits-mlp" / "runtime.py"),
            fs::path(install.context().source_dir) / "servers/mlserver/runtime.py");

  // Without batching MLServer's adaptive batching is off.
  ASSERT_TRUE(
      FindServingSystem("mlserver")
          ->Plan(ReadServer("mlserver", "{}"), variant, install.context(), work, &plan, &error))
      << error;
  EXPECT_EQ(json::parse(Read(root / "digits-mlp" / "model-settings.json"))["max_batch_size"], 0);
}

// A model without a batch dimension cannot be batched by any of them; each says so.
TEST(RealSystemPlansTest, BatchingAModelWithoutABatchDimensionIsRefused) {
  TempDir dir;
  FakeInstall install(dir);
  JavaOnPath java(dir);
  install.Program("triton", "tritonserver");
  install.Program("torchserve", "torchserve");
  install.Program("torchserve", "torch-model-archiver", kArchiverScript);
  install.Program("mlserver", "mlserver");
  const fs::path pair = fs::path(dir.path()) / "zoo" / "pair";
  fs::create_directories(pair / "1");
  std::ofstream(pair / "config.pbtxt")
      << "platform: \"pytorch_libtorch\"\nmax_batch_size: 0\n"
         "input [ { name: \"X\" data_type: TYPE_FP32 dims: [ 2, 3 ] } ]\n"
         "output [ { name: \"Y\" data_type: TYPE_FP32 dims: [ 2, 3 ] } ]\n";
  std::ofstream(pair / "1" / "model.pt") << "weights";
  for (const char* kind : {"triton", "torchserve", "mlserver"}) {
    LaunchPlan plan;
    std::string error;
    EXPECT_FALSE(FindServingSystem(kind)->Plan(ReadServer(kind, "{dynamic_batching: true}"),
                                               {"pair", (pair.parent_path()).string()},
                                               install.context(), dir.file("work"), &plan, &error))
        << kind;
    EXPECT_NE(error.find("no batch dimension (max_batch_size 0)"), std::string::npos)
        << kind << ": " << error;
    // Unbatched, the shapes have no batch dimension either.
    EXPECT_TRUE(FindServingSystem(kind)->Plan(ReadServer(kind, "{}"),
                                              {"pair", (pair.parent_path()).string()},
                                              install.context(), dir.file("work"), &plan, &error))
        << kind << ": " << error;
  }
  const json metadata =
      json::parse(Read(fs::path(dir.file("work")) / "torchserve" / "metadata.json"));
  EXPECT_EQ(metadata["inputs"][0]["shape"], json({2, 3}));
}

}  // namespace
}  // namespace servebench
