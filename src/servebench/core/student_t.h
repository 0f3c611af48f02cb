// Copyright servebench authors.
//
// Student's t distribution, for the confidence interval of a mean from a few repeated
// measurements (servebench run's `repeats`). For n independent, normally distributed values with
// mean m and sample standard deviation s, (m - mu) / (s / sqrt(n)) follows Student's t with
// n - 1 degrees of freedom, so
//
//     mu lies in  m -+ t_{(1 + c) / 2, n - 1} * s / sqrt(n)   with confidence c.
//
// The distribution function is computed from its definition through the regularized incomplete
// beta function, P(T <= t) = 1 - I_x(dof / 2, 1 / 2) / 2 for t >= 0, x = dof / (dof + t^2), with
// I_x evaluated by its continued fraction (Lentz's method); the quantile by bisection of it.

#ifndef SERVEBENCH_CORE_STUDENT_T_H_
#define SERVEBENCH_CORE_STUDENT_T_H_

#include <optional>
#include <vector>

namespace servebench {

// I_x(a, b), the regularized incomplete beta function: 0 <= x <= 1, a > 0, b > 0.
double RegularizedIncompleteBeta(double x, double a, double b);

// P(T <= t) for T ~ Student's t with `dof` > 0 degrees of freedom.
double StudentTCdf(double t, double dof);

// The t with P(T <= t) = p, 0 < p < 1, to a relative precision of about 1e-12.
double StudentTQuantile(double p, double dof);

// The mean of a set of values and how far it can be trusted.
struct MeanInterval {
  int count = 0;
  double mean = 0;
  double stddev = 0;  // sample standard deviation (n - 1 in the denominator); 0 for one value
  double min = 0;
  double max = 0;
  double confidence = 0;
  // mean -+ t_{(1 + confidence) / 2, n - 1} * stddev / sqrt(n); absent for fewer than 2 values.
  std::optional<double> lower;
  std::optional<double> upper;
};

// Precondition: 0 < confidence < 1. An empty `values` gives count 0 and zeros.
MeanInterval MeanConfidenceInterval(const std::vector<double>& values, double confidence = 0.95);

}  // namespace servebench

#endif  // SERVEBENCH_CORE_STUDENT_T_H_
