// Copyright servebench authors.
//
// The readable summary `servebench load` prints: what ran, the requests and their errors, the
// throughput, a percentile table from p50 to p99.99 and max, and the generator's own health, in
// words when it fell behind.

#ifndef SERVEBENCH_CLI_LOAD_SUMMARY_H_
#define SERVEBENCH_CLI_LOAD_SUMMARY_H_

#include <string>

#include "servebench/load/load_result.h"

namespace servebench {

std::string FormatLoadSummary(const LoadResult& result);

// A latency in microseconds for people: "812 us", "12.4 ms", "1.20 s".
std::string FormatMicros(double micros);

}  // namespace servebench

#endif  // SERVEBENCH_CLI_LOAD_SUMMARY_H_
