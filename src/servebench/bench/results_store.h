// Copyright servebench authors.
//
// The results database of a run: `<run_dir>/results.db` (SQLite), with tables runs, cells,
// levels, metrics, histograms and environment (schema in docs/results.md). Written cell by cell
// in a transaction each, so that it always agrees with the journal.

#ifndef SERVEBENCH_BENCH_RESULTS_STORE_H_
#define SERVEBENCH_BENCH_RESULTS_STORE_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "servebench/records/cell_record.h"
#include "servebench/records/run_record.h"

struct sqlite3;

namespace servebench {

class ResultsStore {
 public:
  // Opens or creates the database at `path` and its schema.
  static std::unique_ptr<ResultsStore> Open(const std::string& path, std::string* error);
  ~ResultsStore();

  // Records the run and its environment; idempotent per run_id (a resumed run updates its row).
  bool PutRun(const RunRecord& run, const nlohmann::json& environment, std::string* error);

  // Records one finished cell and its levels, metrics and histograms; replaces an earlier
  // record of the same (run_id, cell_id).
  bool PutCell(const CellRecord& cell, std::string* error);

 private:
  explicit ResultsStore(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_RESULTS_STORE_H_
