// Copyright servebench authors.
//
// The best concurrency for an SLO in closed loop: the highest-throughput concurrency whose
// levels meet the SLO. Pure logic, like slo_search.h: the caller measures each probe and records
// its outcome and throughput; the search says which concurrency to measure next.
//
//   1. Double. Probe 1, 2, 4, ... (up to max_concurrency) while each meets the SLO and its
//      throughput grew by more than `tolerance` over the previous one. A met probe that did not
//      grow ends the search ("plateau"): past saturation more requests in flight only add
//      queueing. A met max_concurrency ends it ("capped"); a failed 1 ("none_met").
//   2. Bisect. Between the highest met concurrency `best` and the lowest failed one above it,
//      probe round(sqrt(best * upper)) while an integer lies strictly between them and
//      upper > best * (1 + tolerance) ("converged" once not).
//
// Throughput rises with concurrency up to the server's saturation and latency with it, so the
// highest concurrency that meets the SLO reaches, within the tolerance, the highest throughput
// within the SLO. Past saturation more concurrency only queues, so the answer (best()) is the
// least met concurrency whose throughput is within the tolerance of the highest met throughput.

#ifndef SERVEBENCH_BENCH_CONCURRENCY_SEARCH_H_
#define SERVEBENCH_BENCH_CONCURRENCY_SEARCH_H_

#include <optional>
#include <string>
#include <vector>

#include "servebench/bench/slo_search.h"

namespace servebench {

struct ConcurrencySearchSettings {
  int max_concurrency = 256;  // >= 1
  double tolerance = 0.05;    // > 0
  int max_probes = 24;        // >= 1
};

struct ConcurrencyProbe {
  int concurrency = 0;
  ProbeOutcome outcome = ProbeOutcome::kInconclusive;
  double throughput = 0;
};

class ConcurrencySearch {
 public:
  explicit ConcurrencySearch(const ConcurrencySearchSettings& settings);

  bool done() const { return !end_.empty(); }
  // "converged", "plateau", "capped", "none_met" or "out_of_probes"; empty while searching.
  const std::string& end() const { return end_; }
  // The concurrency to measure next. Precondition: !done().
  int Next() const { return next_; }
  // Records the outcome of the probe at Next().
  void Record(ProbeOutcome outcome, double throughput);

  // The least met concurrency whose throughput is within the tolerance of the highest met
  // throughput; absent when none met.
  std::optional<ConcurrencyProbe> best() const;
  // The lowest concurrency above the highest met one that did not meet; absent when none.
  std::optional<int> upper() const;
  const std::vector<ConcurrencyProbe>& probes() const { return probes_; }

 private:
  void Plan();

  const ConcurrencySearchSettings settings_;
  std::vector<ConcurrencyProbe> probes_;
  int highest_met_ = 0;    // 0: none yet
  int lowest_failed_ = 0;  // 0: none yet (above highest_met_)
  bool bisecting_ = false;
  int next_ = 1;
  std::string end_;
};

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_CONCURRENCY_SEARCH_H_
