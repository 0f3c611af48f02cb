// Copyright servebench authors.
//
// The serving systems servebench ships, through the registry as the config reader and the runner
// reach them: their YAML keys, their checks, their programs and the plans they make, without
// starting anything.

#include "servebench/systems/serving_system.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>

#include "model_fixture.h"
#include "servebench/protocols/protocol_adapter.h"
#include "temp_dir.h"

namespace servebench {
namespace {

namespace fs = std::filesystem;
using testing::Count;
using testing::kZooConfig;
using testing::MakeModel;
using testing::Parameter;
using testing::Parse;
using testing::Read;
using testing::TempDir;

// A server of `kind` read from the YAML map `keys` (without name and kind) as a config would.
ServerConfig ReadServer(const std::string& kind, const std::string& keys,
                        const std::string& base_directory = "/configs") {
  const ServingSystem* system = FindServingSystem(kind);
  EXPECT_NE(system, nullptr) << kind;
  const YAML::Node node = YAML::Load(keys);
  const Fields fields(node, "servers[0]", system->keys());
  return {kind + "-test", kind, {}, system->ReadSettings(fields, base_directory)};
}

// The message ReadServer's ConfigError carries, or "" when it read.
std::string ReadError(const std::string& kind, const std::string& keys) {
  try {
    ReadServer(kind, keys);
  } catch (const ConfigError& e) {
    return FormatError("bench.yaml", e);
  }
  return "";
}

std::string FlagValue(const std::vector<std::string>& argv, const std::string& flag) {
  const auto it = std::find(argv.begin(), argv.end(), flag);
  return it == argv.end() || it + 1 == argv.end() ? "" : *(it + 1);
}

const char kBatching[] = R"(
dynamic_batching: true
max_batch_size: 32
preferred_batch_sizes: [4, 8]
max_queue_delay_us: 500
instances: 2
intra_op_threads: 3
)";

TEST(ServingSystemTest, TheShippedKindsAreRegistered) {
  const std::vector<std::string> kinds = ServingSystemKinds();
  for (const char* kind : {"external", "fastapi", "torchscript"}) {
    ASSERT_NE(FindServingSystem(kind), nullptr) << kind;
    EXPECT_EQ(FindServingSystem(kind)->kind(), kind);
    EXPECT_TRUE(std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) << kind;
  }
  EXPECT_EQ(FindServingSystem("no-such-kind"), nullptr);
  EXPECT_TRUE(std::is_sorted(kinds.begin(), kinds.end()));
}

TEST(ServingSystemTest, TorchScriptPlanServesOnlyTheVariantOnFreePorts) {
  TempDir dir;
  const ModelVariant variant = MakeModel(dir);
  const ServerConfig server = ReadServer("torchscript", kBatching);
  const SystemContext context{"/opt/servebench/bin", dir.path()};
  // The program is checked when planning: a stand-in in the binary folder of this test.
  const fs::path bin = fs::path(dir.path()) / "bin";
  fs::create_directories(bin);
  fs::create_symlink("/bin/true", bin / "servebench-torchscript");
  LaunchPlan plan;
  std::string error;
  const std::string work = dir.file("work");
  EXPECT_FALSE(
      FindServingSystem("torchscript")->Plan(server, variant, context, work, &plan, &error));
  EXPECT_NE(error.find("/opt/servebench/bin/servebench-torchscript"), std::string::npos) << error;
  const SystemContext built{bin.string(), dir.path()};
  ASSERT_TRUE(FindServingSystem("torchscript")->Plan(server, variant, built, work, &plan, &error))
      << error;

  EXPECT_EQ(plan.argv[0], (bin / "servebench-torchscript").string());
  const std::string repository = FlagValue(plan.argv, "--model-repository");
  EXPECT_EQ(fs::path(repository), fs::absolute(fs::path(work) / "repository"));
  EXPECT_EQ(FlagValue(plan.argv, "--http-address"), "127.0.0.1");
  EXPECT_EQ(FlagValue(plan.argv, "--model-control-mode"), "explicit");
  EXPECT_EQ(FlagValue(plan.argv, "--load-model"), "digits-mlp");
  const std::string http = FlagValue(plan.argv, "--http-port");
  const std::string grpc = FlagValue(plan.argv, "--grpc-port");
  const std::string metrics = FlagValue(plan.argv, "--metrics-port");
  EXPECT_GT(std::stoi(http), 0);
  EXPECT_NE(http, grpc);
  EXPECT_NE(http, metrics);
  EXPECT_NE(grpc, metrics);
  EXPECT_EQ(plan.base_url, "http://127.0.0.1:" + http);
  EXPECT_EQ(plan.metrics_url, "http://127.0.0.1:" + metrics + "/metrics");
  EXPECT_EQ(plan.protocol, kKServeV2Rest);
  EXPECT_TRUE(plan.has_repository_api);
  EXPECT_EQ(plan.model, "digits-mlp");

  const fs::path derived = fs::path(repository) / "digits-mlp";
  std::vector<std::string> entries;
  for (const auto& e : fs::directory_iterator(fs::path(repository))) {
    entries.push_back(e.path().filename());
  }
  EXPECT_EQ(entries, std::vector<std::string>{"digits-mlp"});  // only the variant
  EXPECT_TRUE(fs::is_symlink(derived / "1"));
  EXPECT_EQ(Read(derived / "1" / "model.pt"), "weights");
  const PbtxtMessage m = Parse(Read(derived / "config.pbtxt"));
  EXPECT_EQ(Count(m, "dynamic_batching"), 1);
  EXPECT_EQ(Parameter(m, "INTRA_OP_THREAD_COUNT"), "3");
  EXPECT_EQ(Read(fs::path(variant.repository) / "digits-mlp" / "config.pbtxt"), kZooConfig);

  // Planning again replaces the derived model; without batching it has no block.
  const ServerConfig plain = ReadServer("torchscript", "{instances: 2}");
  ASSERT_TRUE(FindServingSystem("torchscript")->Plan(plain, variant, built, work, &plan, &error))
      << error;
  EXPECT_EQ(Count(Parse(Read(derived / "config.pbtxt")), "dynamic_batching"), 0);
}

TEST(ServingSystemTest, TorchScriptKeysAreCheckedWhereTheyAreRead) {
  EXPECT_EQ(ReadServer("torchscript", kBatching).settings->ToJson()["max_batch_size"], 32);
  EXPECT_EQ(ReadServer("torchscript", "{}").settings->ToJson()["dynamic_batching"], false);
  const std::string without_batching = ReadError("torchscript", "{max_batch_size: 8}");
  EXPECT_NE(without_batching.find("applies only with dynamic_batching: true"), std::string::npos)
      << without_batching;
  const std::string too_big = ReadError(
      "torchscript", "{dynamic_batching: true, max_batch_size: 8, preferred_batch_sizes: [16]}");
  EXPECT_NE(too_big.find("bench.yaml:1:"), std::string::npos) << too_big;
  EXPECT_NE(too_big.find("preferred_batch_sizes[0]: must be at most max_batch_size (8)"),
            std::string::npos)
      << too_big;
  EXPECT_NE(ReadError("torchscript", "{instances: 0}").find("must be at least 1"),
            std::string::npos);
}

TEST(ServingSystemTest, FastApiPlanPassesWorkersAndThreads) {
  TempDir dir;
  const ModelVariant variant = MakeModel(dir);
  const fs::path source = fs::path(dir.path()) / "src";
  fs::create_directories(source / "servers" / "fastapi");
  fs::create_symlink("/bin/true", source / "servers" / "fastapi" / "launch");
  const ServerConfig server = ReadServer("fastapi", "{workers: 2, intra_op_threads: 4}");
  const SystemContext context{dir.path(), source.string()};
  LaunchPlan plan;
  std::string error;
  ASSERT_TRUE(
      FindServingSystem("fastapi")->Plan(server, variant, context, dir.file("work"), &plan, &error))
      << error;
  EXPECT_EQ(plan.argv[0], (source / "servers" / "fastapi" / "launch").string());
  EXPECT_EQ(FlagValue(plan.argv, "--workers"), "2");
  EXPECT_EQ(FlagValue(plan.argv, "--torch-threads"), "4");
  EXPECT_EQ(FlagValue(plan.argv, "--http-address"), "127.0.0.1");
  EXPECT_EQ(plan.base_url, "http://127.0.0.1:" + FlagValue(plan.argv, "--http-port"));
  EXPECT_EQ(plan.protocol, kKServeV2Rest);
  EXPECT_TRUE(plan.metrics_url.empty());
  EXPECT_FALSE(plan.has_repository_api);
  const PbtxtMessage m = Parse(
      Read(fs::path(FlagValue(plan.argv, "--model-repository")) / "digits-mlp" / "config.pbtxt"));
  EXPECT_EQ(Parameter(m, "INTRA_OP_THREAD_COUNT"), "4");
  EXPECT_EQ(Count(m, "dynamic_batching"), 0);

  EXPECT_NE(ReadError("fastapi", "{workers: 0}").find("servers[0].workers: must be at least 1"),
            std::string::npos);
  EXPECT_NE(ReadError("fastapi", "{dynamic_batching: true}").find("unknown key"),
            std::string::npos);
}

// A bare `binary:` name is looked up on PATH by the availability check and by the plan alike
// (it once passed the check and then failed every cell, resolved against the working folder).
TEST(ServingSystemTest, BareBinaryNameIsFoundOnPathByCheckAndPlan) {
  TempDir dir;
  const ModelVariant variant = MakeModel(dir);
  const fs::path tools = fs::path(dir.path()) / "tools";
  fs::create_directories(tools);
  fs::create_symlink("/bin/true", tools / "my-torchscript-server");
  const std::string old_path = getenv("PATH");
  setenv("PATH", (tools.string() + ":" + old_path).c_str(), 1);
  const ServerConfig server = ReadServer("torchscript", "{binary: my-torchscript-server}");
  const SystemContext context{"/nowhere", "/nowhere"};
  std::string error;
  // Run from another folder, so that a lookup relative to the working folder cannot succeed.
  const fs::path cwd = fs::current_path();
  fs::current_path(dir.path());
  EXPECT_TRUE(FindServingSystem("torchscript")->Available(server, context, &error)) << error;
  LaunchPlan plan;
  EXPECT_TRUE(FindServingSystem("torchscript")
                  ->Plan(server, variant, context, dir.file("work"), &plan, &error))
      << error;
  EXPECT_EQ(plan.argv.empty() ? "" : plan.argv[0], (tools / "my-torchscript-server").string());

  const ServerConfig missing = ReadServer("torchscript", "{binary: no-such-server-program}");
  EXPECT_FALSE(FindServingSystem("torchscript")->Available(missing, context, &error));
  EXPECT_NE(error.find("no-such-server-program: no executable of that name on PATH"),
            std::string::npos)
      << error;
  fs::current_path(cwd);
  setenv("PATH", old_path.c_str(), 1);

  // A name with a folder is a path from the config's folder.
  EXPECT_EQ(
      ReadServer("torchscript", "{binary: bin/server}", "/configs").settings->ToJson()["binary"],
      "/configs/bin/server");
}

TEST(ServingSystemTest, ExternalServerHasNoProgram) {
  const ServerConfig server = ReadServer("external", "{url: 'http://127.0.0.1:8000/'}");
  const ServingSystem* external = FindServingSystem("external");
  std::string error;
  EXPECT_TRUE(external->Available(server, {}, &error)) << error;
  LaunchPlan plan;
  ASSERT_TRUE(external->Plan(server, {"resnet18", "/nowhere"}, {}, "/nowhere", &plan, &error))
      << error;
  EXPECT_TRUE(plan.argv.empty());
  EXPECT_EQ(plan.base_url, "http://127.0.0.1:8000");
  EXPECT_EQ(plan.protocol, kKServeV2Rest);
  EXPECT_EQ(plan.model, "resnet18");
  EXPECT_FALSE(plan.has_repository_api);

  EXPECT_NE(ReadError("external", "{}").find("missing required key 'url'"), std::string::npos);
  EXPECT_NE(ReadError("external", "{url: 'ftp://x'}").find("servers[0].url"), std::string::npos);
  const std::string protocol = ReadError("external", "{url: 'http://h', protocol: kserve-v2-rets}");
  EXPECT_NE(protocol.find("did you mean 'kserve-v2-rest'?"), std::string::npos) << protocol;
}

}  // namespace
}  // namespace servebench
