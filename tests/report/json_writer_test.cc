// Copyright servebench authors.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "servebench/report/recommendation.h"
#include "servebench/report/result_writer.h"
#include "synthetic_records.h"

namespace servebench {
namespace {

using nlohmann::json;
using testing::MakeTempDir;
using testing::ReadFile;

TEST(JsonWriterTest, WritesRunEnvironmentAndCellsUnchanged) {
  const std::string dir = MakeTempDir();
  const RunRecord run = testing::SyntheticRun();
  const json env = testing::SyntheticEnvironment();
  const std::vector<CellRecord> cells = testing::SyntheticCells();
  auto writer = NewJsonWriter();
  EXPECT_EQ(writer->file_name(), "results.json");
  std::string error;
  ASSERT_TRUE(writer->Write(run, env, cells, dir, &error)) << error;

  const json document = json::parse(ReadFile(dir + "/results.json"));
  EXPECT_EQ(document["run"], run.ToJson());
  EXPECT_EQ(document["environment"], env);
  EXPECT_EQ(document["recommendation"], Recommend(run, cells).ToJson());
  ASSERT_EQ(document["cells"].size(), cells.size());
  for (size_t i = 0; i < cells.size(); ++i) EXPECT_EQ(document["cells"][i], cells[i].ToJson());
  // What the file holds reads back as the same records: report and --resume depend on it.
  RunRecord run_back;
  std::string read_error;
  ASSERT_TRUE(RunRecord::FromJson(document["run"], &run_back, &read_error)) << read_error;
  EXPECT_EQ(run_back.ToJson(), run.ToJson());
  for (size_t i = 0; i < cells.size(); ++i) {
    CellRecord back;
    ASSERT_TRUE(CellRecord::FromJson(document["cells"][i], &back, &read_error)) << read_error;
    EXPECT_EQ(back.ToJson().dump(), cells[i].ToJson().dump()) << "cell " << i;
  }
  // The stable names of a load level survive as they are.
  const json& load = document["cells"][1]["levels"][0]["load"];
  for (const char* key :
       {"mode", "arrival", "target_rate", "concurrency", "connections", "duration_s", "warmup_s",
        "requests", "throughput_rps", "latency_us", "service_time_us", "generator", "histogram"}) {
    EXPECT_TRUE(load.contains(key)) << key;
  }

  // Rewriting replaces the file whole and leaves no temporary behind.
  ASSERT_TRUE(writer->Write(run, env, {cells[0]}, dir, &error)) << error;
  EXPECT_EQ(json::parse(ReadFile(dir + "/results.json"))["cells"].size(), 1u);
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST(JsonWriterTest, FailsWithAMessageWhenTheFolderIsMissing) {
  std::string error;
  EXPECT_FALSE(NewJsonWriter()->Write(testing::SyntheticRun(), json(), {},
                                      MakeTempDir() + "/missing", &error));
  EXPECT_NE(error.find("results.json"), std::string::npos) << error;
}

TEST(ResultWritersTest, AllWritersWriteTheirFiles) {
  const std::string dir = MakeTempDir();
  const auto writers = AllResultWriters();
  ASSERT_EQ(writers.size(), 4u);
  std::string error;
  for (const auto& writer : writers) {
    ASSERT_TRUE(writer->Write(testing::SyntheticRun(), testing::SyntheticEnvironment(),
                              testing::SyntheticCells(), dir, &error))
        << writer->file_name() << ": " << error;
  }
  for (const char* name : {"results.json", "results.csv", "summary.md", "report.html"}) {
    struct stat st {};
    ASSERT_EQ(::stat((dir + "/" + name).c_str(), &st), 0) << name;
    EXPECT_GT(st.st_size, 100) << name;
  }
}

}  // namespace
}  // namespace servebench
