// Copyright servebench authors.

#include "servebench/core/student_t.h"

#include <gtest/gtest.h>

#include <cmath>

namespace servebench {
namespace {

// Two-sided 95% critical values t_{0.975, dof} as printed in every statistics table.
TEST(StudentTTest, QuantilesMatchPublishedTables) {
  const struct {
    double dof, t;
  } table[] = {{1, 12.706}, {2, 4.303},  {3, 3.182},  {4, 2.776},   {5, 2.571},
               {9, 2.262},  {10, 2.228}, {29, 2.045}, {100, 1.984}, {1e6, 1.960}};
  for (const auto& row : table) {
    EXPECT_NEAR(StudentTQuantile(0.975, row.dof), row.t, 0.0006) << "dof " << row.dof;
  }
  EXPECT_NEAR(StudentTQuantile(0.95, 4), 2.132, 0.0006);
  EXPECT_NEAR(StudentTQuantile(0.995, 3), 5.841, 0.0006);
  EXPECT_NEAR(StudentTQuantile(0.025, 4), -2.776, 0.0006);
}

// With one degree of freedom t is Cauchy: P(T <= t) = 1/2 + atan(t) / pi, in closed form.
TEST(StudentTTest, CdfOfOneDegreeIsCauchy) {
  for (double t : {-30.0, -2.0, -0.3, 0.0, 0.7, 1.0, 5.0, 100.0}) {
    EXPECT_NEAR(StudentTCdf(t, 1), 0.5 + std::atan(t) / M_PI, 1e-12) << t;
  }
  // Two degrees: P(T <= t) = 1/2 + t / (2 sqrt(2 + t^2)).
  for (double t : {-4.0, -1.0, 0.5, 3.0}) {
    EXPECT_NEAR(StudentTCdf(t, 2), 0.5 + t / (2 * std::sqrt(2 + t * t)), 1e-12) << t;
  }
}

TEST(StudentTTest, IncompleteBetaKnownValues) {
  // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 - (1 - x)^b.
  EXPECT_NEAR(RegularizedIncompleteBeta(0.3, 1, 1), 0.3, 1e-14);
  EXPECT_NEAR(RegularizedIncompleteBeta(0.6, 3, 1), 0.216, 1e-14);
  EXPECT_NEAR(RegularizedIncompleteBeta(0.2, 1, 4), 1 - std::pow(0.8, 4), 1e-14);
  EXPECT_EQ(RegularizedIncompleteBeta(0, 2, 3), 0);
  EXPECT_EQ(RegularizedIncompleteBeta(1, 2, 3), 1);
}

TEST(StudentTTest, MeanIntervalOfFiveValues) {
  // 10, 12, 14, 16, 18: mean 14, s = sqrt(10), half-width 2.776 * sqrt(10) / sqrt(5) = 3.926.
  const MeanInterval m = MeanConfidenceInterval({10, 12, 14, 16, 18});
  EXPECT_EQ(m.count, 5);
  EXPECT_DOUBLE_EQ(m.mean, 14);
  EXPECT_NEAR(m.stddev, std::sqrt(10.0), 1e-12);
  EXPECT_EQ(m.min, 10);
  EXPECT_EQ(m.max, 18);
  ASSERT_TRUE(m.lower && m.upper);
  EXPECT_NEAR(*m.lower, 14 - 3.9261, 1e-3);
  EXPECT_NEAR(*m.upper, 14 + 3.9261, 1e-3);
}

TEST(StudentTTest, OneValueHasNoInterval) {
  const MeanInterval m = MeanConfidenceInterval({42});
  EXPECT_EQ(m.count, 1);
  EXPECT_EQ(m.mean, 42);
  EXPECT_EQ(m.stddev, 0);
  EXPECT_FALSE(m.lower);
  EXPECT_FALSE(MeanConfidenceInterval({}).lower);
}

}  // namespace
}  // namespace servebench
