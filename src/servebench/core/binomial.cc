// Copyright servebench authors.
//
// log P(X = k) for 0 < k < n, with q = 1 - p and Stirling's remainder
// s(x) = log(x!) - [(x + 1/2) log x - x + log sqrt(2 pi)]:
//
//   log P(X = k) = s(n) - s(k) - s(n - k) - dev(k, np) - dev(n - k, nq)
//                  + 1/2 log(n / (2 pi k (n - k)))
//
// where dev(x, m) = x log(x / m) + m - x >= 0. This is log C(n, k) + k log p + (n - k) log q
// regrouped so that no two large numbers are subtracted: the usual lgamma form subtracts terms of
// size n log n (about 2e9 at n = 1e8) to obtain a result of order 10, losing seven digits, while
// here each piece is small or computed from a series that is accurate where it is small.
//
// A tail probability is pmf(k) times the sum of pmf(i) / pmf(k) over the tail, the ratios built by
// the recurrence pmf(i - 1) / pmf(i) = i q / ((n - i + 1) p). The tail is always summed away from
// the mean, where the ratios are below 1 and shrink at every step, so once a term times
// r / (1 - r) (r the current ratio, bounding all that follows) is negligible, the rest is too.

#include "servebench/core/binomial.h"

#include <cmath>
#include <limits>

namespace servebench {

namespace {

constexpr double kLogSqrtTwoPi = 0.918938533204672741780329736406;
constexpr double kTwoPi = 6.283185307179586476925286766559;
// Relative size below which the rest of a tail sum is dropped.
constexpr double kNegligible = 1e-17;

// Stirling's remainder s(x) for x >= 1. Above 15 the asymptotic series is used: its first omitted
// term, 691 / (360360 x^11), is below 2e-16 * s(x) there. Below, lgamma is exact enough because
// the values subtracted are small.
double StirlingRemainder(double x) {
  if (x <= 15) return std::lgamma(x + 1) - (x + 0.5) * std::log(x) + x - kLogSqrtTwoPi;
  const double x2 = x * x;
  return (1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - (1.0 / 1680 - 1.0 / (1188 * x2)) / x2) / x2) / x2) /
         x;
}

// dev(x, m) = x log(x / m) + m - x for x > 0, m > 0. Near x = m the direct form cancels; with
// v = (x - m) / (x + m), x log(x / m) = 2x (v + v^3/3 + v^5/5 + ...) and m - x = -v (x + m), so
// dev = v (x - m) + 2x (v^3/3 + v^5/5 + ...), every term of the same sign.
double Deviance(double x, double m) {
  if (std::fabs(x - m) < 0.1 * (x + m)) {
    const double v = (x - m) / (x + m);
    const double v2 = v * v;
    double sum = (x - m) * v;
    double power = 2 * x * v;
    for (int j = 1; j < 200; ++j) {
      power *= v2;
      const double next = sum + power / (2 * j + 1);
      if (next == sum) break;
      sum = next;
    }
    return sum;
  }
  return x * std::log(x / m) + m - x;
}

// Sum of pmf(i) / pmf(k) for i = k, k - 1, ..., 0 (downward) or i = k, k + 1, ..., n (upward).
// Precondition: the walk moves away from the mean (downward from k < np, upward from k > np).
double RelativeTailSum(int64_t k, int64_t n, double p, bool downward) {
  const double q = 1 - p;
  double term = 1;
  double sum = 1;
  for (int64_t i = k; downward ? i > 0 : i < n; downward ? --i : ++i) {
    const double ratio = downward
                             ? (static_cast<double>(i) * q) / (static_cast<double>(n - i + 1) * p)
                             : (static_cast<double>(n - i) * p) / (static_cast<double>(i + 1) * q);
    term *= ratio;
    sum += term;
    if (term == 0) break;
    if (ratio < 1 && term * ratio / (1 - ratio) <= sum * kNegligible) break;
  }
  return sum;
}

// P(X <= k) for 0 <= k < np, 0 < p < 1.
double LowerTail(int64_t k, int64_t n, double p) {
  return std::exp(BinomialLogPmf(k, n, p)) * RelativeTailSum(k, n, p, /*downward=*/true);
}

// P(X >= k) for np < k <= n, 0 < p < 1.
double UpperTail(int64_t k, int64_t n, double p) {
  return std::exp(BinomialLogPmf(k, n, p)) * RelativeTailSum(k, n, p, /*downward=*/false);
}

}  // namespace

double BinomialLogPmf(int64_t k, int64_t n, double p) {
  constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();
  if (k < 0 || k > n) return kMinusInfinity;
  if (p <= 0) return k == 0 ? 0 : kMinusInfinity;
  if (p >= 1) return k == n ? 0 : kMinusInfinity;
  const double nd = static_cast<double>(n);
  if (k == 0) return nd * std::log1p(-p);
  if (k == n) return nd * std::log(p);
  const double kd = static_cast<double>(k);
  const double rest = static_cast<double>(n - k);
  return StirlingRemainder(nd) - StirlingRemainder(kd) - StirlingRemainder(rest) -
         Deviance(kd, nd * p) - Deviance(rest, nd * (1 - p)) +
         0.5 * std::log(nd / (kTwoPi * kd * rest));
}

double BinomialCdf(int64_t k, int64_t n, double p) {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  if (static_cast<double>(k) < static_cast<double>(n) * p) return LowerTail(k, n, p);
  return 1 - UpperTail(k + 1, n, p);
}

double BinomialSurvival(int64_t k, int64_t n, double p) {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  if (static_cast<double>(k) > static_cast<double>(n) * p) return UpperTail(k, n, p);
  return 1 - LowerTail(k - 1, n, p);
}

}  // namespace servebench
