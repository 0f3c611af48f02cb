// Copyright servebench authors.

#include "servebench/bench/run_journal.h"

#include <algorithm>

#include "servebench/bench/journal.h"

namespace servebench {

using nlohmann::json;

void RunState::KeepCell(const CellRecord& cell) {
  auto same = [&](const CellRecord& c) { return c.cell_id == cell.cell_id; };
  cells.erase(std::remove_if(cells.begin(), cells.end(), same), cells.end());
  cells.push_back(cell);
  if (cell.ok()) ok_cells.insert(cell.cell_id);
}

json EnvironmentJournalRecord(const json& environment) {
  return {{"record", "environment"}, {"environment", environment}};
}

bool ReadRunJournal(const std::string& run_dir, RunState* state, std::string* error) {
  std::vector<json> records;
  std::vector<int> lines;
  if (!Journal::Read(run_dir, &records, error, &lines)) return false;
  *state = RunState();
  state->run_dir = run_dir;
  bool have_run = false;
  for (size_t i = 0; i < records.size(); ++i) {
    const json& r = records[i];
    auto kind = r.find("record");
    const std::string record = kind != r.end() && kind->is_string() ? kind->get<std::string>() : "";
    std::string problem;
    if (record == "run") {
      have_run = RunRecord::FromJson(r, &state->run, &problem);
    } else if (record == "environment") {
      auto environment = r.find("environment");
      if (environment == r.end() || !(environment->is_object() || environment->is_null())) {
        problem = "environment: expected an object";
      } else {
        state->environment = *environment;
      }
    } else if (record == "cell") {
      CellRecord cell;
      if (CellRecord::FromJson(r, &cell, &problem)) state->KeepCell(cell);
    }
    // Other kinds of record are not this version's to read: skipped.
    if (!problem.empty()) {
      *error = Journal::PathIn(run_dir) + " line " + std::to_string(lines[i]) + ": " + record +
               " record: " + problem;
      return false;
    }
  }
  if (!have_run) {
    *error = Journal::PathIn(run_dir) + " holds no run record: not a servebench run folder";
    return false;
  }
  return true;
}

}  // namespace servebench
