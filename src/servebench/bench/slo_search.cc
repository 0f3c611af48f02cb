// Copyright servebench authors.

#include "servebench/bench/slo_search.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace servebench {

namespace {

std::string Number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

}  // namespace

bool ValidateSloSearchSettings(const SloSearchSettings& s, std::string* error) {
  // Written so that NaN fails every check.
  if (!(s.initial_rate > 0) || !std::isfinite(s.initial_rate)) {
    *error = "slo search: initial_rate must be a positive number, got " + Number(s.initial_rate);
  } else if (!(s.growth > 1) || !std::isfinite(s.growth)) {
    *error = "slo search: growth must be a number above 1, got " + Number(s.growth);
  } else if (!(s.tolerance > 0) || !std::isfinite(s.tolerance)) {
    *error = "slo search: tolerance must be a positive number, got " + Number(s.tolerance);
  } else if (!(s.min_rate > 0 && s.min_rate <= s.initial_rate)) {
    *error = "slo search: min_rate must be in (0, initial_rate = " + Number(s.initial_rate) +
             "], got " + Number(s.min_rate);
  } else if (!(s.max_rate >= s.initial_rate)) {
    *error = "slo search: max_rate must be at least initial_rate = " + Number(s.initial_rate) +
             ", got " + Number(s.max_rate);
  } else if (s.max_probes < 1) {
    *error = "slo search: max_probes must be at least 1, got " + std::to_string(s.max_probes);
  } else {
    return true;
  }
  return false;
}

const char* ProbeOutcomeName(ProbeOutcome outcome) {
  switch (outcome) {
    case ProbeOutcome::kMet:
      return "met";
    case ProbeOutcome::kNotMet:
      return "not_met";
    case ProbeOutcome::kInconclusive:
      return "inconclusive";
  }
  return "inconclusive";
}

const char* SloSearchEndName(SloSearchEnd end) {
  switch (end) {
    case SloSearchEnd::kSearching:
      return "searching";
    case SloSearchEnd::kConverged:
      return "converged";
    case SloSearchEnd::kCapped:
      return "capped";
    case SloSearchEnd::kNoneMet:
      return "none_met";
    case SloSearchEnd::kOutOfProbes:
      return "out_of_probes";
  }
  return "searching";
}

SloSearch::SloSearch(const SloSearchSettings& settings) : settings_(settings) { Plan(); }

bool SloSearch::Record(double rate, ProbeOutcome outcome, double achieved_throughput,
                       std::string* error) {
  if (done()) {
    *error = std::string("slo search: already ended (") + SloSearchEndName(end_) + ")";
    return false;
  }
  if (!std::isfinite(rate) || !(rate > best_rate()) || !(rate < upper_rate())) {
    *error = "slo search: a probe at " + Number(rate) + "/s lies outside the open bracket (" +
             Number(best_rate()) + ", " + Number(upper_rate()) + ")";
    return false;
  }
  if (!(achieved_throughput >= 0)) {
    *error = "slo search: achieved throughput must be >= 0, got " + Number(achieved_throughput);
    return false;
  }
  probes_.push_back({rate, outcome, achieved_throughput});
  const int index = static_cast<int>(probes_.size()) - 1;
  // Inside the bracket, a met rate is the new best and any other the new upper end.
  if (outcome == ProbeOutcome::kMet) {
    best_ = index;
  } else {
    upper_ = index;
  }
  Plan();
  return true;
}

void SloSearch::Plan() {
  const double best = best_rate();
  const double upper = upper_rate();
  if (found() && upper_ >= 0) {
    if (upper <= best * (1 + settings_.tolerance)) {
      end_ = SloSearchEnd::kConverged;
      return;
    }
    // An overloaded upper end achieved about the capacity, which bounds the answer: aim below it.
    double ceiling = upper;
    const double achieved = probes_[static_cast<size_t>(upper_)].achieved_throughput;
    if (achieved > best && achieved < 0.9 * upper) ceiling = achieved;
    next_rate_ = std::sqrt(best * ceiling);
  } else if (found()) {
    if (best >= settings_.max_rate) {
      end_ = SloSearchEnd::kCapped;
      return;
    }
    next_rate_ = std::min(best * settings_.growth, settings_.max_rate);
  } else if (upper_ >= 0) {
    if (upper <= settings_.min_rate) {
      end_ = SloSearchEnd::kNoneMet;
      return;
    }
    double next = upper / settings_.growth;
    // An overloaded probe achieved less than it was offered: the capacity is at most that.
    const double achieved = probes_[static_cast<size_t>(upper_)].achieved_throughput;
    if (achieved > 0 && achieved < next) next = achieved;
    next_rate_ = std::max(next, settings_.min_rate);
  } else {
    next_rate_ = settings_.initial_rate;
  }
  if (static_cast<int>(probes_.size()) >= settings_.max_probes) end_ = SloSearchEnd::kOutOfProbes;
}

}  // namespace servebench
