// Copyright servebench authors.
//
// A small but realistic run for the results and report tests: two model variants (one with a
// measured accuracy, one whose accuracy is not applicable) on two servers under a closed-loop
// sweep, an open-loop sweep and a cold-start scenario, with one failed cell. Load records are
// made by the load engine's own LoadRecord::Of from recorded histograms, so the tests read the
// exact records the runner journals.

#ifndef SERVEBENCH_TESTS_SUPPORT_SYNTHETIC_RECORDS_H_
#define SERVEBENCH_TESTS_SUPPORT_SYNTHETIC_RECORDS_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "servebench/records/cell_record.h"
#include "servebench/records/run_record.h"

namespace servebench::testing {

RunRecord SyntheticRun();
nlohmann::json SyntheticEnvironment();
// In run order. Every cell's summary numbers differ, so a table cell names its source.
std::vector<CellRecord> SyntheticCells();
// Accuracy cells of the same run: digits-mlp on torchscript agreeing with its card, on fastapi
// ten samples short of it (a warning), and resnet18 skipped for lack of test data.
std::vector<CellRecord> SyntheticAccuracyCells();

// One load level of a concurrency (rate == 0) or rate sweep.
LevelRecord SyntheticLevel(int concurrency, double rate, int64_t base_latency_ns);

// A fresh empty folder under the test temporary directory.
std::string MakeTempDir();

std::string ReadFile(const std::string& path);

}  // namespace servebench::testing

#endif  // SERVEBENCH_TESTS_SUPPORT_SYNTHETIC_RECORDS_H_
