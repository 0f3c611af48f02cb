// Copyright servebench authors.
//
// `servebench compare` on a real run (the committed fixture, tests/report/fixture/quick-run: a
// `servebench run --quick` of the default experiment) against copies of it with known changes
// injected into its records: a 20% longer p99 tail, a 20% lower throughput, and changes smaller
// than the run's own noise. The binary's exit status is the regression gate.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include "servebench/bench/runner.h"
#include "servebench/core/percentile_confidence.h"
#include "servebench/report/run_compare.h"
#include "synthetic_records.h"

namespace servebench {
namespace {

using nlohmann::json;

const char kCell[] = "digits-mlp/torchscript/concurrency";

RunState ReadRun(const std::string& dir) {
  RunState state;
  std::string error;
  EXPECT_TRUE(ReadRunFolder(dir, &state, &error)) << error;
  return state;
}

// A run folder holding `state` as its journal.
std::string WriteRun(const RunState& state) {
  const std::string dir = testing::MakeTempDir();
  std::ofstream out(dir + "/journal.jsonl");
  out << state.run.ToJson().dump() << "\n";
  out << json({{"record", "environment"}, {"environment", state.environment}}).dump() << "\n";
  for (const CellRecord& cell : state.cells) out << cell.ToJson().dump() << "\n";
  return dir;
}

CellRecord& Find(RunState* state, const std::string& cell_id) {
  for (CellRecord& c : state->cells) {
    if (c.cell_id == cell_id) return c;
  }
  ADD_FAILURE() << cell_id << " not in the fixture";
  return state->cells.front();
}

// The level the cell's summary took its latency from (its throughput within the SLO).
LevelRecord& SummaryLevel(CellRecord* cell) {
  for (LevelRecord& level : cell->levels) {
    if (level.load.latency_us.p99 == *cell->summary.p99_us &&
        level.load.latency_us.p50 == *cell->summary.p50_us) {
      return level;
    }
  }
  ADD_FAILURE() << "no summary level in " << cell->cell_id;
  return cell->levels.front();
}

// Every latency at or above the level's p`from` made `factor` times longer.
void StretchTail(LevelRecord* level, double from, double factor) {
  Histogram h = Histogram::ForLatency();
  std::string error;
  ASSERT_TRUE(Histogram::FromJson(level->load.histogram, &h, &error)) << error;
  const int64_t threshold = h.ValueAtPercentile(from);
  Histogram out = Histogram::ForLatency();
  for (int64_t rank = 1; rank <= h.count();) {
    const int64_t v = ValueAtRank(h, rank);
    int64_t through = h.CountAtOrBelow(v);
    if (through < rank) through = h.count();  // the top bucket reaches above max()
    out.RecordN(v >= threshold ? std::llround(v * factor) : v, through - rank + 1);
    rank = through + 1;
  }
  level->load.histogram = out.ToJson();
  level->load.latency_us = SummarizeMicros(out);
  for (ConstraintVerdictRecord& c : level->slo_constraints) {
    c.latency_us = out.ValueAtPercentile(c.percentile) / 1e3;
  }
}

void ScaleThroughput(LevelRecord* level, double factor) {
  level->load.throughput_rps *= factor;
  for (WindowStats& w : level->load.windows) w.throughput_rps *= factor;
}

RunComparison Compare(const std::string& a, const std::string& b, double threshold) {
  const RunState ra = ReadRun(a), rb = ReadRun(b);
  CompareOptions options;
  options.threshold_percent = threshold;
  return CompareRuns(ra.run, ra.cells, rb.run, rb.cells, options);
}

std::set<std::string> Regressions(const RunComparison& c) {
  std::set<std::string> out;
  for (const CellChanges& cell : c.cells) {
    for (const MetricChange& m : cell.metrics) {
      if (m.regression()) out.insert(cell.cell_id + " " + m.metric);
    }
  }
  return out;
}

const MetricChange& Metric(const RunComparison& c, const std::string& metric) {
  for (const CellChanges& cell : c.cells) {
    for (const MetricChange& m : cell.metrics) {
      if (cell.cell_id == kCell && m.metric == metric) return m;
    }
  }
  ADD_FAILURE() << metric;
  return c.cells.front().metrics.front();
}

int RunCompareBinary(const std::string& a, const std::string& b, const std::string& flags,
                     std::string* output) {
  const std::string command =
      std::string(SERVEBENCH_BINARY) + " compare " + a + " " + b + " " + flags + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  char buffer[4096];
  size_t n;
  output->clear();
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output->append(buffer, n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class CompareTest : public ::testing::Test {
 protected:
  void SetUp() override { base_ = ReadRun(SERVEBENCH_REPORT_FIXTURE); }
  RunState base_;
};

TEST_F(CompareTest, SameDataComparesClean) {
  const std::string a = WriteRun(base_), b = WriteRun(base_);
  const RunComparison c = Compare(a, b, 0);
  EXPECT_EQ(c.regressions(), 0);
  EXPECT_EQ(c.cells.size(), base_.cells.size());
  EXPECT_TRUE(c.only_a.empty() && c.only_b.empty());
  std::string output;
  EXPECT_EQ(RunCompareBinary(a, b, "--threshold 0", &output), 0) << output;
  EXPECT_NE(output.find("No regression beyond the threshold and the noise."), std::string::npos);
  std::ifstream md(b + "/compare-" + base_.run.run_id + ".md");
  EXPECT_TRUE(md.good()) << "the Markdown is written into RUN_B";
  std::ifstream html(b + "/compare-" + base_.run.run_id + ".html");
  EXPECT_TRUE(html.good());
}

TEST_F(CompareTest, FlagsATwentyPercentP99Regression) {
  RunState changed = base_;
  CellRecord& cell = Find(&changed, kCell);
  const double p99_before = *cell.summary.p99_us;
  StretchTail(&SummaryLevel(&cell), 95, 1.2);
  const std::string a = WriteRun(base_), b = WriteRun(changed);
  const RunComparison c = Compare(a, b, 10);
  const MetricChange& p99 = Metric(c, "p99");
  EXPECT_NEAR(*p99.b / p99_before, 1.2, 0.01);
  EXPECT_TRUE(p99.worse && p99.beyond_threshold && p99.beyond_noise);
  // Only the tail moved: p50 is the same, and nothing else is flagged.
  EXPECT_EQ(Metric(c, "p50").a, Metric(c, "p50").b);
  EXPECT_EQ(Regressions(c), std::set<std::string>{std::string(kCell) + " p99"});
  std::string output;
  EXPECT_EQ(RunCompareBinary(a, b, "", &output), 1) << output;
  EXPECT_NE(output.find("1 regression beyond the threshold and the noise."), std::string::npos)
      << output;
  EXPECT_NE(output.find("REGRESSION"), std::string::npos);
}

TEST_F(CompareTest, FlagsATwentyPercentThroughputDrop) {
  RunState changed = base_;
  CellRecord& cell = Find(&changed, kCell);
  for (LevelRecord& level : cell.levels) ScaleThroughput(&level, 0.8);
  const std::string a = WriteRun(base_), b = WriteRun(changed);
  const RunComparison c = Compare(a, b, 10);
  EXPECT_NEAR(Metric(c, "max_throughput").change_percent, -20, 1e-9);
  // The cost per inference rises with it (1 / 0.8 = +25%).
  EXPECT_NEAR(Metric(c, "cost").change_percent, 25, 1e-9);
  EXPECT_EQ(Regressions(c), (std::set<std::string>{std::string(kCell) + " cost",
                                                   std::string(kCell) + " max_throughput",
                                                   std::string(kCell) + " throughput_within_slo"}));
  std::string output;
  EXPECT_EQ(RunCompareBinary(a, b, "--metrics max_throughput", &output), 1) << output;
  EXPECT_EQ(RunCompareBinary(a, b, "--metrics p50,p99", &output), 0) << output;
  EXPECT_EQ(RunCompareBinary(a, b, "--threshold 30", &output), 0) << output;
}

TEST_F(CompareTest, ChangesInsideTheNoiseAreNotFlagged) {
  RunState changed = base_;
  CellRecord& cell = Find(&changed, kCell);
  for (LevelRecord& level : cell.levels) ScaleThroughput(&level, 0.98);
  StretchTail(&SummaryLevel(&cell), 95, 1.01);
  const std::string a = WriteRun(base_), b = WriteRun(changed);
  // Beyond a threshold of 0.5%, but within what the runs' own windows and histograms vary by.
  const RunComparison c = Compare(a, b, 0.5);
  for (const char* metric : {"max_throughput", "p99"}) {
    const MetricChange& m = Metric(c, metric);
    EXPECT_TRUE(m.worse && m.beyond_threshold) << metric;
    EXPECT_FALSE(m.beyond_noise) << metric;
  }
  EXPECT_EQ(c.regressions(), 0);
  std::string output;
  EXPECT_EQ(RunCompareBinary(a, b, "--threshold 0.5", &output), 0) << output;
  EXPECT_NE(output.find("worse, within noise"), std::string::npos) << output;
}

// `cell` measured three times: its levels again as repeats 1 and 2, their throughputs scaled by
// `spread` down and up (the mean stays the first repeat's).
void MakeRepeats(CellRecord* cell, double spread) {
  const std::vector<LevelRecord> first = cell->levels;
  for (int repeat = 1; repeat <= 2; ++repeat) {
    for (LevelRecord level : first) {
      level.repeat = repeat;
      ScaleThroughput(&level, repeat == 1 ? 1 - spread : 1 + spread);
      cell->levels.push_back(level);
    }
  }
  cell->repeats = 3;
}

// With repeats, a cell's noise is the spread of its repeats: a 5% drop is beyond the windows of
// one level (the fixture's concurrency cell varies by about 2% over its windows) but within
// repeats that varied by 8%, and a 20% drop is beyond repeats that varied by 1%.
TEST_F(CompareTest, RepeatsAreTheNoiseWhenPresent) {
  {
    RunState a = base_;
    MakeRepeats(&Find(&a, kCell), 0.08);
    RunState b = a;
    for (LevelRecord& level : Find(&b, kCell).levels) ScaleThroughput(&level, 0.95);
    const RunComparison c = Compare(WriteRun(a), WriteRun(b), 0.5);
    const MetricChange& t = Metric(c, "throughput_within_slo");
    EXPECT_NEAR(t.change_percent, -5, 1e-6);
    EXPECT_TRUE(t.worse && t.beyond_threshold);
    EXPECT_FALSE(t.beyond_noise) << t.noise_basis;
    EXPECT_EQ(t.noise_basis, "3 repeats, 3 repeats");
    // The interval is the 95% Student t interval of the mean over the three repeats:
    // t(0.975, 2) = 4.303, s = 0.08 x, half-width 4.303 x 0.08 x / sqrt(3).
    const double x = *t.a;
    EXPECT_NEAR(t.a_noise->high - x, 4.303 * 0.08 * x / std::sqrt(3.0), 1e-3 * x);
    EXPECT_FALSE(Metric(c, "cost").beyond_noise);
    EXPECT_EQ(Metric(c, "cost").noise_basis, "3 repeats, 3 repeats");
    // The latency did not change from repeat to repeat: its interval is the value itself.
    EXPECT_EQ(Metric(c, "p99").noise_basis, "3 repeats, 3 repeats");
    EXPECT_EQ(Metric(c, "p50").noise_basis, "3 repeats, 3 repeats");
    // max_throughput is one level's, judged by that level's windows.
    EXPECT_TRUE(Metric(c, "max_throughput").beyond_noise);
    EXPECT_EQ(Metric(c, "max_throughput").noise_basis.find("repeats"), std::string::npos);

    // The same 5% drop without repeats is beyond the noise of the level's windows.
    RunState single = base_;
    for (LevelRecord& level : Find(&single, kCell).levels) ScaleThroughput(&level, 0.95);
    const RunComparison one = Compare(WriteRun(base_), WriteRun(single), 0.5);
    EXPECT_TRUE(Metric(one, "throughput_within_slo").regression());
  }
  {
    RunState a = base_;
    MakeRepeats(&Find(&a, kCell), 0.01);
    RunState b = a;
    for (LevelRecord& level : Find(&b, kCell).levels) ScaleThroughput(&level, 0.8);
    const RunComparison c = Compare(WriteRun(a), WriteRun(b), 10);
    EXPECT_TRUE(Metric(c, "throughput_within_slo").regression());
    EXPECT_TRUE(Metric(c, "cost").regression());
  }
}

// Repeats so spread out that the Student t interval of their mean reaches below zero: none of
// the figures can be negative, so the interval is cut at 0 and its upper end is kept.
TEST_F(CompareTest, ANoiseIntervalStopsAtZero) {
  RunState a = base_;
  MakeRepeats(&Find(&a, kCell), 0.9);  // throughputs 0.1 x, x and 1.9 x
  const RunComparison c = Compare(WriteRun(a), WriteRun(a), 10);
  const MetricChange& t = Metric(c, "throughput_within_slo");
  ASSERT_TRUE(t.a_noise && t.b_noise);
  const double x = *t.a;
  const double half = 4.303 * 0.9 * x / std::sqrt(3.0);  // 2.24 x: the low end would be -1.24 x
  EXPECT_EQ(t.a_noise->low, 0);
  EXPECT_EQ(t.b_noise->low, 0);
  EXPECT_NEAR(t.a_noise->high, x + half, 1e-3 * x);
  EXPECT_FALSE(t.regression());
}

TEST_F(CompareTest, CellsInOneRunAreListedAndAFailureInBIsARegression) {
  RunState changed = base_;
  changed.cells.erase(changed.cells.begin());  // digits-mlp/torchscript/cold_start
  CellRecord& cell = Find(&changed, kCell);
  cell.status = CellStatus::kFailed;
  cell.failure = CellFailure{"server exited before ready", "exited with status 1", {}};
  const std::string a = WriteRun(base_), b = WriteRun(changed);
  const RunComparison c = Compare(a, b, 10);
  EXPECT_EQ(c.only_a, std::vector<std::string>{"digits-mlp/torchscript/cold_start"});
  EXPECT_TRUE(c.only_b.empty());
  EXPECT_EQ(c.regressions(), 1);
  std::string output;
  EXPECT_EQ(RunCompareBinary(a, b, "", &output), 1) << output;
  EXPECT_NE(output.find("only in A, not compared: digits-mlp/torchscript/cold_start"),
            std::string::npos);
  EXPECT_NE(output.find("REGRESSION: failed in B: server exited before ready"), std::string::npos);
  // The other way round the cell is only in B, and its failure in A is no regression of B.
  EXPECT_EQ(RunCompareBinary(b, a, "", &output), 0) << output;
}

TEST_F(CompareTest, BadInputIsNamed) {
  std::string output;
  const std::string a = WriteRun(base_);
  EXPECT_EQ(RunCompareBinary(a, "/nonexistent-run", "", &output), 2);
  EXPECT_NE(output.find("RUN_B"), std::string::npos) << output;
  EXPECT_EQ(RunCompareBinary(a, a, "--metrics p99,p98", &output), 2);
  EXPECT_NE(output.find("unknown metric 'p98'"), std::string::npos) << output;
  EXPECT_EQ(RunCompareBinary(a, a, "--threshold -1", &output), 2);
}

}  // namespace
}  // namespace servebench
