// Copyright servebench authors.

#include "servebench/bench/journal.h"

#include <gtest/gtest.h>

#include <fstream>

#include "synthetic_records.h"

namespace servebench {
namespace {

using nlohmann::json;
using testing::MakeTempDir;
using testing::ReadFile;
using testing::SyntheticCells;

void AppendRaw(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << text;
}

TEST(JournalTest, AppendsOneLinePerRecordAndReadsThemBack) {
  const std::string dir = MakeTempDir();
  std::vector<json> cells;
  for (const CellRecord& cell : SyntheticCells()) cells.push_back(cell.ToJson());
  // A server log line with a newline, a quote and bytes that are not UTF-8 stays one line.
  cells[1]["failure"] = {{"message", "bad \"thing\"\nsecond line"},
                         {"exit", nullptr},
                         {"log_tail", {std::string("caf\xc3\xa9 \xff\xfe end")}}};
  {
    Journal journal;
    std::string error;
    ASSERT_TRUE(Journal::Open(dir, &journal, &error)) << error;
    for (const json& cell : cells) ASSERT_TRUE(journal.Append(cell, &error)) << error;
  }
  const std::string text = ReadFile(dir + "/journal.jsonl");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), static_cast<long>(cells.size()));

  std::vector<json> read;
  std::vector<int> lines;
  std::string error;
  ASSERT_TRUE(Journal::Read(dir, &read, &error, &lines)) << error;
  ASSERT_EQ(read.size(), cells.size());
  ASSERT_EQ(lines.size(), cells.size());
  EXPECT_EQ(lines.front(), 1);
  EXPECT_EQ(lines.back(), static_cast<int>(cells.size()));
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i == 1) continue;  // the invalid bytes were replaced
    EXPECT_EQ(read[i], cells[i]) << "record " << i;
  }
  EXPECT_EQ(read[1]["failure"]["message"], "bad \"thing\"\nsecond line");
  EXPECT_EQ(read[1]["failure"]["log_tail"][0].get<std::string>().substr(0, 6), "caf\xc3\xa9 ");
}

TEST(JournalTest, EachAppendIsOnDiskBeforeItReturns) {
  const std::string dir = MakeTempDir();
  Journal journal;
  std::string error;
  ASSERT_TRUE(Journal::Open(dir, &journal, &error)) << error;
  ASSERT_TRUE(journal.Append({{"record", "cell"}, {"cell_id", "a"}}, &error)) << error;
  // Read through a separate descriptor while the journal is still open: nothing is buffered.
  std::vector<json> read;
  ASSERT_TRUE(Journal::Read(dir, &read, &error)) << error;
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0]["cell_id"], "a");
  ASSERT_TRUE(journal.Append({{"record", "cell"}, {"cell_id", "b"}}, &error)) << error;
  ASSERT_TRUE(Journal::Read(dir, &read, &error)) << error;
  EXPECT_EQ(read.size(), 2u);
}

TEST(JournalTest, AppendWithoutOpenFailsWithAMessage) {
  Journal journal;
  std::string error;
  EXPECT_FALSE(journal.Append({{"record", "cell"}}, &error));
  EXPECT_NE(error.find("not open"), std::string::npos);
}

TEST(JournalTest, OpenFailsInAMissingFolder) {
  Journal journal;
  std::string error;
  EXPECT_FALSE(Journal::Open(MakeTempDir() + "/missing/deeper", &journal, &error));
  EXPECT_NE(error.find("journal.jsonl"), std::string::npos) << error;
}

TEST(JournalTest, TornLastLineIsIgnoredAndCutOffOnReopen) {
  const std::string dir = MakeTempDir();
  std::string error;
  {
    Journal journal;
    ASSERT_TRUE(Journal::Open(dir, &journal, &error)) << error;
    ASSERT_TRUE(journal.Append({{"cell_id", "first"}}, &error)) << error;
  }
  AppendRaw(dir + "/journal.jsonl", R"({"cell_id": "torn", "levels": [{"lev)");
  std::vector<json> read;
  ASSERT_TRUE(Journal::Read(dir, &read, &error)) << error;
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0]["cell_id"], "first");

  // Even a complete-looking object counts as torn without its newline: the runner had not
  // finished the append, so a resumed run measures that cell again.
  const std::string dir2 = MakeTempDir();
  {
    Journal journal;
    ASSERT_TRUE(Journal::Open(dir2, &journal, &error)) << error;
    ASSERT_TRUE(journal.Append({{"cell_id", "first"}}, &error)) << error;
  }
  AppendRaw(dir2 + "/journal.jsonl", "{\"cell_id\": \"unterminated\"}");
  ASSERT_TRUE(Journal::Read(dir2, &read, &error)) << error;
  EXPECT_EQ(read.size(), 1u);
  {
    // A resumed run reopens the journal: the torn tail goes, the next record gets its own line.
    Journal journal;
    ASSERT_TRUE(Journal::Open(dir2, &journal, &error)) << error;
    ASSERT_TRUE(journal.Append({{"cell_id", "second"}}, &error)) << error;
  }
  ASSERT_TRUE(Journal::Read(dir2, &read, &error)) << error;
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0]["cell_id"], "first");
  EXPECT_EQ(read[1]["cell_id"], "second");
}

TEST(JournalTest, MalformedMiddleLineIsAnErrorNamingTheLine) {
  const std::string dir = MakeTempDir();
  AppendRaw(
      dir + "/journal.jsonl",
      "{\"cell_id\": \"a\"}\n{\"cell_id\": \"b\"}\n{\"cell_id\": oops}\n{\"cell_id\": \"d\"}\n");
  std::vector<json> read;
  std::string error;
  EXPECT_FALSE(Journal::Read(dir, &read, &error));
  EXPECT_NE(error.find("line 3"), std::string::npos) << error;
  EXPECT_NE(error.find("journal.jsonl"), std::string::npos) << error;
}

TEST(JournalTest, ReadOfAMissingJournalFails) {
  std::vector<json> read;
  std::string error;
  EXPECT_FALSE(Journal::Read(MakeTempDir(), &read, &error));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace servebench
