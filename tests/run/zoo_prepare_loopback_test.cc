// Copyright servebench authors.
//
// `servebench run` on a config without a model repository, with the user's cache folder empty
// ($XDG_CACHE_HOME in a scratch folder): the run prepares the model zoo's repository there, but
// only the models its cells use (models/prepare.py --models), and a later run that uses one more
// model prepares just that one. The server is a KServe v2 server in this test process shaped like
// digits-mlp (tests/support/fake_kserve.h); the accuracy scenario sends it the test split the
// preparation wrote, so the run reads what was prepared.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "fake_kserve.h"
#include "loopback_run.h"
#include "test_http_server.h"

namespace servebench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::FakeKServe;
using testing::Outcome;
using testing::RunServebench;
using testing::Slurp;
using testing::TempDir;
using testing::TestHttpServer;

fs::path WriteConfig(const fs::path& dir, const std::string& variants, int port) {
  const fs::path path = dir / "experiment.yaml";
  std::ofstream(path) << "name: zoo-on-first-use\n"
                         "models:\n  variants: ["
                      << variants
                      << "]\n"
                         "servers:\n  - {name: fake, kind: external, url: \"http://127.0.0.1:"
                      << port
                      << "\"}\n"
                         "scenarios:\n  - kind: accuracy\n    batch: 1\n";
  return path;
}

std::set<std::string> Entries(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

std::set<std::string> IndexedModels(const fs::path& repository) {
  const json index = json::parse(Slurp(repository / "zoo.json"));
  std::set<std::string> names;
  for (const auto& [name, entry] : index["models"].items()) names.insert(name);
  return names;
}

ino_t Inode(const fs::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST(ZooPrepareRunTest, AnEmptyCachePreparesOnlyTheModelsTheCellsUse) {
  TempDir dir;
  const fs::path cache = dir.path() / "cache";
  ASSERT_EQ(::setenv("XDG_CACHE_HOME", cache.c_str(), 1), 0);
  const fs::path repository = cache / "servebench" / "models";
  std::atomic<int64_t> inferences{0};
  testing::FakeKServeOptions options;
  options.model = "digits-mlp";
  options.on_infer = [&inferences](int64_t) { ++inferences; };
  TestHttpServer server(FakeKServe(options));

  const fs::path first = dir.path() / "first";
  fs::create_directories(first);
  const Outcome o = RunServebench(first, WriteConfig(first, "digits-mlp", server.port()));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.err.find("preparing digits-mlp in the model zoo at " + repository.string()),
            std::string::npos)
      << o.err;
  // digits-mlp alone: no other family, not even digits-mlp's variants; no staging folder left.
  EXPECT_EQ(Entries(repository),
            (std::set<std::string>{".prepare.lock", "digits-mlp", "zoo.json"}));
  EXPECT_EQ(Entries(repository.parent_path()), std::set<std::string>{"models"});
  EXPECT_EQ(IndexedModels(repository), std::set<std::string>{"digits-mlp"});
  const json card = json::parse(Slurp(repository / "digits-mlp" / "card.json"));
  // The run sent the whole test split the preparation wrote, one sample a request.
  EXPECT_EQ(inferences.load(), card["accuracy"]["samples"].get<int64_t>());
  EXPECT_EQ(card["accuracy"]["samples"], 450);

  // A second run, of the int8 variant, prepares that one only, beside the base it derives from.
  const ino_t base = Inode(repository / "digits-mlp" / "1" / "model.pt");
  options.model = "digits-mlp-int8";
  TestHttpServer int8_server(FakeKServe(options));
  const fs::path second = dir.path() / "second";
  fs::create_directories(second);
  const Outcome again =
      RunServebench(second, WriteConfig(second, "digits-mlp-int8", int8_server.port()));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("preparing digits-mlp-int8 in the model zoo"), std::string::npos)
      << again.err;
  EXPECT_NE(again.err.find("digits-mlp: built 1 models"), std::string::npos) << again.err;
  EXPECT_EQ(Inode(repository / "digits-mlp" / "1" / "model.pt"), base);
  EXPECT_EQ(IndexedModels(repository), (std::set<std::string>{"digits-mlp", "digits-mlp-int8"}));
  EXPECT_EQ(inferences.load(), 2 * 450);

  // Everything there: no preparation at all.
  const fs::path third = dir.path() / "third";
  fs::create_directories(third);
  const Outcome prepared =
      RunServebench(third, WriteConfig(third, "digits-mlp, digits-mlp-int8", server.port()),
                    "--filter variant=digits-mlp");
  ASSERT_EQ(prepared.exit_code, 0) << prepared.err;
  EXPECT_EQ(prepared.err.find("preparing"), std::string::npos) << prepared.err;

  // A name the zoo does not have: refused with the zoo's names, before anything is built.
  const fs::path fourth = dir.path() / "fourth";
  fs::create_directories(fourth);
  const Outcome typo = RunServebench(fourth, WriteConfig(fourth, "digits-mlp8", server.port()));
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("no model digits-mlp8 in the zoo (models: digits-mlp, digits-mlp-int8,"),
            std::string::npos)
      << typo.err;
  EXPECT_NE(typo.err.find("servebench run: preparing the model zoo failed"), std::string::npos)
      << typo.err;
  EXPECT_EQ(IndexedModels(repository), (std::set<std::string>{"digits-mlp", "digits-mlp-int8"}));
}

}  // namespace
}  // namespace servebench
