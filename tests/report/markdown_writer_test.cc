// Copyright servebench authors.

#include <gtest/gtest.h>

#include <sstream>

#include "servebench/report/result_writer.h"
#include "synthetic_records.h"

namespace servebench {
namespace {

using nlohmann::json;

std::string Trim(const std::string& s) {
  const size_t begin = s.find_first_not_of(' ');
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(' ') - begin + 1);
}

// The text of the "### `title`" section under the "## heading" section.
std::string Section(const std::string& markdown, const std::string& heading,
                    const std::string& title) {
  const size_t h = markdown.find("## " + heading + "\n");
  EXPECT_NE(h, std::string::npos) << heading;
  if (h == std::string::npos) return "";
  const size_t t = markdown.find("### `" + title + "`\n", h);
  EXPECT_NE(t, std::string::npos) << title;
  if (t == std::string::npos) return "";
  const size_t end = markdown.find("\n#", t + 1);
  return markdown.substr(t, end == std::string::npos ? std::string::npos : end - t);
}

// The trimmed cells of every table row of `section` (header and rule included).
std::vector<std::vector<std::string>> TableRows(const std::string& section) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(section);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '|') continue;
    std::vector<std::string> cells;
    size_t start = 1;
    while (true) {
      const size_t bar = line.find('|', start);
      if (bar == std::string::npos) break;
      cells.push_back(Trim(line.substr(start, bar - start)));
      start = bar + 1;
    }
    rows.push_back(cells);
  }
  return rows;
}

std::vector<std::string> FindRow(const std::vector<std::vector<std::string>>& rows,
                                 const std::string& first, const std::string& second) {
  for (const auto& row : rows) {
    if (row.size() > 1 && row[0] == first && row[1] == second) return row;
  }
  ADD_FAILURE() << "no row " << first << " / " << second;
  return {};
}

class MarkdownWriterTest : public ::testing::Test {
 protected:
  std::string markdown_ = FormatSummaryMarkdown(
      testing::SyntheticRun(), testing::SyntheticEnvironment(), testing::SyntheticCells());
};

TEST_F(MarkdownWriterTest, HeaderNamesRunConfigSloPriceAndMachine) {
  EXPECT_EQ(markdown_.rfind("# servebench run `20261127-013000-ab12`\n", 0), 0u) << markdown_;
  EXPECT_NE(markdown_.find("config `<embedded default>`"), std::string::npos);
  EXPECT_NE(markdown_.find("SLO: latency p99 <= 100 ms, goodput within 100 ms"), std::string::npos)
      << markdown_;
  EXPECT_NE(markdown_.find("0.1 USD per hour for the machine"), std::string::npos);
  EXPECT_NE(markdown_.find("quick mode"), std::string::npos);
  EXPECT_NE(
      markdown_.find("Machine: Test CPU @ 3.0GHz, 2 cores, 8.00 GiB memory, Linux 6.1.0-test, "
                     "Debian GNU/Linux 12 (bookworm), torch 2.1.2+dfsg-4"),
      std::string::npos)
      << markdown_;
  EXPECT_NE(markdown_.find("12 cells, 1 failed."), std::string::npos);
}

TEST_F(MarkdownWriterTest, ServersSideBySidePerVariant) {
  const auto rows =
      TableRows(Section(markdown_, "Servers side by side, per model variant", "digits-mlp"));
  ASSERT_EQ(rows.size(), 6u);  // header, rule, 2 servers x 2 load scenarios
  EXPECT_EQ(rows[0][0], "server");
  EXPECT_EQ(rows[0][2], "p50 (ms)");
  EXPECT_EQ(rows[0][9], "cost per M inferences (USD)");
  EXPECT_EQ(rows[1][2].back(), ':');  // numbers right-aligned
  // scale 1: p50 150 us, p99 420 us, 1000 and 900 inf/s, cold start 0.514 s, 97.5 %, 200 MiB.
  EXPECT_EQ(FindRow(rows, "torchscript", "concurrency"),
            (std::vector<std::string>{"torchscript", "concurrency", "0.150", "0.420", "1000", "900",
                                      "0.514", "97.5", "200.0", "0.0308", "2 ok"}));
  // fastapi at scale 0.25; the rate sweep at 1.5 times that.
  EXPECT_EQ(FindRow(rows, "fastapi", "concurrency"),
            (std::vector<std::string>{"fastapi", "concurrency", "0.0375", "0.105", "250", "225",
                                      "2.01", "24.4", "50.0", "0.123", "2 ok"}));
  EXPECT_EQ(FindRow(rows, "fastapi", "poisson"),
            (std::vector<std::string>{"fastapi", "poisson", "0.0563", "0.158", "375", "338", "2.01",
                                      "36.6", "75.0", "0.0821", "1 noisy of 2"}));

  const auto resnet =
      TableRows(Section(markdown_, "Servers side by side, per model variant", "resnet18"));
  const auto failed = FindRow(resnet, "fastapi (failed)", "concurrency");
  ASSERT_EQ(failed.size(), 11u);
  EXPECT_EQ(failed[2], "–");
  EXPECT_EQ(failed[6], "4.01");  // its cold start still shows
}

TEST_F(MarkdownWriterTest, VariantsSideBySidePerServerWithTheirCards) {
  const auto rows =
      TableRows(Section(markdown_, "Model variants side by side, per server", "torchscript"));
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0][2], "accuracy top-1");
  const auto digits = FindRow(rows, "digits-mlp", "concurrency");
  ASSERT_EQ(digits.size(), 16u);
  EXPECT_EQ(digits[2], "97.78 %");
  EXPECT_EQ(digits[3], "85,002");
  EXPECT_EQ(digits[4], "85,002");
  EXPECT_EQ(digits[5], "341.2 KiB");
  EXPECT_EQ(digits[6], "0.150");
  EXPECT_EQ(digits[14], "2 ok");
  EXPECT_EQ(digits[15], "none (fp32 baseline)");
  const auto resnet = FindRow(rows, "resnet18", "poisson");
  ASSERT_EQ(resnet.size(), 16u);
  EXPECT_EQ(resnet[2], "n/a");  // the card says accuracy is not applicable
  EXPECT_EQ(resnet[3], "11,689,512");
  EXPECT_EQ(resnet[4], "11,684,709");
  EXPECT_EQ(resnet[5], "44.7 MiB");
  EXPECT_EQ(resnet[6], "0.113");  // 150 us * 0.5 * 1.5
}

TEST_F(MarkdownWriterTest, ListsFailedCellsWithTheirLogInASafeFence) {
  const size_t failed = markdown_.find("## Failed cells\n");
  ASSERT_NE(failed, std::string::npos);
  EXPECT_NE(markdown_.find("- `resnet18/fastapi/concurrency`: server exited before ready, "
                           "\"model\" missing (server exited with status 1)",
                           failed),
            std::string::npos)
      << markdown_;
  // The log tail holds "```", so the fence is longer.
  EXPECT_NE(markdown_.find("  ````\n  Traceback (most recent call last):\n", failed),
            std::string::npos)
      << markdown_;
}

// Every marked level is listed under its cell with the reason and the figures.
TEST_F(MarkdownWriterTest, ListsLevelsToReadWithCareWithTheirReasons) {
  const size_t at = markdown_.find("## Levels to read with care\n");
  ASSERT_NE(at, std::string::npos) << markdown_;
  EXPECT_NE(markdown_.find("- `digits-mlp/torchscript/poisson`\n  - poisson 200 req/s: noisy: 1.5% "
                           "of a core stolen, 35% used by other processes\n",
                           at),
            std::string::npos)
      << markdown_.substr(at);
  // A clean cell is not listed.
  EXPECT_EQ(markdown_.find("`digits-mlp/torchscript/concurrency`\n", at), std::string::npos);
}

TEST(MarkdownWriterMarksTest, InconclusiveAndLaggingLevelsSayWhy) {
  std::vector<CellRecord> cells = testing::SyntheticCells();
  LevelRecord& level = cells[2].levels[0];
  level.slo_verdict = "inconclusive";
  level.slo_reason = "too few samples to judge p99 <= 100 ms";
  level.max_duration_reached = true;
  level.generator_lag->flagged = true;
  level.generator_lag->schedule_lag_p99_us = 601;
  level.generator_lag->latency_us = 1100;
  level.generator_lag->share = 601.0 / 1100;
  const std::string text =
      FormatSummaryMarkdown(testing::SyntheticRun(), testing::SyntheticEnvironment(), cells);
  EXPECT_NE(text.find("  - poisson 100 req/s: **inconclusive**: too few samples to judge p99 <= "
                      "100 ms; unstable: its windows did not agree within max_duration; generator "
                      "lag: schedule lag p99 0.601 ms is 55% of the p99 latency 1.10 ms\n"),
            std::string::npos)
      << text;
}

TEST_F(MarkdownWriterTest, ListsTheSloSearches) {
  EXPECT_NE(markdown_.find("## SLO searches\n\n- `digits-mlp/torchscript/poisson`: highest rate "
                           "within p99 <= 100 ms: 100 req/s, not met at 200 req/s (converged, 2 "
                           "probes, tolerance 5%)\n"),
            std::string::npos)
      << markdown_;
}

TEST_F(MarkdownWriterTest, SaysThatClosedLoopLatencyHidesQueueing) {
  EXPECT_NE(markdown_.find("Closed-loop latency hides queueing"), std::string::npos);
}

TEST(MarkdownWriterFileTest, WritesSummaryMd) {
  const std::string dir = testing::MakeTempDir();
  auto writer = NewMarkdownWriter();
  EXPECT_EQ(writer->file_name(), "summary.md");
  std::string error;
  ASSERT_TRUE(writer->Write(testing::SyntheticRun(), json(), {}, dir, &error)) << error;
  const std::string text = testing::ReadFile(dir + "/summary.md");
  EXPECT_NE(text.find("0 cells, 0 failed."), std::string::npos);
  EXPECT_NE(text.find("Machine: not recorded"), std::string::npos);
}

TEST(MarkdownWriterAccuracyTest, ShowsAccuracyThroughTheServerWithItsWarnings) {
  std::vector<CellRecord> cells = testing::SyntheticCells();
  for (const CellRecord& cell : testing::SyntheticAccuracyCells()) cells.push_back(cell);
  const std::string markdown =
      FormatSummaryMarkdown(testing::SyntheticRun(), testing::SyntheticEnvironment(), cells);
  // Accuracy cells take no row in the load tables.
  EXPECT_EQ(
      TableRows(Section(markdown, "Servers side by side, per model variant", "digits-mlp")).size(),
      6u);
  const size_t at = markdown.find("## Accuracy through the server\n");
  ASSERT_NE(at, std::string::npos) << markdown;
  EXPECT_LT(at, markdown.find("## Failed cells\n"));
  EXPECT_NE(markdown.find("- **Warning:** `digits-mlp` on `fastapi`: top-1 through the server "
                          "95.56% (430 of 450) differs from the card's 97.78% (440 of 450) by 10 "
                          "samples: the server changes the model's answers\n",
                          at),
            std::string::npos)
      << markdown.substr(at);
  const auto rows = TableRows(markdown.substr(at, markdown.find("\n## ", at + 1) - at));
  ASSERT_EQ(rows.size(), 5u);  // header, rule, three cells
  EXPECT_EQ(rows[0],
            (std::vector<std::string>{"variant", "server", "top-1 via server", "correct",
                                      "card top-1", "card correct", "difference", "note"}));
  EXPECT_EQ(FindRow(rows, "digits-mlp", "torchscript"),
            (std::vector<std::string>{"digits-mlp", "torchscript", "97.78 %", "440 / 450",
                                      "97.78 %", "440 / 450", "0", "agrees with the card"}));
  EXPECT_EQ(FindRow(rows, "digits-mlp", "fastapi"),
            (std::vector<std::string>{"digits-mlp", "fastapi", "95.56 %", "430 / 450", "97.78 %",
                                      "440 / 450", "-10", "**warning**"}));
  const auto skipped = FindRow(rows, "resnet18", "torchscript");
  ASSERT_EQ(skipped.size(), 8u);
  EXPECT_EQ(skipped[2], "–");
  EXPECT_EQ(skipped[7],
            "skipped: no test data for resnet18: its card says accuracy is not applicable: seeded "
            "random weights, not trained on any data set");
  // No accuracy cells, no section.
  EXPECT_EQ(FormatSummaryMarkdown(testing::SyntheticRun(), testing::SyntheticEnvironment(),
                                  testing::SyntheticCells())
                .find("Accuracy through the server"),
            std::string::npos);
}

}  // namespace
}  // namespace servebench
