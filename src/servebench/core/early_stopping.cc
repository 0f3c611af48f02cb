// Copyright servebench authors.

#include "servebench/core/early_stopping.h"

#include <algorithm>
#include <limits>

#include "servebench/core/binomial.h"
#include "servebench/core/percentile_confidence.h"

namespace servebench {

namespace {

// q = 1 - (p - d), the overrun probability of a minimally failing system.
double FailingOverrunProbability(const EarlyStoppingSettings& settings) {
  return 1 - (settings.percentile - settings.tolerance) / 100;
}

// The overrun probability of a system that meets the percentile exactly.
double PassingOverrunProbability(const EarlyStoppingSettings& settings) {
  return 1 - settings.percentile / 100;
}

}  // namespace

bool ValidateEarlyStoppingSettings(const EarlyStoppingSettings& settings, std::string* error) {
  // Written so that NaN fails every check.
  if (!(settings.percentile > 0 && settings.percentile < 100)) {
    *error = "early stopping: percentile must be in (0, 100), got " +
             std::to_string(settings.percentile);
    return false;
  }
  if (!(settings.confidence > 0 && settings.confidence < 1)) {
    *error =
        "early stopping: confidence must be in (0, 1), got " + std::to_string(settings.confidence);
    return false;
  }
  if (!(settings.tolerance >= 0 && settings.tolerance < settings.percentile)) {
    *error = "early stopping: tolerance must be in [0, percentile), got " +
             std::to_string(settings.tolerance);
    return false;
  }
  return true;
}

double MinimallyFailingOdds(int64_t queries, int64_t overruns,
                            const EarlyStoppingSettings& settings) {
  return BinomialCdf(overruns, queries, FailingOverrunProbability(settings));
}

int64_t MinQueriesForEarlyStopping(int64_t overruns, const EarlyStoppingSettings& settings) {
  const double limit = 1 - settings.confidence;
  // The odds fall as n grows: find n with odds <= limit by doubling, then the least one by
  // bisection. `bad` never passes, `good` always does.
  int64_t bad = overruns;  // n = t: all overran, the odds are 1
  int64_t good = overruns + 1;
  while (MinimallyFailingOdds(good, overruns, settings) > limit) {
    bad = good;
    if (good > std::numeric_limits<int64_t>::max() / 4) return std::numeric_limits<int64_t>::max();
    good = 2 * good + 1;
  }
  while (good - bad > 1) {
    const int64_t mid = bad + (good - bad) / 2;
    if (MinimallyFailingOdds(mid, overruns, settings) <= limit) {
      good = mid;
    } else {
      bad = mid;
    }
  }
  return good;
}

bool EarlyStoppingPasses(int64_t queries, int64_t overruns, const EarlyStoppingSettings& settings) {
  // Equivalent to queries >= MinQueries(overruns), as the odds fall monotonically in n.
  return MinimallyFailingOdds(queries, overruns, settings) <= 1 - settings.confidence;
}

int64_t MaxOverrunsAllowed(int64_t queries, const EarlyStoppingSettings& settings) {
  // The odds grow with t; find the largest t in [0, queries] that still passes.
  if (!EarlyStoppingPasses(queries, 0, settings)) return -1;
  int64_t good = 0;
  int64_t bad = queries + 1;
  while (bad - good > 1) {
    const int64_t mid = good + (bad - good) / 2;
    if (EarlyStoppingPasses(queries, mid, settings)) {
      good = mid;
    } else {
      bad = mid;
    }
  }
  return good;
}

bool EarlyStoppingFails(int64_t queries, int64_t overruns, const EarlyStoppingSettings& settings) {
  return BinomialSurvival(overruns, queries, PassingOverrunProbability(settings)) <=
         1 - settings.confidence;
}

EarlyStoppingEstimate EarlyStoppingPercentile(const Histogram& histogram,
                                              const EarlyStoppingSettings& settings) {
  EarlyStoppingEstimate estimate;
  estimate.queries = histogram.count();
  estimate.min_queries = MinQueriesForEarlyStopping(1, settings);
  estimate.defined = estimate.queries >= estimate.min_queries;
  if (!estimate.defined) return estimate;
  const int64_t allowed = MaxOverrunsAllowed(estimate.queries, settings);  // >= 1 here
  estimate.rank = estimate.queries - allowed + 1;
  estimate.discarded = allowed - 1;
  estimate.value = ValueAtRank(histogram, estimate.rank);
  return estimate;
}

const char* BoundVerdictName(BoundVerdict verdict) {
  switch (verdict) {
    case BoundVerdict::kMet:
      return "met";
    case BoundVerdict::kNotMet:
      return "not_met";
    case BoundVerdict::kUndecided:
      return "undecided";
  }
  return "undecided";
}

BoundJudgement JudgeLatencyBound(const Histogram& histogram, int64_t bound,
                                 const EarlyStoppingSettings& settings) {
  BoundJudgement judgement;
  const int64_t n = histogram.count();
  judgement.queries = n;
  if (bound < 0) {
    judgement.overruns = n;
    judgement.certain_overruns = n;
  } else if (n > 0 && bound < histogram.max()) {
    // CountAtOrBelow leaves out the bucket that straddles the bound; counting up to that bucket's
    // highest value takes all of it in.
    judgement.overruns = n - histogram.CountAtOrBelow(bound);
    judgement.certain_overruns =
        n - histogram.CountAtOrBelow(histogram.HighestEquivalentValue(bound));
  }
  judgement.min_queries = MinQueriesForEarlyStopping(judgement.overruns, settings);
  if (EarlyStoppingPasses(n, judgement.overruns, settings)) {
    judgement.verdict = BoundVerdict::kMet;
  } else if (EarlyStoppingFails(n, judgement.certain_overruns, settings)) {
    judgement.verdict = BoundVerdict::kNotMet;
  } else {
    judgement.verdict = BoundVerdict::kUndecided;
  }
  return judgement;
}

}  // namespace servebench
