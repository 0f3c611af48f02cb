// Copyright servebench authors.
//
// The noise reading on canned /proc text, where every figure is known, and once on the live
// /proc of this machine.

#include "servebench/lifecycle/cpu_noise.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace servebench {
namespace {

// /proc/stat as Linux 6.1 writes it (10 columns per cpu line), two cores.
const char* kStatBefore =
    "cpu  1000 10 500 9000 20 5 15 40 0 0\n"
    "cpu0 600 10 300 4000 10 3 10 30 0 0\n"
    "cpu1 400 0 200 5000 10 2 5 10 0 0\n"
    "intr 123456 0 9 0\n"
    "ctxt 987654\n"
    "btime 1700000000\n"
    "processes 4242\n";
// Two seconds later (100 ticks a second: 200 ticks per core): core 0 lost 20 ticks to steal and
// was busy 150 (user 100 + nice 0 + system 50), core 1 lost 4 and was busy 60.
const char* kStatAfter =
    "cpu  1130 10 580 9200 20 9 25 64 0 0\n"
    "cpu0 700 10 350 4020 10 5 16 50 0 0\n"
    "cpu1 430 0 230 5180 10 4 9 14 0 0\n"
    "intr 123999 0 9 0\n";

TEST(CpuNoiseTest, ParsesPerCoreLinesOfProcStat) {
  std::map<int, CoreTimes> cores;
  std::string error;
  ASSERT_TRUE(ParseProcStat(kStatBefore, &cores, &error)) << error;
  ASSERT_EQ(cores.size(), 2u);  // the "cpu" total line is not a core
  EXPECT_EQ(cores[0].user, 600u);
  EXPECT_EQ(cores[0].system, 300u);
  EXPECT_EQ(cores[0].steal, 30u);
  EXPECT_EQ(cores[0].busy(), 910u);
  EXPECT_EQ(cores[1].idle, 5000u);
  EXPECT_EQ(cores[1].softirq, 5u);
  // An old kernel's 8 columns are enough.
  ASSERT_TRUE(ParseProcStat("cpu3 1 2 3 4 5 6 7 8\n", &cores, &error)) << error;
  EXPECT_EQ(cores.count(3), 1u);
  EXPECT_EQ(cores[3].steal, 8u);
}

TEST(CpuNoiseTest, RejectsMalformedProcStat) {
  std::map<int, CoreTimes> cores;
  std::string error;
  EXPECT_FALSE(ParseProcStat("cpu0 1 2 3\n", &cores, &error));
  EXPECT_NE(error.find("cpu0 1 2 3"), std::string::npos) << error;
  EXPECT_FALSE(ParseProcStat("cpu0 1 2 x 4 5 6 7 8\n", &cores, &error));
  EXPECT_FALSE(ParseProcStat("intr 1 2 3\n", &cores, &error));
  EXPECT_NE(error.find("no per-core"), std::string::npos) << error;
}

TEST(CpuNoiseTest, ParsesPidStatWithParenthesesInTheName) {
  // Fields 14-17 (utime stime cutime cstime) are 250 40 7000 9000: children are not ours.
  const std::string text =
      "4242 (my (odd) server) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 40 7000 9000 20 0 3 0 "
      "123 456789 1234 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  uint64_t ticks = 0;
  std::string error;
  ASSERT_TRUE(ParseProcPidStatTicks(text, &ticks, &error)) << error;
  EXPECT_EQ(ticks, 290u);
  EXPECT_FALSE(ParseProcPidStatTicks("4242 (short) S 1 2 3\n", &ticks, &error));
  EXPECT_FALSE(ParseProcPidStatTicks("no parenthesis at all", &ticks, &error));
}

NoiseSnapshot Snapshot(const char* stat, int64_t taken_ns, uint64_t self_ticks,
                       uint64_t server_ticks) {
  NoiseSnapshot s;
  std::string error;
  EXPECT_TRUE(ParseProcStat(stat, &s.cores, &error)) << error;
  s.taken_ns = taken_ns;
  s.self_ticks = self_ticks;
  s.server.cpu_ticks[{4242, 77}] = server_ticks;
  return s;
}

TEST(CpuNoiseTest, StealAndForeignCpuOverTheWatchedCores) {
  // servebench used 50 ticks and the server 80: 130 of the 210 busy ticks were ours.
  const NoiseSnapshot before = Snapshot(kStatBefore, 0, 1000, 3000);
  const NoiseSnapshot after = Snapshot(kStatAfter, 2'000'000'000, 1050, 3080);
  const CpuNoise both = NoiseBetween(before, after, {0, 1}, 100);
  EXPECT_DOUBLE_EQ(both.seconds, 2);
  EXPECT_DOUBLE_EQ(both.steal_percent, 12);  // 24 ticks in 2 s at 100/s: 0.12 core
  EXPECT_DOUBLE_EQ(both.busy_percent, 105);  // 210 ticks
  EXPECT_DOUBLE_EQ(both.own_percent, 65);    // 130 ticks
  EXPECT_DOUBLE_EQ(both.foreign_cpu_percent, 40);
  // All cores when none are named.
  EXPECT_DOUBLE_EQ(NoiseBetween(before, after, {}, 100).foreign_cpu_percent, 40);
  // Core 1 alone: busy 60 ticks, less than our 130 (ours ran elsewhere too): foreign is 0.
  const CpuNoise one = NoiseBetween(before, after, {1}, 100);
  EXPECT_DOUBLE_EQ(one.steal_percent, 2);
  EXPECT_DOUBLE_EQ(one.foreign_cpu_percent, 0);
  // A core /proc/stat did not list is skipped.
  EXPECT_DOUBLE_EQ(NoiseBetween(before, after, {0, 7}, 100).steal_percent, 10);
}

TEST(CpuNoiseTest, ReadsTheLiveProc) {
  NoiseSnapshot before, after;
  std::string error;
  ASSERT_TRUE(TakeNoiseSnapshot(getpid(), &before, &error)) << error;
  // Burn about 50 ms of CPU: it is ours, so it must not show as foreign beyond what others did.
  volatile double sink = 0;
  for (int i = 0; i < 20'000'000; ++i) sink = sink + i * 0.5;
  ASSERT_TRUE(TakeNoiseSnapshot(getpid(), &after, &error)) << error;
  const CpuNoise noise = NoiseBetween(before, after, {}, static_cast<double>(sysconf(_SC_CLK_TCK)));
  EXPECT_GT(noise.seconds, 0);
  EXPECT_GE(noise.steal_percent, 0);
  EXPECT_GE(noise.foreign_cpu_percent, 0);
  EXPECT_GT(noise.own_percent, 0);
}

}  // namespace
}  // namespace servebench
