// Copyright servebench authors.
//
// Reading a run folder's journal into typed records, as --resume and `servebench report` do:
// the latest record of each cell counts, and a malformed record is an error naming its line and
// field, never a crash.

#include "servebench/bench/run_journal.h"

#include <gtest/gtest.h>

#include <fstream>

#include "servebench/bench/journal.h"
#include "synthetic_records.h"

namespace servebench {
namespace {

using nlohmann::json;
using testing::MakeTempDir;

void WriteJournal(const std::string& dir, const std::vector<json>& records) {
  Journal journal;
  std::string error;
  ASSERT_TRUE(Journal::Open(dir, &journal, &error)) << error;
  for (const json& r : records) ASSERT_TRUE(journal.Append(r, &error)) << error;
}

std::vector<json> RunJournal() {
  std::vector<json> records = {testing::SyntheticRun().ToJson(),
                               EnvironmentJournalRecord(testing::SyntheticEnvironment())};
  for (const CellRecord& cell : testing::SyntheticCells()) records.push_back(cell.ToJson());
  return records;
}

TEST(RunJournalTest, ReadsTheRunTheEnvironmentAndTheLatestRecordOfEachCell) {
  const std::string dir = MakeTempDir();
  std::vector<json> records = RunJournal();
  // The failed cell measured again, now ok; and a record kind of a later version.
  CellRecord again = testing::SyntheticCells()[10];
  ASSERT_EQ(again.cell_id, "resnet18/fastapi/concurrency");
  again.status = CellStatus::kOk;
  again.failure.reset();
  again.levels.push_back(testing::SyntheticLevel(1, 0, 150'000));
  records.push_back({{"record", "note"}, {"text", "from a later servebench"}});
  records.push_back(again.ToJson());
  WriteJournal(dir, records);

  RunState state;
  std::string error;
  ASSERT_TRUE(ReadRunJournal(dir, &state, &error)) << error;
  EXPECT_EQ(state.run_dir, dir);
  EXPECT_EQ(state.run.ToJson(), testing::SyntheticRun().ToJson());
  EXPECT_EQ(state.environment, testing::SyntheticEnvironment());
  ASSERT_EQ(state.cells.size(), 12u);
  EXPECT_EQ(state.cells.back().cell_id, "resnet18/fastapi/concurrency");  // the latest, last
  EXPECT_TRUE(state.cells.back().ok());
  EXPECT_EQ(state.cells.back().levels.size(), 1u);
  EXPECT_EQ(state.ok_cells.size(), 12u);
  EXPECT_EQ(state.cells[0].ToJson(), testing::SyntheticCells()[0].ToJson());
}

TEST(RunJournalTest, AFailedCellIsNotOk) {
  const std::string dir = MakeTempDir();
  WriteJournal(dir, RunJournal());
  RunState state;
  std::string error;
  ASSERT_TRUE(ReadRunJournal(dir, &state, &error)) << error;
  EXPECT_EQ(state.cells.size(), 12u);
  EXPECT_EQ(state.ok_cells.size(), 11u);
  EXPECT_EQ(state.ok_cells.count("resnet18/fastapi/concurrency"), 0u);
}

TEST(RunJournalTest, AMalformedRecordIsAnErrorNamingTheLineAndTheField) {
  const std::string dir = MakeTempDir();
  std::vector<json> records = RunJournal();
  records[3]["levels"][0]["load"]["latency_us"]["p99"] = "slow";  // line 4: the first load cell
  WriteJournal(dir, records);
  RunState state;
  std::string error;
  EXPECT_FALSE(ReadRunJournal(dir, &state, &error));
  EXPECT_EQ(error, Journal::PathIn(dir) +
                       " line 4: cell record: levels[0].load.latency_us.p99: expected a number, "
                       "got \"slow\"");

  const std::string dir2 = MakeTempDir();
  records = RunJournal();
  records[0].erase("config");
  WriteJournal(dir2, records);
  EXPECT_FALSE(ReadRunJournal(dir2, &state, &error));
  EXPECT_EQ(error, Journal::PathIn(dir2) + " line 1: run record: config: missing");

  const std::string dir3 = MakeTempDir();
  records = RunJournal();
  records[1]["environment"] = "a machine";
  WriteJournal(dir3, records);
  EXPECT_FALSE(ReadRunJournal(dir3, &state, &error));
  EXPECT_EQ(error,
            Journal::PathIn(dir3) + " line 2: environment record: environment: expected an object");
}

TEST(RunJournalTest, AJournalWithoutARunRecordIsNotARunFolder) {
  const std::string dir = MakeTempDir();
  WriteJournal(dir, {testing::SyntheticCells()[0].ToJson()});
  RunState state;
  std::string error;
  EXPECT_FALSE(ReadRunJournal(dir, &state, &error));
  EXPECT_NE(error.find("holds no run record"), std::string::npos) << error;
  EXPECT_FALSE(ReadRunJournal(MakeTempDir(), &state, &error));  // no journal at all
  EXPECT_NE(error.find("journal.jsonl"), std::string::npos) << error;
}

}  // namespace
}  // namespace servebench
