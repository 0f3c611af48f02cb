// Copyright servebench authors.
//
// The send spin's policy, driven by a synthetic run-queue wait: it pauses when the thread waited
// for its CPU more than 2% of the time, resumes after a back-off that doubles while contention
// lasts and starts again from 100 ms after a calm second.

#include "servebench/load/send_spin.h"

#include <gtest/gtest.h>

#include "servebench/core/clock.h"

namespace servebench {
namespace {

constexpr int64_t kMs = kNanosPerMilli;
constexpr int64_t kSpin = 30 * kNanosPerMicro;

TEST(SendSpinTest, PausesUnderContentionAndBacksOff) {
  int64_t wait = 0;
  SendSpin spin(kSpin, [&wait] { return wait; });
  spin.Start(0);
  EXPECT_EQ(spin.ns(), kSpin);

  wait += 100 * kNanosPerMicro;  // 1% of 10 ms: the engine's own thread, say
  spin.Update(10 * kMs);
  EXPECT_EQ(spin.ns(), kSpin);

  wait += kMs;  // 10% of the next 10 ms: paused for 100 ms
  spin.Update(20 * kMs);
  EXPECT_EQ(spin.ns(), 0);
  spin.Update(119 * kMs);
  EXPECT_EQ(spin.ns(), 0);
  spin.Update(120 * kMs);
  EXPECT_EQ(spin.ns(), kSpin);
  EXPECT_EQ(spin.paused_ns(), 100 * kMs);

  wait += kMs;  // contention again within a second: the back-off doubles to 200 ms
  spin.Update(130 * kMs);
  EXPECT_EQ(spin.ns(), 0);
  spin.Update(329 * kMs);
  EXPECT_EQ(spin.ns(), 0);
  spin.Update(330 * kMs);
  EXPECT_EQ(spin.ns(), kSpin);
  EXPECT_EQ(spin.paused_ns(), 300 * kMs);

  // A calm second later the back-off starts from 100 ms again.
  for (int64_t t = 340; t <= 1400; t += 10) spin.Update(t * kMs);
  EXPECT_EQ(spin.ns(), kSpin);
  wait += kMs;
  spin.Update(1410 * kMs);
  EXPECT_EQ(spin.ns(), 0);
  spin.Update(1510 * kMs);
  EXPECT_EQ(spin.ns(), kSpin);

  // Stopped while paused: the pause so far is counted.
  wait += kMs;
  spin.Update(1520 * kMs);
  EXPECT_EQ(spin.ns(), 0);
  spin.Stop(1570 * kMs);
  EXPECT_EQ(spin.paused_ns(), 300 * kMs + 100 * kMs + 50 * kMs);
}

TEST(SendSpinTest, StaysAsConfiguredWhenTheWaitIsUnknown) {
  SendSpin spin(kSpin, [] { return int64_t{-1}; });
  spin.Start(0);
  for (int64_t t = 10; t <= 100; t += 10) spin.Update(t * kMs);
  EXPECT_EQ(spin.ns(), kSpin);
  EXPECT_EQ(spin.paused_ns(), 0);
  EXPECT_FALSE(spin.watching());

  SendSpin off(0, [] { return int64_t{0}; });
  off.Start(0);
  off.Update(10 * kMs);
  EXPECT_EQ(off.ns(), 0);
}

// The real source: this thread's schedstat is readable on Linux, and an idle thread is not
// contended.
TEST(SendSpinTest, ReadsThisThreadsSchedstat) {
  SendSpin spin(kSpin);
  const int64_t start = MonotonicNanos();
  spin.Start(start);
  EXPECT_TRUE(spin.watching());
  spin.Update(start + 10 * kMs);
  EXPECT_EQ(spin.ns(), kSpin);
  spin.Stop(start + 10 * kMs);
}

}  // namespace
}  // namespace servebench
