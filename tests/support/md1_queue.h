// Copyright servebench authors.
//
// Known truth for SLO tests: the latency of a single FIFO server with a deterministic service time
// D under Poisson arrivals of rate lambda (the M/D/1 queue), in steady state. A test server that
// takes exactly D per request on one worker is this queue, so the highest Poisson rate at which
// its p-th latency percentile stays within a bound can be computed rather than guessed.
//
// Method (exact up to double rounding, with no alternating sums). Let rho = lambda D < 1, W the
// wait before service and N the number in the system an arrival finds (by PASTA, the
// time-stationary number; for M/G/1 also the number a departure leaves behind).
//   1. N's distribution from the departure-epoch chain by level crossing: pi_0 = 1 - rho and
//        pi_j a_0 = pi_0 A_j + sum_{k=1..j-1} pi_k A_{j-k+1},
//      with a_i = P(Poisson(rho) = i) and A_m = P(Poisson(rho) >= m): every term is positive.
//   2. W <= kD exactly when N <= k (the customer in service has at most D left, each waiting one
//      exactly D): Q(k) = P(W <= kD) = P(N <= k).
//   3. Between grid points, t = (k + u) D with 0 <= u < 1: the workload is <= t exactly when the
//      arrivals of the last s time units never exceed (s + t) / D; splitting off the first
//      (1 - u) D of that look-back (m arrivals, Poisson with mean lambda (1 - u) D) leaves the
//      integer case, so
//        P(W <= t) = sum_{m=0..k} P(Poisson(lambda (1 - u) D) = m) Q(k - m + 1).
//      Again a sum of positive terms. (Erlang's closed form, sum over j of
//      (lambda (jD - t))^j / j! e^{-lambda (jD - t)}, alternates in sign and loses all its digits
//      once lambda t passes about 35; the unit test uses it only where it is still exact.)
// The latency (sojourn time) of a request is T = W + D.
//
// Not thread-safe: the distribution of N is extended lazily as larger times are asked for.

#ifndef SERVEBENCH_TESTS_SUPPORT_MD1_QUEUE_H_
#define SERVEBENCH_TESTS_SUPPORT_MD1_QUEUE_H_

#include <vector>

namespace servebench {

class Md1Queue {
 public:
  // service_time > 0; 0 < arrival_rate < 1 / service_time (any time unit, used consistently).
  Md1Queue(double service_time, double arrival_rate);

  double service_time() const { return service_time_; }
  double arrival_rate() const { return arrival_rate_; }
  double utilization() const { return rho_; }

  // P(W <= t) for the wait W; 0 for t < 0, 1 - rho at t = 0. Known to about 1e-15 absolute;
  // costs O(t / D) the first time a larger t is asked for. Throws beyond t = 10^7 D.
  double WaitCdf(double t) const;
  // P(T <= t) for the sojourn time T = W + D (the latency a client measures).
  double SojournCdf(double t) const { return WaitCdf(t - service_time_); }
  // The smallest t with P(T <= t) >= percentile / 100 (0 < percentile < 100), to a relative
  // precision of 1e-12.
  double SojournPercentile(double percentile) const;

 private:
  // Q(k) = P(N <= k), extending the tables as needed.
  double NumberCdf(int k) const;

  double service_time_;
  double arrival_rate_;
  double rho_;
  std::vector<double> poisson_;             // a_i = P(Poisson(rho) = i), while representable
  std::vector<double> poisson_tail_;        // A_m = P(Poisson(rho) >= m)
  mutable std::vector<double> number_pmf_;  // pi_j
  mutable std::vector<double> number_cdf_;  // Q(j)
};

// The highest arrival rate at which the M/D/1 queue with service time `service_time` keeps the
// `percentile`-th percentile (in percent) of its sojourn time within `bound`: the supremum of
// the rates lambda < 1 / D with P(T <= bound) >= percentile / 100, by bisection to a relative
// precision of 1e-10 (the CDF at a fixed bound falls as lambda grows). 0 when bound < D or when
// even an idle server misses (never, as P(W = 0) -> 1). As the bound grows the answer tends to
// the capacity 1 / D. Costs O(bound / D) per step: meant for bound / D up to about 10^4.
double HighestRateWithin(double service_time, double percentile, double bound);

}  // namespace servebench

#endif  // SERVEBENCH_TESTS_SUPPORT_MD1_QUEUE_H_
