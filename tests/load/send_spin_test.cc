// Copyright servebench authors.
//
// The send spin's policy, driven by a synthetic run-queue wait: it pauses when the thread waited
// for its CPU more than 20% of the time at two looks in a row, resumes after a back-off that
// doubles while contention lasts and starts again from 100 ms after a calm second.

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

  // A VM's hiccup: 15%, and once 40%, at single looks between calm ones: no pause.
  wait += 1500 * kNanosPerMicro;
  spin.Update(20 * kMs);
  wait += 100 * kNanosPerMicro;
  spin.Update(30 * kMs);
  wait += 4 * kMs;
  spin.Update(40 * kMs);
  EXPECT_EQ(spin.ns(), kSpin);
  wait += 100 * kNanosPerMicro;
  spin.Update(50 * kMs);
  EXPECT_EQ(spin.ns(), kSpin);

  // A CPU-bound neighbour: 30% at two looks in a row: paused for 100 ms.
  wait += 3 * kMs;
  spin.Update(60 * kMs);
  EXPECT_EQ(spin.ns(), kSpin);
  wait += 3 * kMs;
  spin.Update(70 * kMs);
  EXPECT_EQ(spin.ns(), 0);
  spin.Update(169 * kMs);
  EXPECT_EQ(spin.ns(), 0);
  spin.Update(170 * kMs);
  EXPECT_EQ(spin.ns(), kSpin);
  EXPECT_EQ(spin.paused_ns(), 100 * kMs);

  // Contention again within a second: two looks, and the back-off doubles to 200 ms.
  wait += 3 * kMs;
  spin.Update(180 * kMs);
  wait += 3 * kMs;
  spin.Update(190 * kMs);
  EXPECT_EQ(spin.ns(), 0);
  spin.Update(389 * kMs);
  EXPECT_EQ(spin.ns(), 0);
  spin.Update(390 * kMs);
  EXPECT_EQ(spin.ns(), kSpin);
  EXPECT_EQ(spin.paused_ns(), 300 * kMs);

  // A calm second later the back-off starts from 100 ms again.
  for (int64_t t = 400; t <= 1400; t += 10) spin.Update(t * kMs);
  EXPECT_EQ(spin.ns(), kSpin);
  wait += 3 * kMs;
  spin.Update(1410 * kMs);
  wait += 3 * kMs;
  spin.Update(1420 * kMs);
  EXPECT_EQ(spin.ns(), 0);

  // Contention that lasts through the pause: the spin resumes on time, and the next contended
  // look pauses it again at once.
  for (int64_t t = 1430; t <= 1520; t += 10) {
    wait += 3 * kMs;
    spin.Update(t * kMs);
  }
  EXPECT_EQ(spin.ns(), kSpin);
  wait += 3 * kMs;
  spin.Update(1530 * kMs);
  EXPECT_EQ(spin.ns(), 0);
  // Stopped while paused: the pause so far is counted.
  spin.Stop(1580 * kMs);
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
