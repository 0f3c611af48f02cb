// Copyright servebench authors.
//
// The rates a saturating rate sweep measures (bench/rate_ladder.h), step by step against the
// sequence worked out by hand.

#include "servebench/bench/rate_ladder.h"

#include <gtest/gtest.h>

#include <vector>

namespace servebench {
namespace {

// The rates a ladder measures when the server keeps up exactly below `capacity`.
std::vector<double> Walk(RateLadder* ladder, double capacity) {
  std::vector<double> rates = {ladder->rate()};
  while (ladder->Next(ladder->rate() < capacity)) rates.push_back(ladder->rate());
  return rates;
}

TEST(RateLadderTest, GrowsUntilTheServerCannotKeepUp) {
  RateLadder ladder(100, 4, 6);
  EXPECT_EQ(ladder.rate(), 100);
  ASSERT_TRUE(ladder.Next(true));
  EXPECT_EQ(ladder.rate(), 400);
  ASSERT_TRUE(ladder.Next(true));
  EXPECT_EQ(ladder.rate(), 1600);
  EXPECT_FALSE(ladder.Next(false));
  EXPECT_EQ(ladder.saturated_at(), 1600);
}

TEST(RateLadderTest, GoesDownWhenTheFirstRateIsTooMuch) {
  RateLadder ladder(100, 4, 6);
  ASSERT_TRUE(ladder.Next(false));
  EXPECT_EQ(ladder.rate(), 25);
  ASSERT_TRUE(ladder.Next(false));
  EXPECT_EQ(ladder.rate(), 6.25);
  EXPECT_FALSE(ladder.Next(true));
  EXPECT_EQ(ladder.saturated_at(), 25);  // the lowest rate it could not keep up with
}

TEST(RateLadderTest, StopsAfterMaxLevels) {
  RateLadder up(100, 2, 3);
  EXPECT_TRUE(up.Next(true));   // 200
  EXPECT_TRUE(up.Next(true));   // 400
  EXPECT_FALSE(up.Next(true));  // three measured
  EXPECT_FALSE(up.saturated_at().has_value());
  RateLadder down(100, 2, 2);
  EXPECT_TRUE(down.Next(false));   // 50
  EXPECT_FALSE(down.Next(false));  // two measured, none kept up
  EXPECT_FALSE(down.saturated_at().has_value());
}

TEST(RateLadderTest, FindsTheCapacityBracketFromAboveAndBelow) {
  // Start 100, growth 2, capacity 700: up through 100, 200, 400 to 800, which it cannot keep.
  RateLadder up(100, 2, 8);
  EXPECT_EQ(Walk(&up, 700), (std::vector<double>{100, 200, 400, 800}));
  EXPECT_EQ(up.saturated_at(), 800);
  // Capacity 30: down through 50 and 25, which it keeps; 50 is the lowest it could not.
  RateLadder down(100, 2, 8);
  EXPECT_EQ(Walk(&down, 30), (std::vector<double>{100, 50, 25}));
  EXPECT_EQ(down.saturated_at(), 50);
}

TEST(RateLadderTest, OneLevelMeasuresOnlyTheStartRate) {
  RateLadder one(100, 2, 1);
  EXPECT_FALSE(one.Next(true));
  EXPECT_EQ(one.rate(), 200);  // the next rate is known, but not measured
  EXPECT_FALSE(one.saturated_at().has_value());
  RateLadder failing(100, 2, 1);
  EXPECT_FALSE(failing.Next(false));
  EXPECT_FALSE(failing.saturated_at().has_value());
}

}  // namespace
}  // namespace servebench
