// Copyright servebench authors.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "servebench/bench/config.h"

namespace servebench {
namespace {

namespace fs = std::filesystem;

// A temporary folder holding a model repository, a binary folder and a source tree.
class EnvironmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("servebench_env_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "repo");
    fs::create_directories(root_ / "bin");
    fs::create_directories(root_ / "src" / "servers" / "fastapi");
  }
  void TearDown() override { fs::remove_all(root_); }

  static void Touch(const fs::path& path, bool executable = false) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << "x\n";
    if (executable) ::chmod(path.c_str(), 0755);
  }

  void AddModel(const std::string& name, bool with_model_file = true) {
    Touch(root_ / "repo" / name / "config.pbtxt");
    if (with_model_file) Touch(root_ / "repo" / name / "1" / "model.pt");
  }

  ExperimentConfig Config(const std::string& servers) {
    const std::string yaml = "models:\n  repository: " + (root_ / "repo").string() +
                             "\n  variants: [good, broken]\nservers:\n" + servers +
                             "scenarios: [{kind: cold_start}]\n";
    ExperimentConfig config;
    std::string error;
    EXPECT_TRUE(ParseConfig(yaml, "bench.yaml", root_.string(), &config, &error)) << error;
    return config;
  }

  bool Validate(const ExperimentConfig& config, std::string* error) {
    return ValidateEnvironment(config, (root_ / "bin").string(), (root_ / "src").string(), error);
  }

  fs::path root_;
};

TEST_F(EnvironmentTest, AllPresent) {
  AddModel("good");
  AddModel("broken");
  Touch(root_ / "bin" / "servebench-torchscript", true);
  std::string error;
  EXPECT_TRUE(Validate(Config("  - kind: torchscript\n"), &error)) << error;
}

TEST_F(EnvironmentTest, MissingModelFileIsNamed) {
  AddModel("good");
  AddModel("broken", /*with_model_file=*/false);
  Touch(root_ / "bin" / "servebench-torchscript", true);
  std::string error;
  EXPECT_FALSE(Validate(Config("  - kind: torchscript\n"), &error));
  const std::string dir = (root_ / "repo" / "broken").string();
  EXPECT_EQ(error, "bench.yaml:3: model 'broken': missing " + dir +
                       "/<version>/model.pt (no numeric version folder holds model.pt)");
}

TEST_F(EnvironmentTest, MissingModelFolderAndConfig) {
  Touch(root_ / "repo" / "good" / "1" / "model.pt");  // no config.pbtxt
  Touch(root_ / "bin" / "servebench-torchscript", true);
  std::string error;
  EXPECT_FALSE(Validate(Config("  - kind: torchscript\n"), &error));
  const std::string repo = (root_ / "repo").string();
  EXPECT_EQ(error, "bench.yaml:3: model 'good': missing " + repo +
                       "/good/config.pbtxt\n"
                       "bench.yaml:3: model 'broken': no folder " +
                       repo + "/broken in the repository");
}

TEST_F(EnvironmentTest, MissingServerBinaryIsNamed) {
  AddModel("good");
  AddModel("broken");
  Touch(root_ / "bin" / "servebench-torchscript");  // not executable
  std::string error;
  EXPECT_FALSE(Validate(Config("  - kind: torchscript\n  - kind: fastapi\n"), &error));
  EXPECT_EQ(error, "bench.yaml:5: server 'torchscript' (torchscript): cannot run here: " +
                       (root_ / "bin" / "servebench-torchscript").string() +
                       ": not an executable file\n"
                       "bench.yaml:6: server 'fastapi' (fastapi): cannot run here: " +
                       (root_ / "src" / "servers" / "fastapi" / "launch").string() +
                       ": No such file or directory");
}

TEST_F(EnvironmentTest, BinaryOverride) {
  AddModel("good");
  AddModel("broken");
  Touch(root_ / "tools" / "my-server", true);
  std::string error;
  EXPECT_TRUE(Validate(Config("  - kind: torchscript\n    binary: tools/my-server\n"), &error))
      << error;
  EXPECT_FALSE(Validate(Config("  - kind: torchscript\n    binary: tools/missing\n"), &error));
  EXPECT_EQ(error, "bench.yaml:5: server 'torchscript' (torchscript): cannot run here: " +
                       (root_ / "tools" / "missing").string() + ": No such file or directory");
}

TEST_F(EnvironmentTest, ExternalServersNeedNoProgram) {
  AddModel("good");
  AddModel("broken");
  std::string error;
  EXPECT_TRUE(Validate(Config("  - kind: external\n    url: http://127.0.0.1:9\n"), &error))
      << error;
}

// The default zoo does not exist before its first preparation; the runner prepares it.
TEST_F(EnvironmentTest, UnpreparedDefaultRepositoryIsNotAnError) {
  setenv("XDG_CACHE_HOME", (root_ / "cache").c_str(), 1);
  ExperimentConfig config;
  std::string error;
  ASSERT_TRUE(
      ParseConfig("models: {variants: [a]}\nservers:\n  - kind: external\n"
                  "    url: http://127.0.0.1:9\nscenarios: [{kind: cold_start}]\n",
                  "bench.yaml", "", &config, &error))
      << error;
  EXPECT_TRUE(Validate(config, &error)) << error;
  // Once prepared, its models are checked like any other's.
  fs::create_directories(root_ / "cache" / "servebench" / "models");
  EXPECT_FALSE(Validate(config, &error));
  EXPECT_EQ(error, "bench.yaml:1: model 'a': no folder " +
                       (root_ / "cache" / "servebench" / "models" / "a").string() +
                       " in the repository");
  unsetenv("XDG_CACHE_HOME");
}

// slo.families must name a family some model's card names, or one of the zoo's plan (zoo.json):
// the zoo prepares only the models a run uses, so --quick leaves resnet18's family unprepared.
TEST_F(EnvironmentTest, SloFamiliesAreThoseOfTheCardsOrOfTheZoosPlan) {
  AddModel("good");
  AddModel("broken");
  std::ofstream(root_ / "repo" / "good" / "card.json") << R"({"family": "digits-mlp"})";
  const std::string yaml = "models:\n  repository: " + (root_ / "repo").string() +
                           "\n  variants: [good]\nservers:\n  - kind: external\n"
                           "    url: http://127.0.0.1:9\nscenarios: [{kind: cold_start}]\n"
                           "slo:\n  families:\n    resnet18: {percentile: 50, bound: 500ms}\n";
  ExperimentConfig config;
  std::string error;
  ASSERT_TRUE(ParseConfig(yaml, "bench.yaml", root_.string(), &config, &error)) << error;
  EXPECT_FALSE(Validate(config, &error));
  EXPECT_EQ(error,
            "bench.yaml: slo.families: no model's card.json in the repository names the family "
            "'resnet18' (families: digits-mlp)");
  std::ofstream(root_ / "repo" / "zoo.json")
      << R"({"models": {"good": {}}, "plan": {"digits-mlp": ["good"], "resnet18": ["r"]}})";
  EXPECT_TRUE(Validate(config, &error)) << error;
}

}  // namespace
}  // namespace servebench
