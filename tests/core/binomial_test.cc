// Copyright servebench authors.
//
// The binomial probabilities against independent computations: direct summation of the terms in
// long double (64-bit mantissa, lgammal for the coefficients) for small n and for n = 10^7, where
// the long double terms are accurate to about 1e-11 relative; identities elsewhere.

#include "servebench/core/binomial.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace servebench {
namespace {

long double LongDoublePmf(int64_t k, int64_t n, long double p) {
  if (p == 0) return k == 0 ? 1 : 0;
  if (p == 1) return k == n ? 1 : 0;
  const long double log_pmf = lgammal(n + 1.0L) - lgammal(k + 1.0L) - lgammal(n - k + 1.0L) +
                              k * logl(p) + (n - k) * log1pl(-p);
  return expl(log_pmf);
}

// The tail's terms from k outward, in long double, until they no longer matter (terms fall
// monotonically beyond the mean).
long double LongDoubleCdf(int64_t k, int64_t n, long double p) {
  long double sum = 0;
  for (int64_t i = k; i >= 0; --i) {
    const long double term = LongDoublePmf(i, n, p);
    sum += term;
    if (i < n * p && term < 1e-25L * sum) break;
  }
  return sum;
}

long double LongDoubleSurvival(int64_t k, int64_t n, long double p) {
  long double sum = 0;
  for (int64_t i = std::max<int64_t>(k, 0); i <= n; ++i) {
    const long double term = LongDoublePmf(i, n, p);
    sum += term;
    if (i > n * p && term < 1e-25L * sum) break;
  }
  return sum;
}

// Relative agreement, with an absolute floor for values near underflow.
void ExpectClose(double got, long double want, double relative, const std::string& what) {
  const long double diff = fabsl(static_cast<long double>(got) - want);
  EXPECT_LE(diff, relative * want + 1e-300L)
      << what << ": got " << got << " want " << static_cast<double>(want);
}

TEST(BinomialTest, SmallNMatchesDirectSummationEverywhere) {
  for (int64_t n : {1, 2, 5, 10, 37, 100, 500}) {
    for (double p : {0.001, 0.01, 0.1, 0.5, 0.9, 0.99}) {
      for (int64_t k = 0; k <= n; ++k) {
        const std::string what =
            "n=" + std::to_string(n) + " p=" + std::to_string(p) + " k=" + std::to_string(k);
        ExpectClose(BinomialCdf(k, n, p), LongDoubleCdf(k, n, p), 1e-12, "cdf " + what);
        ExpectClose(BinomialSurvival(k, n, p), LongDoubleSurvival(k, n, p), 1e-12,
                    "survival " + what);
        ExpectClose(std::exp(BinomialLogPmf(k, n, p)), LongDoublePmf(k, n, p), 1e-12,
                    "pmf " + what);
      }
    }
  }
}

TEST(BinomialTest, TensOfMillionsMatchesLongDoubleSummation) {
  const int64_t n = 10'000'000;
  const double p = 0.01;  // mean 100000, standard deviation about 315
  for (int64_t k : {96000, 99000, 99700, 100000, 100300, 101000, 104000}) {
    const std::string what = "k=" + std::to_string(k);
    // The long double terms carry lgammal's error at 1.5e8 (about 1e-11 relative).
    if (k < 100000) {
      ExpectClose(BinomialCdf(k, n, p), LongDoubleCdf(k, n, p), 1e-9, "cdf " + what);
    } else {
      ExpectClose(BinomialSurvival(k, n, p), LongDoubleSurvival(k, n, p), 1e-9, "survival " + what);
    }
    ExpectClose(std::exp(BinomialLogPmf(k, n, p)), LongDoublePmf(k, n, p), 1e-9, "pmf " + what);
  }
}

TEST(BinomialTest, NoOverflowOrUnderflowAtFiftyMillion) {
  const int64_t n = 50'000'000;
  const double p = 0.001;
  const double mean = n * p;
  // At the mean: Stirling's formula gives 1 / sqrt(2 pi n p q) to within 1 / (6 n p q), and the
  // long double terms give the value itself.
  EXPECT_NEAR(BinomialLogPmf(50'000, n, p), -0.5 * std::log(2 * M_PI * mean * (1 - p)),
              1 / (6 * mean * (1 - p)));
  EXPECT_NEAR(BinomialLogPmf(50'000, n, p), logl(LongDoublePmf(50'000, n, p)), 1e-9);
  // The median of a binomial is floor or ceil of the mean.
  EXPECT_GE(BinomialCdf(50'000, n, p), 0.5);
  EXPECT_LT(BinomialCdf(49'999, n, p), 0.5);
  // Twenty standard deviations out: tiny but positive, and the complement is exactly 1.
  const double far = BinomialCdf(50'000 - 4'470, n, p);
  EXPECT_GT(far, 0);
  EXPECT_LT(far, 1e-80);
  EXPECT_EQ(BinomialCdf(50'000 + 4'470, n, p), 1.0);
  // Beyond double range: exactly 0, not NaN.
  EXPECT_EQ(BinomialCdf(10'000, n, p), 0.0);
  EXPECT_EQ(BinomialSurvival(200'000, n, p), 0.0);
}

TEST(BinomialTest, PointMassesSumToOne) {
  const int64_t n = 2000;
  for (double p : {0.003, 0.5, 0.97}) {
    double sum = 0;
    for (int64_t k = 0; k <= n; ++k) sum += std::exp(BinomialLogPmf(k, n, p));
    EXPECT_NEAR(sum, 1.0, 1e-13) << "p=" << p;
  }
}

TEST(BinomialTest, TailsAreComplementary) {
  for (int64_t n : {3, 64, 662, 100'000}) {
    for (double p : {0.01, 0.1, 0.5}) {
      for (int64_t k : {int64_t{0}, int64_t{1}, n / 7, n / 2, n - 1, n}) {
        EXPECT_NEAR(BinomialCdf(k - 1, n, p) + BinomialSurvival(k, n, p), 1.0, 1e-14)
            << "n=" << n << " p=" << p << " k=" << k;
      }
    }
  }
}

TEST(BinomialTest, EdgesOfTheDomain) {
  EXPECT_EQ(BinomialCdf(-1, 10, 0.5), 0.0);
  EXPECT_EQ(BinomialCdf(10, 10, 0.5), 1.0);
  EXPECT_EQ(BinomialCdf(0, 0, 0.5), 1.0);
  EXPECT_EQ(BinomialSurvival(0, 10, 0.5), 1.0);
  EXPECT_EQ(BinomialSurvival(11, 10, 0.5), 0.0);
  EXPECT_EQ(BinomialCdf(0, 10, 0.0), 1.0);
  EXPECT_EQ(BinomialCdf(9, 10, 1.0), 0.0);
  EXPECT_EQ(BinomialSurvival(10, 10, 1.0), 1.0);
  EXPECT_EQ(BinomialSurvival(1, 10, 0.0), 0.0);
  EXPECT_EQ(BinomialLogPmf(0, 10, 0.0), 0.0);
  EXPECT_TRUE(std::isinf(BinomialLogPmf(11, 10, 0.5)));
  EXPECT_NEAR(BinomialCdf(0, 44, 0.1), std::pow(0.9, 44), 1e-14 * std::pow(0.9, 44));
}

}  // namespace
}  // namespace servebench
