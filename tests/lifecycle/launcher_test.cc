// Copyright servebench authors.
//
// Launch plans and the derived model repositories they write, without starting anything.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "servebench/lifecycle/derived_repository.h"
#include "servebench/lifecycle/pbtxt.h"
#include "servebench/lifecycle/server_launcher.h"
#include "temp_dir.h"

namespace servebench {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// As models/prepare.py writes them.
const char kZooConfig[] = R"(name: "digits-mlp"
platform: "pytorch_libtorch"
max_batch_size: 128
input [
  {
    name: "INPUT__0"
    data_type: TYPE_FP32
    dims: [ 64 ]
  }
]
output [
  {
    name: "OUTPUT__0"
    data_type: TYPE_FP32
    dims: [ 10 ]
  }
]
instance_group [
  {
    count: 1
    kind: KIND_CPU
  }
]
parameters {
  key: "INTRA_OP_THREAD_COUNT"
  value { string_value: "1" }
}
parameters {
  key: "QUANTIZED_ENGINE"
  value { string_value: "qnnpack" }
}
)";

// As tests/torchscript_server/make_test_models.py writes them: lists, colons before messages.
const char kCompactConfig[] = R"(name: "mlp"   # a comment
max_batch_size: 64
input [ { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 64 ] } ]
output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 10 ] } ]
parameters: { key: "INTER_OP_THREAD_COUNT" value: { string_value: "1" } }
dynamic_batching { preferred_batch_size: [ 4, 8 ] max_queue_delay_microseconds: 100 }
)";

std::string Read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

PbtxtMessage Parse(const std::string& text) {
  PbtxtMessage message;
  std::string error;
  EXPECT_TRUE(ParsePbtxt(text, &message, &error)) << error << "\n" << text;
  return message;
}

std::vector<std::string> Scalars(const PbtxtMessage& m, const std::string& name) {
  std::vector<std::string> out;
  for (const PbtxtField& f : m.fields) {
    if (f.name == name && !f.is_message) out.push_back(f.scalar);
  }
  return out;
}

int Count(const PbtxtMessage& m, const std::string& name) {
  return static_cast<int>(std::count_if(m.fields.begin(), m.fields.end(),
                                        [&](const PbtxtField& f) { return f.name == name; }));
}

// parameters[key].value.string_value, or "" when absent.
std::string Parameter(const PbtxtMessage& m, const std::string& key) {
  for (const PbtxtField& f : m.fields) {
    const PbtxtField* k = f.is_message ? f.message.Find("key") : nullptr;
    if (f.name == "parameters" && k && PbtxtUnquote(k->scalar) == key) {
      return PbtxtUnquote(f.message.Find("value")->message.Find("string_value")->scalar);
    }
  }
  return "";
}

ServerConfig Batching() {
  ServerConfig config;
  config.name = "ts-batching";
  config.kind = "torchscript";
  config.dynamic_batching = true;
  config.max_batch_size = 32;
  config.preferred_batch_sizes = {4, 8};
  config.max_queue_delay_us = 500;
  config.instances = 2;
  config.intra_op_threads = 3;
  return config;
}

TEST(PbtxtTest, ReadsBothStylesAndWritesWhatItRead) {
  for (const char* text : {kZooConfig, kCompactConfig}) {
    const PbtxtMessage m = Parse(text);
    const std::string written = WritePbtxt(m);
    EXPECT_EQ(WritePbtxt(Parse(written)), written);
  }
  const PbtxtMessage compact = Parse(kCompactConfig);
  EXPECT_EQ(PbtxtUnquote(compact.Find("name")->scalar), "mlp");
  EXPECT_EQ(compact.Find("input")->message.Find("dims")->scalar, "64");
  EXPECT_EQ(Scalars(compact.Find("dynamic_batching")->message, "preferred_batch_size"),
            (std::vector<std::string>{"4", "8"}));
  EXPECT_NE(WritePbtxt(compact).find("preferred_batch_size: [ 4, 8 ]"), std::string::npos);
  EXPECT_EQ(PbtxtUnquote(PbtxtQuote("a \"q\" \\ b")), "a \"q\" \\ b");
}

TEST(PbtxtTest, ErrorsNameLineAndColumn) {
  PbtxtMessage m;
  std::string error;
  EXPECT_FALSE(ParsePbtxt("name: \"x\"\ninput [ { name: } ]\n", &m, &error));
  EXPECT_EQ(error, "line 2:17: expected a value for 'name', found '}'");
  EXPECT_FALSE(ParsePbtxt("a {\n  b: 1\n", &m, &error));
  EXPECT_EQ(error.rfind("line 3:1: expected a field name or '}'", 0), 0u) << error;
  EXPECT_FALSE(ParsePbtxt("name: \"x\n", &m, &error));
  EXPECT_EQ(error, "line 1:7: unterminated string");
}

TEST(DerivedRepositoryTest, BatchingConfigurationRewritesTheModelConfig) {
  std::string out;
  std::string error;
  ASSERT_TRUE(RewriteModelConfig(kZooConfig, "zoo", Batching(), &out, &error)) << error;
  const PbtxtMessage m = Parse(out);
  EXPECT_EQ(Scalars(m, "max_batch_size"), std::vector<std::string>{"32"});
  ASSERT_EQ(Count(m, "dynamic_batching"), 1);
  const PbtxtMessage& batching = m.Find("dynamic_batching")->message;
  EXPECT_EQ(Scalars(batching, "preferred_batch_size"), (std::vector<std::string>{"4", "8"}));
  EXPECT_EQ(Scalars(batching, "max_queue_delay_microseconds"), std::vector<std::string>{"500"});
  ASSERT_EQ(Count(m, "instance_group"), 1);
  EXPECT_EQ(m.Find("instance_group")->message.Find("count")->scalar, "2");
  EXPECT_EQ(m.Find("instance_group")->message.Find("kind")->scalar, "KIND_CPU");
  EXPECT_EQ(Parameter(m, "INTRA_OP_THREAD_COUNT"), "3");
  EXPECT_EQ(Parameter(m, "QUANTIZED_ENGINE"), "qnnpack");  // other fields are kept
  EXPECT_EQ(Count(m, "parameters"), 2);
  EXPECT_EQ(Count(m, "input"), 1);
  EXPECT_EQ(m.Find("input")->message.Find("dims")->scalar, "64");
  // The original's order is kept: max_batch_size and the thread count where they were.
  EXPECT_EQ(m.fields[2].name, "max_batch_size");
  ASSERT_EQ(m.fields[6].name, "parameters");
  EXPECT_EQ(PbtxtUnquote(m.fields[6].message.Find("key")->scalar), "INTRA_OP_THREAD_COUNT");
}

TEST(DerivedRepositoryTest, NoBatchingRemovesTheBlockAndKeepsMaxBatchSize) {
  ServerConfig config;
  config.name = "plain";
  config.instances = 1;
  config.intra_op_threads = 2;
  std::string out;
  std::string error;
  ASSERT_TRUE(RewriteModelConfig(kCompactConfig, "compact", config, &out, &error)) << error;
  const PbtxtMessage m = Parse(out);
  EXPECT_EQ(Count(m, "dynamic_batching"), 0);
  EXPECT_EQ(Scalars(m, "max_batch_size"), std::vector<std::string>{"64"});
  EXPECT_EQ(m.Find("instance_group")->message.Find("count")->scalar, "1");
  EXPECT_EQ(Parameter(m, "INTRA_OP_THREAD_COUNT"), "2");
  EXPECT_EQ(Parameter(m, "INTER_OP_THREAD_COUNT"), "1");
}

TEST(DerivedRepositoryTest, RejectsImpossibleSettings) {
  std::string out;
  std::string error;
  const std::string unbatched = "name: \"pair\"\nmax_batch_size: 0\n";
  EXPECT_FALSE(RewriteModelConfig(unbatched, "pair", Batching(), &out, &error));
  EXPECT_NE(error.find("no batch dimension"), std::string::npos) << error;

  ServerConfig too_big = Batching();
  too_big.preferred_batch_sizes = {64};
  EXPECT_FALSE(RewriteModelConfig(kZooConfig, "zoo", too_big, &out, &error));
  EXPECT_NE(error.find("preferred batch size 64"), std::string::npos) << error;

  ServerConfig no_instances = Batching();
  no_instances.instances = 0;
  EXPECT_FALSE(RewriteModelConfig(kZooConfig, "zoo", no_instances, &out, &error));

  EXPECT_FALSE(RewriteModelConfig("name: [", "broken.pbtxt", Batching(), &out, &error));
  EXPECT_EQ(error.rfind("broken.pbtxt: line 1", 0), 0u) << error;
}

// A model folder as the zoo writes it: config, card and one version.
ModelVariant MakeModel(const TempDir& dir) {
  const fs::path model = fs::path(dir.path()) / "zoo" / "digits-mlp";
  fs::create_directories(model / "1");
  std::ofstream(model / "config.pbtxt") << kZooConfig;
  std::ofstream(model / "card.json") << "{}";
  std::ofstream(model / "1" / "model.pt") << "weights";
  return {"digits-mlp", (fs::path(dir.path()) / "zoo").string()};
}

std::string FlagValue(const std::vector<std::string>& argv, const std::string& flag) {
  const auto it = std::find(argv.begin(), argv.end(), flag);
  return it == argv.end() || it + 1 == argv.end() ? "" : *(it + 1);
}

TEST(LauncherTest, TorchScriptPlanServesOnlyTheVariantOnFreePorts) {
  TempDir dir;
  const ModelVariant variant = MakeModel(dir);
  auto launcher = NewLauncher("torchscript", "/opt/servebench/bin", dir.path());
  ASSERT_NE(launcher, nullptr);
  EXPECT_EQ(launcher->kind(), "torchscript");
  LaunchPlan plan;
  std::string error;
  const std::string work = dir.file("work");
  ASSERT_TRUE(launcher->Plan(Batching(), variant, work, &plan, &error)) << error;

  EXPECT_EQ(plan.argv[0], "/opt/servebench/bin/servebench-torchscript");
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
  EXPECT_EQ(plan.health_path, "/v2/health/ready");
  EXPECT_TRUE(plan.has_repository_api);
  EXPECT_EQ(plan.model, "digits-mlp");

  const fs::path derived = fs::path(repository) / "digits-mlp";
  std::vector<std::string> entries;
  for (const auto& e : fs::directory_iterator(fs::path(repository))) {
    entries.push_back(e.path().filename());
  }
  EXPECT_EQ(entries, std::vector<std::string>{"digits-mlp"});  // only the variant
  EXPECT_TRUE(fs::is_symlink(derived / "1"));
  EXPECT_TRUE(fs::is_symlink(derived / "card.json"));
  EXPECT_EQ(Read(derived / "1" / "model.pt"), "weights");
  EXPECT_FALSE(fs::is_symlink(derived / "config.pbtxt"));
  const PbtxtMessage m = Parse(Read(derived / "config.pbtxt"));
  EXPECT_EQ(Count(m, "dynamic_batching"), 1);
  EXPECT_EQ(Parameter(m, "INTRA_OP_THREAD_COUNT"), "3");
  // The original is untouched.
  EXPECT_EQ(Read(fs::path(variant.repository) / "digits-mlp" / "config.pbtxt"), kZooConfig);

  // Planning again replaces the derived model; without batching it has no block.
  ServerConfig plain = Batching();
  plain.dynamic_batching = false;
  ASSERT_TRUE(launcher->Plan(plain, variant, work, &plan, &error)) << error;
  EXPECT_EQ(Count(Parse(Read(derived / "config.pbtxt")), "dynamic_batching"), 0);
  EXPECT_TRUE(fs::is_symlink(derived / "1"));
}

TEST(LauncherTest, FastApiPlanPassesWorkersAndThreads) {
  TempDir dir;
  const ModelVariant variant = MakeModel(dir);
  auto launcher = NewLauncher("fastapi", dir.path(), "/src/servebench");
  ASSERT_NE(launcher, nullptr);
  ServerConfig config;
  config.name = "fastapi";
  config.kind = "fastapi";
  config.workers = 2;
  config.intra_op_threads = 4;
  config.instances = 1;
  LaunchPlan plan;
  std::string error;
  ASSERT_TRUE(launcher->Plan(config, variant, dir.file("work"), &plan, &error)) << error;
  EXPECT_EQ(plan.argv[0], "/src/servebench/servers/fastapi/launch");
  EXPECT_EQ(FlagValue(plan.argv, "--workers"), "2");
  EXPECT_EQ(FlagValue(plan.argv, "--torch-threads"), "4");
  EXPECT_EQ(FlagValue(plan.argv, "--http-address"), "127.0.0.1");
  EXPECT_EQ(plan.base_url, "http://127.0.0.1:" + FlagValue(plan.argv, "--http-port"));
  EXPECT_TRUE(plan.metrics_url.empty());
  EXPECT_FALSE(plan.has_repository_api);
  const PbtxtMessage m = Parse(
      Read(fs::path(FlagValue(plan.argv, "--model-repository")) / "digits-mlp" / "config.pbtxt"));
  EXPECT_EQ(Parameter(m, "INTRA_OP_THREAD_COUNT"), "4");
  EXPECT_EQ(Count(m, "dynamic_batching"), 0);

  config.workers = 0;
  EXPECT_FALSE(launcher->Plan(config, variant, dir.file("work"), &plan, &error));
}

TEST(LauncherTest, BinaryOverrideAndAvailability) {
  TempDir dir;
  const ModelVariant variant = MakeModel(dir);
  auto launcher = NewLauncher("torchscript", dir.path(), dir.path());
  ServerConfig config = Batching();
  std::string error;
  EXPECT_FALSE(launcher->Available(config, &error));
  EXPECT_NE(error.find("servebench-torchscript"), std::string::npos) << error;
  config.binary = "/bin/true";
  EXPECT_TRUE(launcher->Available(config, &error)) << error;
  LaunchPlan plan;
  ASSERT_TRUE(launcher->Plan(config, variant, dir.file("work"), &plan, &error)) << error;
  EXPECT_EQ(plan.argv[0], "/bin/true");

  ModelVariant missing = variant;
  missing.name = "no-such-model";
  EXPECT_FALSE(launcher->Plan(config, missing, dir.file("work"), &plan, &error));
  EXPECT_NE(error.find("no-such-model"), std::string::npos) << error;
}

TEST(LauncherTest, ExternalServerHasNoProgram) {
  auto launcher = NewLauncher("external", "", "");
  ASSERT_NE(launcher, nullptr);
  ServerConfig config;
  config.name = "triton";
  config.kind = "external";
  std::string error;
  EXPECT_FALSE(launcher->Available(config, &error));
  config.url = "http://10.0.0.5:8000/";
  EXPECT_TRUE(launcher->Available(config, &error)) << error;
  LaunchPlan plan;
  ASSERT_TRUE(launcher->Plan(config, {"resnet18", "/nowhere"}, "/nowhere", &plan, &error)) << error;
  EXPECT_TRUE(plan.argv.empty());
  EXPECT_EQ(plan.base_url, "http://10.0.0.5:8000");
  EXPECT_EQ(plan.model, "resnet18");
  EXPECT_FALSE(plan.has_repository_api);
}

TEST(LauncherTest, KindsAndUnknownKinds) {
  EXPECT_EQ(NewLauncher("triton", "", ""), nullptr);
  const std::vector<std::string> kinds = LauncherKinds();
  for (const std::string& kind : kinds) {
    auto launcher = NewLauncher(kind, "", "");
    ASSERT_NE(launcher, nullptr) << kind;
    EXPECT_EQ(launcher->kind(), kind);
  }
  EXPECT_EQ(kinds.size(), 3u);
}

}  // namespace
}  // namespace servebench
