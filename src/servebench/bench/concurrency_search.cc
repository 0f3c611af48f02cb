// Copyright servebench authors.

#include "servebench/bench/concurrency_search.h"

#include <algorithm>
#include <cmath>

namespace servebench {

ConcurrencySearch::ConcurrencySearch(const ConcurrencySearchSettings& settings)
    : settings_(settings) {}

void ConcurrencySearch::Record(ProbeOutcome outcome, double throughput) {
  if (done()) return;
  const int c = next_;
  probes_.push_back({c, outcome, throughput});
  if (outcome == ProbeOutcome::kMet) {
    // The previous power of two's throughput, while doubling.
    double previous = -1;
    if (!bisecting_ && probes_.size() >= 2) previous = probes_[probes_.size() - 2].throughput;
    highest_met_ = std::max(highest_met_, c);
    if (!bisecting_ && previous >= 0 && throughput <= previous * (1 + settings_.tolerance)) {
      end_ = "plateau";
      return;
    }
  } else if (lowest_failed_ == 0 || c < lowest_failed_) {
    lowest_failed_ = c;
    bisecting_ = true;
  }
  Plan();
}

void ConcurrencySearch::Plan() {
  if (lowest_failed_ == 0) {  // still doubling
    if (highest_met_ >= settings_.max_concurrency) {
      end_ = "capped";
      return;
    }
    next_ = std::min(highest_met_ == 0 ? 1 : highest_met_ * 2, settings_.max_concurrency);
  } else if (highest_met_ == 0) {
    end_ = "none_met";
    return;
  } else {
    const int best = highest_met_, upper = lowest_failed_;
    if (upper - best <= 1 || upper <= best * (1 + settings_.tolerance)) {
      end_ = "converged";
      return;
    }
    const int mid = static_cast<int>(std::lround(std::sqrt(static_cast<double>(best) * upper)));
    next_ = std::clamp(mid, best + 1, upper - 1);
  }
  if (static_cast<int>(probes_.size()) >= settings_.max_probes) end_ = "out_of_probes";
}

std::optional<ConcurrencyProbe> ConcurrencySearch::best() const {
  double highest = -1;
  for (const ConcurrencyProbe& p : probes_) {
    if (p.outcome == ProbeOutcome::kMet) highest = std::max(highest, p.throughput);
  }
  std::optional<ConcurrencyProbe> best;
  for (const ConcurrencyProbe& p : probes_) {
    if (p.outcome != ProbeOutcome::kMet) continue;
    if (p.throughput < highest / (1 + settings_.tolerance)) continue;
    if (!best || p.concurrency < best->concurrency) best = p;
  }
  return best;
}

std::optional<int> ConcurrencySearch::upper() const {
  if (lowest_failed_ == 0) return std::nullopt;
  return lowest_failed_;
}

}  // namespace servebench
