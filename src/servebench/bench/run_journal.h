// Copyright servebench authors.
//
// A run as its journal holds it, typed: the run record, the environment it ran in, and the
// latest record of every cell that finished. `--resume` goes on from it and `servebench report`
// writes the outputs from it; a record the journal holds but that is not a valid run, cell or
// environment record is an error naming its line and field, never a crash.

#ifndef SERVEBENCH_BENCH_RUN_JOURNAL_H_
#define SERVEBENCH_BENCH_RUN_JOURNAL_H_

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "servebench/records/cell_record.h"
#include "servebench/records/run_record.h"

namespace servebench {

struct RunState {
  std::string run_dir;
  RunRecord run;
  nlohmann::json environment;     // CollectEnvironment()'s object; null when unknown
  std::vector<CellRecord> cells;  // the latest record per cell id, in the order they finished
  std::set<std::string> ok_cells;

  // Adds a finished cell, replacing an earlier record of the same cell id.
  void KeepCell(const CellRecord& cell);
};

// Reads `<run_dir>/journal.jsonl` into *state. Fails with "<path> line N: <field>: <problem>"
// for a malformed record, and when the journal holds no run record (not a run folder).
bool ReadRunJournal(const std::string& run_dir, RunState* state, std::string* error);

// The journal line of the environment record.
nlohmann::json EnvironmentJournalRecord(const nlohmann::json& environment);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_RUN_JOURNAL_H_
