// Copyright servebench authors.
//
// `servebench run` with an accuracy scenario, as a separate process, against a KServe v2 server
// in this test process that answers every inference with the same scores (class 4). Its top-1 is
// therefore known from the labels alone, and far from what the card claims: the run must say so
// in results.json, summary.md and on the terminal. A variant without test data is skipped with
// the reason, never sent a request, and the run still succeeds.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "fake_kserve.h"
#include "test_http_server.h"

namespace servebench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::FakeKServe;
using testing::TestHttpServer;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "servebench-accuracy-run-XXXXXX";
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string LittleEndian(uint64_t bits, int width) {
  std::string bytes;
  for (int i = 0; i < width; ++i) bytes.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  return bytes;
}

// A model folder as the zoo writes it: config, a version, and a card; with `labels`, test data
// of that many samples of 64 floats in the documented format, named by the card.
void MakeModel(const fs::path& dir, const json& accuracy, const std::vector<int64_t>& labels) {
  fs::create_directories(dir / "1");
  std::ofstream(dir / "config.pbtxt") << "name: \"" << dir.filename().string() << "\"\n";
  std::ofstream(dir / "1" / "model.pt") << "";
  json card = {{"name", dir.filename().string()}, {"accuracy", accuracy}};
  if (!labels.empty()) {
    fs::create_directories(dir / "test_data");
    std::string inputs, label_bytes;
    for (size_t i = 0; i < labels.size() * 64; ++i) {
      const float v = static_cast<float>(i % 16) / 16.0f;
      uint32_t bits;
      std::memcpy(&bits, &v, 4);
      inputs += LittleEndian(bits, 4);
    }
    for (int64_t label : labels) label_bytes += LittleEndian(static_cast<uint64_t>(label), 8);
    std::ofstream(dir / "test_data" / "inputs.f32", std::ios::binary) << inputs;
    std::ofstream(dir / "test_data" / "labels.i64", std::ios::binary) << label_bytes;
    const json header = {{"format", "servebench test data 1"},
                         {"samples", labels.size()},
                         {"inputs",
                          {{"file", "inputs.f32"},
                           {"dtype", "float32"},
                           {"byte_order", "little"},
                           {"shape", {labels.size(), 64}}}},
                         {"labels",
                          {{"file", "labels.i64"},
                           {"dtype", "int64"},
                           {"byte_order", "little"},
                           {"shape", {labels.size()}},
                           {"classes", 10}}}};
    std::ofstream(dir / "test_data" / "test_data.json") << header.dump(2);
    card["test_data"] = {{"header", "test_data/test_data.json"}, {"samples", labels.size()}};
  }
  std::ofstream(dir / "card.json") << card.dump(2);
}

TEST(AccuracyRunTest, AServerThatChangesTheAnswersGetsAWarning) {
  TempDir dir;
  const fs::path repository = dir.path() / "repository";
  // Twenty samples, eight of them labelled 4: the fake server (always class 4) gets 8 right;
  // the card says the model gets all 20.
  const std::vector<int64_t> labels = {4, 0, 4, 1, 4, 2, 4, 3, 4, 5, 4, 6, 4, 7, 4, 8, 1, 2, 3, 5};
  MakeModel(repository / "mlp", {{"top1", 1.0}, {"correct", 20}, {"samples", 20}}, labels);
  MakeModel(repository / "plain",
            {{"top1", nullptr}, {"status", "not applicable: seeded random weights"}}, {});
  std::atomic<int64_t> inferences{0};
  testing::FakeKServeOptions options;
  options.on_infer = [&inferences](int64_t) { ++inferences; };
  TestHttpServer server(FakeKServe(options));
  const fs::path config = dir.path() / "experiment.yaml";
  std::ofstream(config) << "name: accuracy\n"
                           "models:\n  repository: "
                        << repository.string()
                        << "\n  variants: [mlp, plain]\n"
                           "servers:\n  - {name: fake, kind: external, url: \"http://127.0.0.1:"
                        << server.port()
                        << "\"}\n"
                           "scenarios:\n  - kind: accuracy\n    batch: 1\n";
  const fs::path out = dir.path() / "stdout", err = dir.path() / "stderr";
  const std::string command = std::string(SERVEBENCH_BINARY) + " run " + config.string() +
                              " --out " + (dir.path() / "runs").string() + " </dev/null >" +
                              out.string() + " 2>" + err.string();
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << Slurp(err);
  // One inference per sample; none for the variant without test data.
  EXPECT_EQ(inferences.load(), 20);

  std::vector<fs::path> runs;
  for (const auto& e : fs::directory_iterator(dir.path() / "runs")) runs.push_back(e.path());
  ASSERT_EQ(runs.size(), 1u);
  const json results = json::parse(Slurp(runs[0] / "results.json"));
  ASSERT_EQ(results["cells"].size(), 2u);
  const json& measured = results["cells"][0];
  EXPECT_EQ(measured["cell_id"], "mlp/fake/accuracy");
  EXPECT_EQ(measured["scenario_kind"], "accuracy");
  EXPECT_EQ(measured["status"], "ok");
  const json& a = measured["accuracy"];
  EXPECT_EQ(a["status"], "measured");
  EXPECT_EQ(a["samples"], 20);
  EXPECT_EQ(a["correct"], 8);
  EXPECT_DOUBLE_EQ(a["top1"].get<double>(), 0.4);
  EXPECT_EQ(a["requests"], 20);
  EXPECT_EQ(a["card_correct"], 20);
  EXPECT_EQ(a["differs_by"], -12);
  ASSERT_TRUE(a["warning"].is_string()) << a.dump();
  const std::string warning = a["warning"];
  EXPECT_EQ(warning,
            "top-1 through the server 40.00% (8 of 20) differs from the card's 100.00% (20 of "
            "20) by 12 samples: the server changes the model's answers");

  const json& skipped = results["cells"][1];
  EXPECT_EQ(skipped["status"], "ok");
  EXPECT_EQ(skipped["failure"], nullptr);
  EXPECT_EQ(skipped["accuracy"]["status"], "skipped");
  EXPECT_EQ(skipped["accuracy"]["reason"],
            "no test data for plain: its card says accuracy is not applicable: seeded random "
            "weights");
  EXPECT_EQ(skipped["accuracy"]["correct"], nullptr);

  const std::string summary = Slurp(runs[0] / "summary.md");
  EXPECT_NE(summary.find("## Accuracy through the server"), std::string::npos) << summary;
  EXPECT_NE(summary.find("- **Warning:** `mlp` on `fake`: " + warning), std::string::npos)
      << summary;
  EXPECT_NE(summary.find("skipped: no test data for plain"), std::string::npos) << summary;
  const std::string terminal = Slurp(out);
  EXPECT_NE(terminal.find("accuracy through the server: 1 measured, 0 within one sample of the "
                          "card, 1 skipped (no test data)"),
            std::string::npos)
      << terminal;
  EXPECT_NE(terminal.find("WARNING mlp on fake: " + warning), std::string::npos) << terminal;
  const std::string csv = Slurp(runs[0] / "results.csv");
  EXPECT_NE(csv.find(",measured,0.4,-12,"), std::string::npos) << csv;
}

}  // namespace
}  // namespace servebench
