// Copyright servebench authors.

#include "servebench/core/student_t.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace servebench {

namespace {

// The continued fraction of I_x(a, b) (without its prefactor), which converges quickly for
// x < (a + 1) / (a + b + 2): 1 / (1 + d_1 / (1 + d_2 / (1 + ...))) with
//   d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)),
//   d_{2m}   = m (b - m) x / ((a + 2m - 1)(a + 2m)),
// evaluated by Lentz's method (tiny values stand in for zeros so that no step divides by 0).
double BetaContinuedFraction(double x, double a, double b) {
  constexpr double kTiny = 1e-300;
  constexpr double kEpsilon = 1e-15;
  double c = 1;
  double d = 1 - (a + b) * x / (a + 1);
  if (std::abs(d) < kTiny) d = kTiny;
  d = 1 / d;
  double f = d;
  for (int m = 1; m <= 10000; ++m) {
    const double two_m = 2.0 * m;
    // The even step.
    double term = m * (b - m) * x / ((a + two_m - 1) * (a + two_m));
    d = 1 + term * d;
    if (std::abs(d) < kTiny) d = kTiny;
    c = 1 + term / c;
    if (std::abs(c) < kTiny) c = kTiny;
    d = 1 / d;
    f *= d * c;
    // The odd step.
    term = -(a + m) * (a + b + m) * x / ((a + two_m) * (a + two_m + 1));
    d = 1 + term * d;
    if (std::abs(d) < kTiny) d = kTiny;
    c = 1 + term / c;
    if (std::abs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double delta = d * c;
    f *= delta;
    if (std::abs(delta - 1) < kEpsilon) break;
  }
  return f;
}

}  // namespace

double RegularizedIncompleteBeta(double x, double a, double b) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  // x^a (1 - x)^b / B(a, b), in logs.
  const double log_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  if (x < (a + 1) / (a + b + 2)) {
    return std::exp(log_front) * BetaContinuedFraction(x, a, b) / a;
  }
  // I_x(a, b) = 1 - I_{1-x}(b, a), where the fraction converges for the other side.
  return 1 - std::exp(log_front) * BetaContinuedFraction(1 - x, b, a) / b;
}

double StudentTCdf(double t, double dof) {
  if (std::isinf(t)) return t > 0 ? 1 : 0;
  const double x = dof / (dof + t * t);
  const double tail = 0.5 * RegularizedIncompleteBeta(x, dof / 2, 0.5);  // P(T > |t|)
  return t >= 0 ? 1 - tail : tail;
}

double StudentTQuantile(double p, double dof) {
  if (p == 0.5) return 0;
  if (p < 0.5) return -StudentTQuantile(1 - p, dof);
  // P(T <= t) rises from 1/2 at 0: find an upper end, then bisect.
  double low = 0, high = 1;
  while (StudentTCdf(high, dof) < p && high < 1e300) high *= 2;
  for (int i = 0; i < 400 && high - low > 1e-13 * high; ++i) {
    const double mid = 0.5 * (low + high);
    (StudentTCdf(mid, dof) < p ? low : high) = mid;
  }
  return 0.5 * (low + high);
}

MeanInterval MeanConfidenceInterval(const std::vector<double>& values, double confidence) {
  MeanInterval m;
  m.confidence = confidence;
  m.count = static_cast<int>(values.size());
  if (values.empty()) return m;
  double sum = 0;
  for (double v : values) sum += v;
  m.mean = sum / m.count;
  m.min = *std::min_element(values.begin(), values.end());
  m.max = *std::max_element(values.begin(), values.end());
  if (m.count < 2) return m;
  double squares = 0;
  for (double v : values) squares += (v - m.mean) * (v - m.mean);
  m.stddev = std::sqrt(squares / (m.count - 1));
  const double half =
      StudentTQuantile((1 + confidence) / 2, m.count - 1) * m.stddev / std::sqrt(m.count);
  m.lower = m.mean - half;
  m.upper = m.mean + half;
  return m;
}

}  // namespace servebench
