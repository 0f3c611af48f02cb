// Copyright servebench authors.

#include <gtest/gtest.h>

#include <sstream>

#include "servebench/report/result_writer.h"
#include "synthetic_records.h"

namespace servebench {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

TEST(TerminalSummaryTest, ServersSideBySidePerVariantInFixedWidth) {
  const std::string text =
      FormatTerminalSummary(testing::SyntheticRun(), testing::SyntheticCells());
  const std::vector<std::string> lines = Lines(text);
  ASSERT_GE(lines.size(), 14u) << text;
  EXPECT_EQ(lines[0], "digits-mlp");
  EXPECT_EQ(Words(lines[1]), (std::vector<std::string>{"server", "scenario", "p50", "ms", "p99",
                                                       "ms", "max", "thr/s", "thr@SLO/s", "cold",
                                                       "s", "CPU%", "USD/M", "levels"}));
  EXPECT_EQ(lines[2].find_first_not_of("- "), std::string::npos);  // the rule
  EXPECT_EQ(Words(lines[3]),
            (std::vector<std::string>{"torchscript", "concurrency", "0.150", "0.420", "1000", "900",
                                      "0.514", "97.5", "0.0308", "2", "ok"}));
  // Fixed width: every line of a table is as long as its rule or shorter, columns line up.
  const size_t rule = lines[2].size();
  for (size_t i = 1; i < 7; ++i) EXPECT_LE(lines[i].size(), rule) << lines[i];
  // Right-aligned numbers end where their heading ends.
  EXPECT_EQ(lines[3].find("0.0308") + 6, lines[1].find("USD/M") + 5);
  // The rate sweeps have a noisy level: marked, and the marks explained once.
  EXPECT_NE(lines[4].find("1 noisy"), std::string::npos) << lines[4];
  EXPECT_NE(text.find("noisy = steal or other processes over 10% of a core"), std::string::npos);
  EXPECT_NE(text.find("\nresnet18\n"), std::string::npos);
  EXPECT_NE(text.find("fastapi FAILED"), std::string::npos);
  EXPECT_NE(text.find("1 of 12 cells failed"), std::string::npos);
}

TEST(TerminalSummaryTest, NoCells) {
  EXPECT_EQ(FormatTerminalSummary(testing::SyntheticRun(), {}), "No cells were measured.\n");
}

TEST(TerminalSummaryTest, CountsAccuracyCellsAndPrintsEachWarning) {
  std::vector<CellRecord> cells = testing::SyntheticCells();
  for (const CellRecord& cell : testing::SyntheticAccuracyCells()) cells.push_back(cell);
  const std::string text = FormatTerminalSummary(testing::SyntheticRun(), cells);
  // The load tables are those of the run without accuracy cells: they take no row there.
  const std::string load_only =
      FormatTerminalSummary(testing::SyntheticRun(), testing::SyntheticCells());
  EXPECT_EQ(text.substr(0, text.find("accuracy through")),
            load_only.substr(0, load_only.find("1 of 12 cells failed")));
  EXPECT_NE(text.find("\naccuracy through the server: 2 measured, 1 within one sample of the "
                      "card, 1 skipped (no test data)\n"
                      "WARNING digits-mlp on fastapi: top-1 through the server 95.56% (430 of "
                      "450) differs from the card's 97.78% (440 of 450) by 10 samples: the "
                      "server changes the model's answers\n"
                      "1 of 15 cells failed"),
            std::string::npos)
      << text;
  // Only accuracy cells: no load table, but the accuracy line.
  const std::string only =
      FormatTerminalSummary(testing::SyntheticRun(), testing::SyntheticAccuracyCells());
  EXPECT_EQ(only.rfind("accuracy through the server: 2 measured", 0), 0u) << only;
}

}  // namespace
}  // namespace servebench
