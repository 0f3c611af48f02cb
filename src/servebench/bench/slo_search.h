// Copyright servebench authors.
//
// The SLO search: the highest Poisson arrival rate at which a chosen latency percentile stays
// within its bound, found by measurement instead of read off a fixed ladder. Pure logic, no I/O:
// the caller measures each probe (a full, valid load level) and records its outcome; the search
// says which rate to measure next and when to stop.
//
//   1. Bracket. Probe the initial rate. While every probe has met the SLO, multiply the rate by
//      `growth` (up to max_rate). While every probe has failed, divide by `growth`; a failing
//      probe that completed fewer requests per second than offered was overloaded, and the rate
//      it did achieve is a ceiling on the capacity, so the next probe is the lower of the two
//      (a first probe a hundred times above capacity costs two probes, not four).
//   2. Bisect. With a met rate `best` below a failed rate `upper`, probe their geometric mean
//      sqrt(best * upper) until upper <= best * (1 + tolerance). When the probe at `upper` was
//      overloaded (it achieved less than 90% of its rate, but more than `best`), that throughput
//      stands in for `upper` in the mean: the capacity is at most what it achieved.
//
// An inconclusive probe (too few samples to decide, see early_stopping.h) narrows the bracket from
// above exactly as a failure does: the search never reports a rate that was not shown to meet the
// SLO. The caller should extend a level before calling it inconclusive.
//
// Guarantees, whatever the outcomes: probes are only ever asked for, and only accepted, strictly
// inside the current bracket (best_rate(), upper_rate()), so every probe recorded as met has a
// rate <= best_rate() and every other probe a rate >= upper_rate(): best_rate() was measured as
// met, and the next higher rate measured was not. When end() is kConverged,
// upper_rate() <= best_rate() * (1 + tolerance). If outcomes are monotone in the rate (met below
// some rate r*, not met above it), r* lies in [best_rate(), upper_rate()], so best_rate() is
// within the tolerance of r* and never above it.

#ifndef SERVEBENCH_BENCH_SLO_SEARCH_H_
#define SERVEBENCH_BENCH_SLO_SEARCH_H_

#include <limits>
#include <string>
#include <vector>

namespace servebench {

struct SloSearchSettings {
  double initial_rate = 100;  // requests/s of the first probe, > 0
  double growth = 4;          // bracketing factor, > 1
  double tolerance = 0.05;    // relative width at which bisection stops, > 0
  // Limits of the rates probed: min_rate > 0 and <= initial_rate <= max_rate. The search ends
  // without an answer when min_rate itself fails, and with max_rate as the answer when it meets.
  double min_rate = 0.01;
  double max_rate = std::numeric_limits<double>::infinity();
  int max_probes = 24;  // >= 1; the search ends (not converged) after this many
};

// Checks the settings; explains the first bad value in *error, naming the field.
bool ValidateSloSearchSettings(const SloSearchSettings& settings, std::string* error);

enum class ProbeOutcome {
  kMet,           // the percentile was within the bound, with the confidence the caller requires
  kNotMet,        // it was not
  kInconclusive,  // too few samples to say either
};
const char* ProbeOutcomeName(ProbeOutcome outcome);  // "met" | "not_met" | "inconclusive"

struct SloProbe {
  double rate = 0;  // offered, requests/s
  ProbeOutcome outcome = ProbeOutcome::kInconclusive;
  double achieved_throughput = 0;  // completed requests/s over the probe's window
};

enum class SloSearchEnd {
  kSearching,    // not done
  kConverged,    // upper_rate() <= best_rate() * (1 + tolerance)
  kCapped,       // max_rate met: the answer is at least max_rate
  kNoneMet,      // min_rate did not meet: no answer
  kOutOfProbes,  // max_probes used first; best_rate() (if found()) is still a met rate
};
const char* SloSearchEndName(SloSearchEnd end);  // "searching" | "converged" | "capped" | ...

class SloSearch {
 public:
  // Precondition: ValidateSloSearchSettings(settings).
  explicit SloSearch(const SloSearchSettings& settings);

  bool done() const { return end_ != SloSearchEnd::kSearching; }
  SloSearchEnd end() const { return end_; }

  // The rate to measure next. Precondition: !done().
  double NextRate() const { return next_rate_; }

  // Records the outcome of a probe at `rate` (normally NextRate(); any rate strictly inside
  // (best_rate(), upper_rate()) is accepted). Returns false and changes nothing, with the reason
  // in *error, when the search is done, the rate is outside the bracket or not finite, or the
  // throughput is negative.
  bool Record(double rate, ProbeOutcome outcome, double achieved_throughput, std::string* error);

  bool found() const { return best_ >= 0; }
  // The highest rate measured as met and its achieved throughput; 0 when none met.
  double best_rate() const { return found() ? probes_[static_cast<size_t>(best_)].rate : 0; }
  double best_throughput() const {
    return found() ? probes_[static_cast<size_t>(best_)].achieved_throughput : 0;
  }
  // The lowest rate above best_rate() measured as not met or inconclusive; +infinity when none.
  double upper_rate() const {
    return upper_ >= 0 ? probes_[static_cast<size_t>(upper_)].rate
                       : std::numeric_limits<double>::infinity();
  }
  // Every probe, in the order recorded.
  const std::vector<SloProbe>& probes() const { return probes_; }

 private:
  // Sets next_rate_ or end_ from the bracket.
  void Plan();

  const SloSearchSettings settings_;
  std::vector<SloProbe> probes_;
  int best_ = -1;   // index into probes_ of best_rate()
  int upper_ = -1;  // index into probes_ of upper_rate()
  double next_rate_ = 0;
  SloSearchEnd end_ = SloSearchEnd::kSearching;
};

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_SLO_SEARCH_H_
