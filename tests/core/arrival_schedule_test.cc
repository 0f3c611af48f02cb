// Copyright servebench authors.

#include "servebench/core/arrival_schedule.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace servebench {
namespace {

std::vector<int64_t> Take(ArrivalSchedule& schedule, size_t n) {
  std::vector<int64_t> times;
  int64_t t;
  while (times.size() < n && schedule.Next(&t)) times.push_back(t);
  return times;
}

// round(num / den) for non-negative integers, exactly.
int64_t RoundDiv(__int128 num, __int128 den) {
  return static_cast<int64_t>((2 * num + den) / (2 * den));
}

TEST(ConstantScheduleTest, ExactSpacing) {
  auto schedule = NewConstantSchedule(1000.0, 250);
  const std::vector<int64_t> times = Take(*schedule, 1000);
  for (size_t k = 0; k < times.size(); ++k) {
    EXPECT_EQ(times[k], 250 + static_cast<int64_t>(k) * 1000000) << k;
  }
}

TEST(ConstantScheduleTest, NoCumulativeDriftAtAwkwardRates) {
  // 1e9 / 3 ns is not an integer: adding a rounded period would drift by 1/3 ns per arrival, 3.3 ms
  // after 10^7 arrivals. The k-th time must be round(k * 1e9 / 3) for every k.
  auto three = NewConstantSchedule(3.0);
  int64_t t = 0;
  for (int64_t k = 0; k < 10000000; ++k) {
    ASSERT_TRUE(three->Next(&t));
    ASSERT_EQ(t, RoundDiv(static_cast<__int128>(k) * 1000000000, 3)) << k;
  }
  // A non-integer rate: 299792.458 per second = 299792458 / 1000, with a phase.
  auto light = NewConstantSchedule(299792.458, 17);
  for (int64_t k = 0; k < 1000000; ++k) {
    ASSERT_TRUE(light->Next(&t));
    ASSERT_EQ(t, 17 + RoundDiv(static_cast<__int128>(k) * 1000000000 * 1000, 299792458)) << k;
  }
}

TEST(ConstantScheduleTest, RejectsBadRates) {
  EXPECT_THROW(NewConstantSchedule(0.0), std::invalid_argument);
  EXPECT_THROW(NewConstantSchedule(-1.0), std::invalid_argument);
  EXPECT_THROW(NewConstantSchedule(std::nan("")), std::invalid_argument);
  EXPECT_THROW(NewPoissonSchedule(0.0, 1), std::invalid_argument);
}

TEST(PoissonScheduleTest, GapsAreExponentialWithMeanOneOverRate) {
  constexpr double kRate = 1000.0;  // mean gap 1 ms
  constexpr double kMean = 1e9 / kRate;
  constexpr int kGaps = 200000;
  auto schedule = NewPoissonSchedule(kRate, 12345);
  const std::vector<int64_t> times = Take(*schedule, kGaps);
  ASSERT_EQ(times.size(), static_cast<size_t>(kGaps));
  double sum = 0, sum_sq = 0;
  int64_t previous = 0;
  int above_mean = 0;
  for (int64_t t : times) {
    ASSERT_GE(t, previous);  // non-decreasing; the first gap is measured from 0
    const double gap = static_cast<double>(t - previous);
    sum += gap;
    sum_sq += gap * gap;
    above_mean += gap > kMean ? 1 : 0;
    previous = t;
  }
  const double n = kGaps;
  const double mean = sum / n;
  const double sd = std::sqrt(sum_sq / n - mean * mean);
  // Tolerances at 6 standard errors (a false failure about once in 10^9 seeds; the seed is fixed,
  // so the test is deterministic anyway), from the exponential distribution's moments:
  //  - sample mean: sd = sigma / sqrt(n) = mean / sqrt(n), since sigma = mean for an exponential;
  //    relative 1/sqrt(2e5) = 0.22%, bound 1.34%.
  //  - sample sd: Var(s^2) ~= (mu4 - sigma^4) / n = 8 sigma^4 / n (mu4 = 9 sigma^4), and by the
  //    delta method sd(s) ~= sd(s^2) / (2 sigma) = sigma * sqrt(2 / n); so the coefficient of
  //    variation s / mean has sd ~= sqrt(2 / n) = 0.32% (the mean's own error adds a little; we
  //    allow 6 * (sqrt(2/n) + 1/sqrt(n)) = 3.2%).
  //  - P(gap > mean) = e^-1; its sample share has sd sqrt(p (1 - p) / n) = 0.108%.
  // Rounding each time to whole ns moves a gap by under 1 ns of 10^6: negligible.
  const double rel_mean_bound = 6.0 / std::sqrt(n);
  EXPECT_NEAR(mean / kMean, 1.0, rel_mean_bound);
  const double cv_bound = 6.0 * (std::sqrt(2.0 / n) + 1.0 / std::sqrt(n));
  EXPECT_NEAR(sd / mean, 1.0, cv_bound);
  const double p = std::exp(-1.0);
  EXPECT_NEAR(above_mean / n, p, 6.0 * std::sqrt(p * (1 - p) / n));
}

TEST(PoissonScheduleTest, SameSeedSameTimesDifferentSeedDifferentTimes) {
  auto a = NewPoissonSchedule(5000.0, 7);
  auto b = NewPoissonSchedule(5000.0, 7);
  auto c = NewPoissonSchedule(5000.0, 8);
  const std::vector<int64_t> ta = Take(*a, 10000);
  const std::vector<int64_t> tb = Take(*b, 10000);
  const std::vector<int64_t> tc = Take(*c, 10000);
  EXPECT_EQ(ta, tb);
  EXPECT_NE(ta, tc);
  int equal = 0;
  for (size_t i = 0; i < ta.size(); ++i) equal += ta[i] == tc[i] ? 1 : 0;
  EXPECT_LT(equal, 10);  // not merely one differing entry
}

TEST(PoissonScheduleTest, LongRunDoesNotDrift) {
  // 10^6 arrivals at 10^5/s: the last time should be near 10 s; the sum of 10^6 exponentials has
  // relative sd 1/sqrt(10^6) = 0.1%, so 6 sigma is 0.6%. Rounding each time instead of each gap
  // keeps the error of the running sum far below that.
  auto schedule = NewPoissonSchedule(1e5, 99);
  const std::vector<int64_t> times = Take(*schedule, 1000000);
  EXPECT_NEAR(static_cast<double>(times.back()) / 1e10, 1.0, 0.006);
}

Trace ParseOk(const std::string& text) {
  Trace trace;
  std::string error;
  EXPECT_TRUE(ParseTrace(text, "t.trace", &trace, &error)) << error;
  return trace;
}

std::string ParseError(const std::string& text) {
  Trace trace;
  trace.offsets_ns = {42};
  std::string error;
  EXPECT_FALSE(ParseTrace(text, "t.trace", &trace, &error)) << text;
  EXPECT_EQ(trace.offsets_ns, std::vector<int64_t>{42});  // untouched on error
  return error;
}

TEST(TraceTest, IntervalsWithUnitsCommentsAndBlankLines) {
  const Trace trace = ParseOk(
      "# recorded on 2024-01-01\n"
      "\n"
      "#! intervals\n"
      "100\n"          // no unit: microseconds
      "  250us  \r\n"  // spaces and CRLF
      "1.5ms\n"
      "# a comment between entries\n"
      "2s\n"
      "0\n"
      "7ns\n"
      "0.25 ms\n");
  EXPECT_EQ(trace.offsets_ns, (std::vector<int64_t>{100000, 350000, 1850000, 2001850000, 2001850000,
                                                    2001850007, 2002100007}));
}

TEST(TraceTest, IntervalsAreTheDefault) {
  EXPECT_EQ(ParseOk("10\n10\n").offsets_ns, (std::vector<int64_t>{10000, 20000}));
}

TEST(TraceTest, Timestamps) {
  const Trace trace = ParseOk(
      "#!   timestamps\n"
      "0\n"
      "1ms\n"
      "1ms\n"  // equal is allowed: non-decreasing
      "2.5ms\n"
      "3s");
  EXPECT_EQ(trace.offsets_ns, (std::vector<int64_t>{0, 1000000, 1000000, 2500000, 3000000000}));
}

TEST(TraceTest, BadLinesNameTheLine) {
  EXPECT_EQ(ParseError("100\nabc\n"), "t.trace:2: entry 'abc' is not a number");
  EXPECT_EQ(ParseError("100\n\n-5us\n"), "t.trace:3: negative entry '-5us'");
  EXPECT_EQ(ParseError("#! timestamps\n5ms\n4ms\n").rfind("t.trace:3: timestamp '4ms'", 0), 0u);
  EXPECT_EQ(ParseError("100\n#! timestamps\n"),
            "t.trace:2: directive '#! timestamps' after the first entry");
  EXPECT_EQ(ParseError("").rfind("t.trace:1: ", 0), 0u);
  EXPECT_EQ(ParseError("# only comments\n\n#! intervals\n"), "t.trace:3: the trace has no entries");
  EXPECT_EQ(ParseError("1\n2\n3\n4h\n").rfind("t.trace:4: entry '4h' has unknown unit 'h'", 0), 0u);
  EXPECT_EQ(ParseError("1\n1e5\n").rfind("t.trace:2: ", 0), 0u);
  EXPECT_EQ(ParseError("1.2.3ms\n").rfind("t.trace:1: ", 0), 0u);
  EXPECT_EQ(ParseError("#! bursts\n").rfind("t.trace:1: unknown directive", 0), 0u);
  EXPECT_EQ(ParseError("9223372036854775807ns\n1ns\n").rfind("t.trace:2: ", 0), 0u);  // overflow
}

TEST(TraceTest, LoadTraceFile) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("servebench_core_test_" + std::to_string(::getpid()) + ".trace");
  {
    std::ofstream file(path);
    file << "#! timestamps\n1ms\n2ms\n";
  }
  Trace trace;
  std::string error;
  ASSERT_TRUE(LoadTraceFile(path.string(), &trace, &error)) << error;
  EXPECT_EQ(trace.offsets_ns, (std::vector<int64_t>{1000000, 2000000}));
  {
    std::ofstream file(path);
    file << "1ms\nbad\n";
  }
  EXPECT_FALSE(LoadTraceFile(path.string(), &trace, &error));
  EXPECT_EQ(error, path.string() + ":2: entry 'bad' is not a number");
  std::filesystem::remove(path);
  EXPECT_FALSE(LoadTraceFile(path.string(), &trace, &error));
  EXPECT_NE(error.find(path.string()), std::string::npos) << error;
}

TEST(TraceScheduleTest, StrideOverThreadsReplaysEveryEntryOnce) {
  auto trace = std::make_shared<Trace>();
  for (int64_t i = 0; i < 1003; ++i) trace->offsets_ns.push_back(i * 10);
  for (size_t threads : {1u, 2u, 3u, 7u, 1003u, 2000u}) {
    std::vector<int> seen(trace->offsets_ns.size(), 0);
    for (size_t first = 0; first < threads; ++first) {
      auto schedule = NewTraceSchedule(trace, first, threads);
      int64_t t, previous = -1;
      while (schedule->Next(&t)) {
        ASSERT_GT(t, previous);  // each thread's share stays in order
        previous = t;
        ++seen[static_cast<size_t>(t / 10)];
      }
      EXPECT_FALSE(schedule->Next(&t));  // stays exhausted
    }
    for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], 1) << threads << " " << i;
  }
  auto huge_stride = NewTraceSchedule(trace, 5, SIZE_MAX);  // no index overflow
  int64_t t;
  EXPECT_TRUE(huge_stride->Next(&t));
  EXPECT_EQ(t, 50);
  EXPECT_FALSE(huge_stride->Next(&t));
  EXPECT_THROW(NewTraceSchedule(trace, 0, 0), std::invalid_argument);
}

}  // namespace
}  // namespace servebench
