// Copyright servebench authors.
//
// The binomial distribution's probabilities, for the statistical rules that judge percentiles
// (early stopping, order-statistic confidence intervals). Exact up to double rounding for any n
// that fits in an int64_t: each probability is a sum of terms taken relative to one term computed
// in log space, so nothing overflows or underflows before the final scaling, and the log of a term
// uses the saddle-point form (Stirling's remainder and a deviance term) that keeps full relative
// precision where the textbook lgamma sum loses digits to cancellation (n in the tens of
// millions).
//
// X ~ Binomial(n, p): the number of successes in n independent trials that each succeed with
// probability p. Preconditions for all functions: n >= 0 and 0 <= p <= 1.

#ifndef SERVEBENCH_CORE_BINOMIAL_H_
#define SERVEBENCH_CORE_BINOMIAL_H_

#include <cstdint>

namespace servebench {

// log P(X = k); -infinity when the probability is 0 (k outside [0, n], or p at 0 or 1 with k
// impossible).
double BinomialLogPmf(int64_t k, int64_t n, double p);

// P(X <= k): 0 for k < 0, 1 for k >= n.
double BinomialCdf(int64_t k, int64_t n, double p);

// P(X >= k): 1 for k <= 0, 0 for k > n. Computed as its own tail sum, not as 1 - BinomialCdf, so
// that a small upper tail keeps its relative precision.
double BinomialSurvival(int64_t k, int64_t n, double p);

}  // namespace servebench

#endif  // SERVEBENCH_CORE_BINOMIAL_H_
