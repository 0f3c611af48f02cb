// Copyright servebench authors.
//
// The best-concurrency search against model servers whose closed-loop behaviour is known: a
// server of capacity C with N workers delivers min(c, N) / N * C at concurrency c, and its
// latency grows with the requests that wait.

#include "servebench/bench/concurrency_search.h"

#include <gtest/gtest.h>

#include <functional>

namespace servebench {
namespace {

struct SearchRun {
  std::optional<ConcurrencyProbe> best;
  std::string end;
  std::vector<int> probed;
};

// Runs the search against `met(c)` and `throughput(c)`.
SearchRun Search(const ConcurrencySearchSettings& settings, const std::function<bool(int)>& met,
                 const std::function<double(int)>& throughput) {
  ConcurrencySearch search(settings);
  SearchRun run;
  while (!search.done()) {
    const int c = search.Next();
    run.probed.push_back(c);
    search.Record(met(c) ? ProbeOutcome::kMet : ProbeOutcome::kNotMet, throughput(c));
  }
  run.best = search.best();
  run.end = search.end();
  return run;
}

// 64 workers: throughput grows to 64 and the bound holds up to 45 requests in flight. The
// search doubles to 32 (met), 64 (not met), then bisects to 45.
TEST(ConcurrencySearchTest, DoublesThenBisectsToTheHighestMetConcurrency) {
  ConcurrencySearchSettings settings;
  settings.tolerance = 0.01;
  const SearchRun run = Search(
      settings, [](int c) { return c <= 45; }, [](int c) { return 100.0 * std::min(c, 64); });
  ASSERT_TRUE(run.best.has_value());
  EXPECT_EQ(run.best->concurrency, 45);
  EXPECT_EQ(run.end, "converged");
  EXPECT_EQ(run.probed[0], 1);
  EXPECT_EQ(run.probed[6], 64);
  EXPECT_LE(run.probed.size(), 13u);
}

// Four workers: past 4 the throughput is flat, so doubling stops at 8 (no growth over 4), and
// the best is the least concurrency with (within the tolerance) the highest throughput: 4.
TEST(ConcurrencySearchTest, StopsDoublingOnAPlateau) {
  const SearchRun run = Search(
      {}, [](int) { return true; }, [](int c) { return 100.0 * std::min(c, 4); });
  EXPECT_EQ(run.end, "plateau");
  EXPECT_EQ(run.probed, (std::vector<int>{1, 2, 4, 8}));
  ASSERT_TRUE(run.best.has_value());
  EXPECT_EQ(run.best->concurrency, 4);
}

TEST(ConcurrencySearchTest, NoneMetAndCapped) {
  EXPECT_EQ(Search(
                {}, [](int) { return false; }, [](int c) { return c * 1.0; })
                .end,
            "none_met");
  ConcurrencySearchSettings settings;
  settings.max_concurrency = 16;
  const SearchRun run = Search(
      settings, [](int) { return true; }, [](int c) { return c * 100.0; });
  EXPECT_EQ(run.end, "capped");
  EXPECT_EQ(run.probed, (std::vector<int>{1, 2, 4, 8, 16}));
  EXPECT_EQ(run.best->concurrency, 16);
}

TEST(ConcurrencySearchTest, BisectionEndsBetweenNeighbours) {
  // Met at 2, not at 3: 2 and 4 bracket, 3 is probed, and the search ends between 2 and 3.
  const SearchRun run = Search(
      {}, [](int c) { return c <= 2; }, [](int c) { return c * 100.0; });
  EXPECT_EQ(run.probed, (std::vector<int>{1, 2, 4, 3}));
  EXPECT_EQ(run.best->concurrency, 2);
  EXPECT_EQ(run.end, "converged");
}

TEST(ConcurrencySearchTest, OutOfProbes) {
  ConcurrencySearchSettings settings;
  settings.max_probes = 3;
  const SearchRun run = Search(
      settings, [](int) { return true; }, [](int c) { return c * 100.0; });
  EXPECT_EQ(run.end, "out_of_probes");
  EXPECT_EQ(run.probed.size(), 3u);
}

}  // namespace
}  // namespace servebench
