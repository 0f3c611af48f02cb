// Copyright servebench authors.
//
// Accuracy through the real C++ server (servebench-torchscript) for every digits variant of the
// --quick zoo, which tests/models prepares (fixture zoo_quick): `servebench run` sends each
// variant's test split through the server and must count exactly the correct answers the card
// counted with torch in Python, at batch 1 and at the card's own batch of 128. The server runs
// the same TorchScript file with the same libtorch, engine and one thread, so anything but the
// same count is a bug in the server, the data, or the pass. mobilenet_v2 has no test split and
// is skipped with the reason. The two passes of a variant run on one server start: an accuracy
// cell takes the server the cell before it left running on the same server and variant.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "loopback_run.h"
#include "server_starts.h"

namespace servebench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::OnlyRunDir;
using testing::Outcome;
using testing::RunServebench;
using testing::ServerStarts;
using testing::Slurp;

TEST(AccuracyTorchscriptTest, EveryDigitsVariantAnswersAsItsCardSays) {
  const fs::path zoo = SERVEBENCH_QUICK_ZOO;
  // The digits variants: every model the zoo scored on the digits test split.
  std::map<std::string, json> cards;
  for (const auto& entry : fs::directory_iterator(zoo)) {
    if (!fs::exists(entry.path() / "card.json")) continue;
    json card = json::parse(Slurp(entry.path() / "card.json"));
    if (card["accuracy"].contains("split")) cards[entry.path().filename().string()] = card;
  }
  ASSERT_EQ(cards.size(), 13u) << "the --quick zoo has 13 digits variants";
  std::string variants;
  for (const auto& [name, card] : cards) variants += name + ", ";

  std::string pattern = ::testing::TempDir() + "servebench-accuracy-ts-XXXXXX";
  const fs::path dir = ::mkdtemp(pattern.data());
  const fs::path config = dir / "experiment.yaml";
  std::ofstream(config) << "name: accuracy\n"
                           "models:\n  repository: "
                        << zoo.string() << "\n  variants: [" << variants
                        << "mobilenet_v2]\n"
                           "servers:\n"
                           "  - name: torchscript\n    kind: torchscript\n"
                           "    binary: " SERVEBENCH_TS_SERVER_BINARY
                           "\n"
                           "scenarios:\n"
                           "  - kind: accuracy\n"
                           "  - name: accuracy-batch128\n    kind: accuracy\n    batch: 128\n";
  const Outcome run = RunServebench(dir, config);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json results = json::parse(Slurp(OnlyRunDir(dir / "runs") / "results.json"));
  ASSERT_EQ(results["cells"].size(), 2 * (cards.size() + 1));
  int measured = 0;
  std::map<std::string, std::string> logs;  // by cell id
  for (const json& cell : results["cells"]) logs[cell["cell_id"]] = cell["log"];
  for (const json& cell : results["cells"]) {
    const std::string variant = cell["variant"];
    const json& a = cell["accuracy"];
    SCOPED_TRACE(cell["cell_id"].get<std::string>() + ": " + a.dump());
    ASSERT_EQ(cell["status"], "ok") << cell["failure"].dump();
    if (variant == "mobilenet_v2") {
      EXPECT_EQ(a["status"], "skipped");
      EXPECT_NE(a["reason"].get<std::string>().find("no test data for mobilenet_v2"),
                std::string::npos);
      continue;
    }
    const json& card = cards.at(variant)["accuracy"];
    const int batch = cell["scenario"] == "accuracy" ? 1 : 128;
    EXPECT_EQ(a["status"], "measured");
    EXPECT_EQ(a["batch"], batch);
    EXPECT_EQ(a["requests"], (450 + batch - 1) / batch);
    EXPECT_EQ(a["samples"], 450);
    EXPECT_EQ(a["samples"], card["samples"]);
    EXPECT_EQ(a["correct"], card["correct"]);  // exactly, not within the one-sample tolerance
    EXPECT_EQ(a["differs_by"], 0);
    EXPECT_EQ(a["card_correct"], card["correct"]);
    EXPECT_EQ(a["warning"], nullptr);
    // The batch-128 pass comes right after the batch-1 pass on the same server and variant: it
    // takes that cell's server (ServerLeftRunning), whose output stays in that cell's log, which
    // shows one start for the two passes.
    const std::string batch1_log = logs.at(variant + "/torchscript/accuracy");
    if (batch == 128) {
      EXPECT_EQ(cell["log"], batch1_log);
    }
    EXPECT_EQ(ServerStarts(batch1_log), 1);
    ++measured;
  }
  EXPECT_EQ(measured, 26);
  EXPECT_NE(Slurp(dir / "stdout")
                .find("accuracy through the server: 26 measured, 26 within one sample of the "
                      "card, 2 skipped (no test data)"),
            std::string::npos)
      << Slurp(dir / "stdout");
  fs::remove_all(dir);
}

// An accuracy pass after an SLO search on the same server and variant takes the server the
// search left running (ServerLeftRunning), and still counts exactly the card's correct answers:
// the load before it changes nothing in what the server answers. The cold start after it takes
// the request the search learned (LearnedInferCalls) and starts the server once, for the start it
// measures. So the search's log shows one start for the search and the pass, and the cold
// start's log one.
TEST(AccuracyTorchscriptTest, APassAfterTheLoadTakesItsServerAndCountsTheSame) {
  const fs::path zoo = SERVEBENCH_QUICK_ZOO;
  const json card = json::parse(Slurp(zoo / "digits-mlp" / "card.json"));
  std::string pattern = ::testing::TempDir() + "servebench-accuracy-after-XXXXXX";
  const fs::path dir = ::mkdtemp(pattern.data());
  std::ofstream(dir / "experiment.yaml")
      << "name: after-load\n"
         "models:\n  repository: "
      << zoo.string()
      << "\n  variants: [digits-mlp]\n"
         "servers:\n"
         "  - name: torchscript\n    kind: torchscript\n"
         "    binary: " SERVEBENCH_TS_SERVER_BINARY
         "\n"
         "scenarios:\n"
         "  - {name: search, kind: rate_sweep, arrival: poisson, saturate: true, max_levels: 3}\n"
         "  - {name: accuracy, kind: accuracy}\n"
         "  - {name: cold, kind: cold_start, repeats: 1}\n"
         "measurement: {warmup: 100ms, window: 200ms, min_duration: 400ms, max_duration: 1s}\n";
  const Outcome run = RunServebench(dir, dir / "experiment.yaml");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json results = json::parse(Slurp(OnlyRunDir(dir / "runs") / "results.json"));
  ASSERT_EQ(results["cells"].size(), 3u);
  std::map<std::string, json> cells;
  for (const json& cell : results["cells"]) {
    ASSERT_EQ(cell["status"], "ok") << cell["failure"].dump();
    cells[cell["scenario"]] = cell;
  }
  EXPECT_FALSE(cells["search"]["levels"].empty());
  const json& a = cells["accuracy"]["accuracy"];
  EXPECT_EQ(a["status"], "measured") << a.dump();
  EXPECT_EQ(a["correct"], card["accuracy"]["correct"]);
  EXPECT_EQ(cells["accuracy"]["log"], cells["search"]["log"]);
  EXPECT_EQ(ServerStarts(cells["search"]["log"]), 1);
  EXPECT_EQ(ServerStarts(cells["cold"]["log"]), 1);
  EXPECT_EQ(cells["cold"]["cold_start"]["repeats"].size(), 1u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace servebench
