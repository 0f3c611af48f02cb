// Copyright servebench authors.
//
// A small but realistic run for the results tests: two model variants (one with a measured
// accuracy, one whose accuracy is not applicable) on two servers under a closed-loop sweep, an
// open-loop sweep and a cold-start scenario, with one failed cell. Load results are produced by
// the load engine's own LoadResult::ToJson from recorded histograms, so the tests read the
// exact shape the runner journals.

#ifndef SERVEBENCH_TESTS_RESULTS_SYNTHETIC_RECORDS_H_
#define SERVEBENCH_TESTS_RESULTS_SYNTHETIC_RECORDS_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace servebench::testing {

nlohmann::json SyntheticRun();
nlohmann::json SyntheticEnvironment();
// In run order. Every cell's summary numbers differ, so a table cell names its source.
std::vector<nlohmann::json> SyntheticCells();

// One load level of a concurrency (rate == 0) or rate sweep.
nlohmann::json SyntheticLevel(int concurrency, double rate, int64_t base_latency_ns);

// A fresh empty folder under the test temporary directory.
std::string MakeTempDir();

std::string ReadFile(const std::string& path);

}  // namespace servebench::testing

#endif  // SERVEBENCH_TESTS_RESULTS_SYNTHETIC_RECORDS_H_
