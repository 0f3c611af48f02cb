// Copyright servebench authors.

#include "md1_queue.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace servebench {

Md1Queue::Md1Queue(double service_time, double arrival_rate)
    : service_time_(service_time), arrival_rate_(arrival_rate), rho_(service_time * arrival_rate) {
  if (!(service_time > 0) || !(arrival_rate > 0) || !(rho_ < 1)) {
    throw std::invalid_argument("Md1Queue: needs service_time > 0 and 0 < rate < 1 / service_time");
  }
  // a_i = e^-rho rho^i / i!, kept while it is representable (rho < 1: about 170 terms at most).
  for (double term = std::exp(-rho_); term > 0 && poisson_.size() < 1000;
       term *= rho_ / static_cast<double>(poisson_.size())) {
    poisson_.push_back(term);
  }
  // A_m as suffix sums of positive terms, not 1 - (a partial sum): a small tail stays exact.
  poisson_tail_.assign(poisson_.size() + 1, 0);
  for (size_t m = poisson_.size(); m-- > 0;) poisson_tail_[m] = poisson_tail_[m + 1] + poisson_[m];
  number_pmf_.push_back(1 - rho_);
  number_cdf_.push_back(1 - rho_);
}

double Md1Queue::NumberCdf(int k) const {
  if (k < 0) return 0;
  const size_t span = poisson_tail_.size();  // A_m = 0 from m = span on
  auto tail = [&](size_t m) { return m < span ? poisson_tail_[m] : 0.0; };
  while (number_pmf_.size() <= static_cast<size_t>(k)) {
    const size_t j = number_pmf_.size();
    // Level crossing between {0..j-1} and {j, j+1, ...} at departure epochs.
    double up = number_pmf_[0] * tail(j);
    const size_t first = j + 1 >= span ? j + 2 - span : 1;  // A_{j-i+1} = 0 below it
    for (size_t i = first; i < j; ++i) up += number_pmf_[i] * tail(j - i + 1);
    number_pmf_.push_back(up / poisson_[0]);
    number_cdf_.push_back(std::min(1.0, number_cdf_.back() + number_pmf_.back()));
  }
  return number_cdf_[static_cast<size_t>(k)];
}

double Md1Queue::WaitCdf(double t) const {
  if (t < 0) return 0;
  const double x = t / service_time_;
  if (x > 1e7) throw std::invalid_argument("Md1Queue: a wait beyond 10^7 service times");
  const double whole = std::floor(x);
  const int k = static_cast<int>(whole);
  const double u = x - whole;
  if (u == 0) return NumberCdf(k);
  // m arrivals in the first (1 - u) D of the look-back, then the integer case at k - m + 1.
  const double mean = rho_ * (1 - u);
  double weight = std::exp(-mean);
  double sum = 0;
  for (int m = 0; m <= k && weight > 0; ++m) {
    sum += weight * NumberCdf(k - m + 1);
    weight *= mean / (m + 1);
  }
  return std::min(1.0, sum);
}

double Md1Queue::SojournPercentile(double percentile) const {
  const double target = percentile / 100;
  if (SojournCdf(service_time_) >= target) return service_time_;  // the atom: no wait
  double low = service_time_;                                     // below the target
  double high = 2 * service_time_;
  // The CDF reaches 1 - 1e-15 or so; a target closer to 1 than that stops the doubling at 2^23 D.
  for (int i = 0; i < 22 && SojournCdf(high) < target; ++i) {
    low = high;
    high *= 2;
  }
  while (high - low > 1e-12 * high) {
    const double mid = 0.5 * (low + high);
    if (SojournCdf(mid) >= target) {
      high = mid;
    } else {
      low = mid;
    }
  }
  return high;
}

double HighestRateWithin(double service_time, double percentile, double bound) {
  if (bound < service_time) return 0;
  const double target = percentile / 100;
  // Bisection on rho in (0, 1): `low` meets the percentile (the limit rho -> 0 does, as
  // P(W = 0) = 1 - rho), `high` does not (rho = 1 is unstable).
  double low = 0;
  double high = 1;
  while (high - low > 1e-10 * high) {
    const double mid = 0.5 * (low + high);
    const Md1Queue queue(service_time, mid / service_time);
    if (queue.SojournCdf(bound) >= target) {
      low = mid;
    } else {
      high = mid;
    }
  }
  return low / service_time;
}

}  // namespace servebench
