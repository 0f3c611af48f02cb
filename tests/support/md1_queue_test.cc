// Copyright servebench authors.
//
// The M/D/1 truth against three independent witnesses: Erlang's closed form (in long double,
// where its alternating sum is still exact), the Pollaczek-Khinchine moments (which check the
// whole distribution, tail included), and a discrete-event simulation with a fixed seed.

#include "md1_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace servebench {
namespace {

// Erlang's formula for the M/D/1 wait: P(W <= t) = (1 - rho) sum_{k=0}^{floor(t/D)}
// (-x_k)^k / k! e^{x_k}, x_k = lambda (t - k D). The terms grow like e^{lambda t} and alternate,
// so it is only usable for small lambda t.
long double ErlangWaitCdf(long double service_time, long double rate, long double t) {
  const long double rho = rate * service_time;
  long double sum = 0;
  for (int k = 0; k <= static_cast<int>(floorl(t / service_time)); ++k) {
    const long double x = rate * (t - k * service_time);
    sum += powl(-x, k) / tgammal(k + 1.0L) * expl(x);
  }
  return (1 - rho) * sum;
}

TEST(Md1QueueTest, AtomAtZero) {
  const Md1Queue queue(0.002, 300);  // rho = 0.6
  EXPECT_DOUBLE_EQ(queue.utilization(), 0.6);
  EXPECT_NEAR(queue.WaitCdf(0), 0.4, 1e-15);
  EXPECT_EQ(queue.WaitCdf(-1e-12), 0);
  EXPECT_EQ(queue.SojournCdf(0.001), 0);  // nobody is served faster than D
  EXPECT_NEAR(queue.SojournCdf(0.002), 0.4, 1e-15);
}

TEST(Md1QueueTest, MatchesErlangsClosedFormWhereItIsExact) {
  for (double rho : {0.1, 0.5, 0.7, 0.9}) {
    const double service_time = 1.0;
    const Md1Queue queue(service_time, rho / service_time);
    for (double t : {0.0, 0.25, 0.999, 1.0, 1.5, 2.0, 3.3, 5.0, 7.75, 10.0}) {
      EXPECT_NEAR(queue.WaitCdf(t), static_cast<double>(ErlangWaitCdf(1.0L, rho, t)), 1e-12)
          << "rho=" << rho << " t=" << t;
    }
  }
  // Another time unit: the distribution scales with D.
  const Md1Queue scaled(0.004, 200);  // rho = 0.8
  const Md1Queue unit(1.0, 0.8);
  for (double u : {0.3, 1.7, 4.2}) {
    EXPECT_NEAR(scaled.WaitCdf(u * 0.004), unit.WaitCdf(u), 1e-13) << u;
  }
}

// Simpson's rule over each [kD, (k+1)D] (the distribution's derivatives jump at multiples of D)
// of g(t) (1 - F(t)), out to where 1 - F < 1e-12 (1 - F is only known to about 1e-15 absolute,
// and the tail beyond adds less than 1e-10 to the moments checked here).
template <typename Weight>
double IntegrateTail(const Md1Queue& queue, Weight weight) {
  const double d = queue.service_time();
  const int panels = 200;  // per service time, even
  const double h = d / panels;
  double total = 0;
  for (int k = 0; k < 100'000; ++k) {
    const double a = k * d;
    auto f = [&](double t) { return weight(t) * (1 - queue.WaitCdf(t)); };
    double sum = f(a) + f(a + d);
    for (int i = 1; i < panels; ++i) sum += (i % 2 == 1 ? 4 : 2) * f(a + i * h);
    total += sum * h / 3;
    if (1 - queue.WaitCdf(a + d) < 1e-12) break;
  }
  return total;
}

TEST(Md1QueueTest, MomentsMatchPollaczekKhinchine) {
  for (double rho : {0.3, 0.7, 0.95}) {
    const double d = 1.0;
    const double rate = rho / d;
    const Md1Queue queue(d, rate);
    // E[W] = lambda E[S^2] / (2 (1 - rho)) = rho D / (2 (1 - rho)).
    const double mean = rho * d / (2 * (1 - rho));
    // E[W^2] = 2 E[W]^2 + lambda E[S^3] / (3 (1 - rho)) = 2 E[W]^2 + lambda D^3 / (3 (1 - rho)).
    const double second = 2 * mean * mean + rate * d * d * d / (3 * (1 - rho));
    EXPECT_NEAR(IntegrateTail(queue, [](double) { return 1.0; }), mean, 1e-8 * mean) << rho;
    EXPECT_NEAR(IntegrateTail(queue, [](double t) { return 2 * t; }), second, 1e-8 * second) << rho;
  }
}

TEST(Md1QueueTest, MatchesASimulatedQueue) {
  // One FIFO server, deterministic service D, Poisson arrivals: each customer's wait follows
  // Lindley's recursion W' = max(0, W + D - A), A the exponential gap to the next arrival. The
  // empirical CDF at a few points, with a standard error from 100 batch means (the waits are
  // correlated), must match within five standard errors.
  const double d = 1.0;
  const std::vector<double> points = {0.0, 0.5, 1.0, 2.5, 5.0, 10.0};
  for (double rho : {0.5, 0.8}) {
    const Md1Queue queue(d, rho / d);
    std::mt19937_64 generator(42);
    std::exponential_distribution<double> gap(rho / d);
    const int batches = 100;
    const int per_batch = 200'000;
    double wait = 0;
    for (int i = 0; i < 10'000; ++i) wait = std::max(0.0, wait + d - gap(generator));  // warm-up
    std::vector<std::vector<double>> shares(points.size());
    for (int b = 0; b < batches; ++b) {
      std::vector<int64_t> below(points.size(), 0);
      for (int i = 0; i < per_batch; ++i) {
        for (size_t p = 0; p < points.size(); ++p) below[p] += wait <= points[p] ? 1 : 0;
        wait = std::max(0.0, wait + d - gap(generator));
      }
      for (size_t p = 0; p < points.size(); ++p) {
        shares[p].push_back(static_cast<double>(below[p]) / per_batch);
      }
    }
    for (size_t p = 0; p < points.size(); ++p) {
      double mean = 0;
      for (double s : shares[p]) mean += s;
      mean /= batches;
      double variance = 0;
      for (double s : shares[p]) variance += (s - mean) * (s - mean);
      variance /= batches - 1;
      const double standard_error = std::sqrt(variance / batches);
      EXPECT_LT(standard_error, 0.003) << "rho=" << rho << " t=" << points[p];
      EXPECT_NEAR(mean, queue.WaitCdf(points[p]), 5 * standard_error + 1e-4)
          << "rho=" << rho << " t=" << points[p];
    }
  }
}

TEST(Md1QueueTest, SojournPercentileInvertsTheCdf) {
  const Md1Queue queue(0.01, 90);  // rho = 0.9
  for (double percentile : {50.0, 90.0, 99.0, 99.9}) {
    const double t = queue.SojournPercentile(percentile);
    EXPECT_GE(queue.SojournCdf(t), percentile / 100) << percentile;
    EXPECT_LT(queue.SojournCdf(t * (1 - 1e-9)), percentile / 100) << percentile;
  }
  // Below 1 - rho the answer is the atom: D itself.
  EXPECT_EQ(queue.SojournPercentile(5), 0.01);
}

TEST(Md1QueueTest, HighestRateWithinPutsThePercentileOnTheBound) {
  struct Case {
    double service_time, percentile, bound;
  };
  for (const Case& c : {Case{0.001, 99, 0.010}, Case{0.010, 99, 0.050}, Case{0.050, 90, 0.200},
                        Case{0.002, 50, 0.003}}) {
    const double rate = HighestRateWithin(c.service_time, c.percentile, c.bound);
    ASSERT_GT(rate, 0);
    ASSERT_LT(rate * c.service_time, 1);
    const Md1Queue at(c.service_time, rate);
    EXPECT_NEAR(at.SojournPercentile(c.percentile), c.bound, 1e-6 * c.bound);
    const Md1Queue above(c.service_time, rate * 1.001);
    EXPECT_GT(above.SojournPercentile(c.percentile), c.bound);
  }
}

TEST(Md1QueueTest, HighestRateWithinAtTheEdges) {
  // A bound below the service time cannot be met at any rate.
  EXPECT_EQ(HighestRateWithin(0.01, 99, 0.009), 0);
  // A bound of exactly D needs no wait at all for 99% of requests: P(W = 0) = 1 - rho >= 0.99.
  EXPECT_NEAR(HighestRateWithin(0.01, 99, 0.01), (1 - 0.99) / 0.01, 1e-8);
  // Loose bounds approach the capacity 1 / D, monotonically.
  double previous = 0;
  for (double multiple : {2.0, 10.0, 100.0, 1000.0}) {
    const double rate = HighestRateWithin(0.001, 99, multiple * 0.001);
    EXPECT_GT(rate, previous) << multiple;
    EXPECT_LT(rate, 1000) << multiple;
    previous = rate;
  }
  EXPECT_GT(previous, 0.99 * 1000);
}

}  // namespace
}  // namespace servebench
