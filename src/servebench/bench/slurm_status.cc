// Copyright servebench authors.

#include "servebench/bench/slurm_status.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "servebench/bench/run_journal.h"
#include "servebench/bench/runner.h"
#include "servebench/bench/slurm_run_folder.h"
#include "servebench/bench/slurm_scheduler.h"

namespace servebench {

namespace fs = std::filesystem;

namespace {

void FromRecord(const CellRecord& cell, CellStanding* s) {
  s->state = cell.ok() ? "done" : "failed";
  if (cell.environment.is_object()) s->node = cell.environment.value("hostname", "");
  if (!cell.ok()) {
    s->detail = cell.failure ? cell.failure->message : "failed without a message";
    s->log = cell.log;
  }
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

bool CollectStandings(const std::string& run_dir, std::vector<CellStanding>* cells,
                      std::string* error) {
  cells->clear();
  RunState state;
  if (!ReadRunJournal(run_dir, &state, error)) return false;
  std::map<std::string, const CellRecord*> recorded;
  for (const CellRecord& c : state.cells) recorded[c.cell_id] = &c;

  const SlurmRunFolder folder(run_dir);
  std::vector<std::string> ids;
  if (!fs::exists(fs::path(folder.dir()) / "cells.json")) {
    // A local run: its journal is all there is; cells it has not reached are not listed.
    for (const CellRecord& c : state.cells) {
      CellStanding s;
      s.index = static_cast<int>(cells->size());
      s.cell_id = c.cell_id;
      FromRecord(c, &s);
      cells->push_back(s);
    }
    return true;
  }
  std::vector<SlurmSubmission> submissions;
  if (!folder.ReadCellIds(&ids, error) || !folder.ReadSubmissions(&submissions, error)) {
    return false;
  }
  // The last submission of each cell, and what Slurm knows of each submission's tasks.
  std::map<int, const SlurmSubmission*> last;
  for (const SlurmSubmission& s : submissions) {
    for (int i : s.indices) last[i] = &s;
  }
  std::map<std::string, std::map<int, SlurmTaskState>> scheduler;
  for (const SlurmSubmission& s : submissions) {
    std::string problem;
    std::map<int, std::string> job_ids;
    if (!folder.StartedJobIds(s, &job_ids, error)) return false;
    if (!QueryArrayTasks(s.array_job_id, job_ids, &scheduler[s.array_job_id], &problem)) {
      *error = problem;
      return false;
    }
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    const int index = static_cast<int>(i);
    CellStanding s;
    s.index = index;
    s.cell_id = ids[i];
    SlurmTaskRecord task;
    if (!folder.ReadTask(index, &task, error)) return false;
    auto submitted = last.find(index);
    const SlurmSubmission* submission = submitted == last.end() ? nullptr : submitted->second;
    const bool fresh_record = task.cell && task.cell->cell_id == ids[i] && submission &&
                              task.cell_array_job_id == submission->array_job_id;
    if (fresh_record) {
      FromRecord(*task.cell, &s);
      if (s.node.empty()) s.node = task.node;
    } else if (submission != nullptr) {
      const auto& tasks = scheduler[submission->array_job_id];
      auto known = tasks.find(index);
      const std::string log = folder.task_log(index, submission->array_job_id);
      if (known != tasks.end() && IsActiveState(known->second.state)) {
        const SlurmTaskState& t = known->second;
        s.state = t.state == "PENDING"   ? "pending"
                  : t.state == "RUNNING" ? "running"
                                         : Lower(t.state);
        s.node = t.node;
        s.detail = t.reason;
        if (s.state != "pending") s.log = log;
      } else {
        s.state = "failed";
        s.node = task.last_array_job_id == submission->array_job_id ? task.node : "";
        s.detail = "the Slurm task " + submission->array_job_id + "_" + std::to_string(index) +
                   " ended without a result";
        if (known != tasks.end()) {
          s.detail += ": " + known->second.state;
          if (!known->second.reason.empty()) s.detail += ", " + known->second.reason;
          if (!known->second.exit_code.empty()) s.detail += ", exit " + known->second.exit_code;
          s.detail += " (" + known->second.source + ")";
        } else {
          s.detail += " (the scheduler no longer knows the task)";
        }
        s.log = log;
      }
    } else if (auto r = recorded.find(ids[i]); r != recorded.end()) {
      FromRecord(*r->second, &s);
    } else {
      s.state = "not started";
    }
    cells->push_back(s);
  }
  return true;
}

int ShowStatus(const std::string& run_dir, std::ostream& out, std::ostream& err) {
  std::vector<CellStanding> cells;
  std::string error;
  if (!CollectStandings(run_dir, &cells, &error)) {
    err << "servebench status: " << error << "\n";
    return kRunBadInput;
  }
  std::map<std::string, int> count;
  size_t width = 4;
  for (const CellStanding& c : cells) width = std::max(width, c.cell_id.size());
  for (const CellStanding& c : cells) {
    ++count[c.state];
    std::string line = std::to_string(c.index);
    line.resize(5, ' ');
    std::string id = c.cell_id;
    id.resize(width + 2, ' ');
    line += id + c.state;
    if (!c.node.empty())
      line += (c.state == "running" ? " on " : " (") + c.node + (c.state == "running" ? "" : ")");
    if (!c.detail.empty()) line += (c.state == "pending" ? " (" + c.detail + ")" : ": " + c.detail);
    out << line << "\n";
    if (!c.log.empty()) out << "     log: " << c.log << "\n";
  }
  // "3 cells: 2 done, 1 failed": the usual states first, then any other Slurm state.
  std::vector<std::string> parts;
  const std::vector<std::string> usual = {"done", "failed", "running", "pending", "not started"};
  for (const std::string& state : usual) {
    if (count[state] > 0) parts.push_back(std::to_string(count[state]) + " " + state);
  }
  for (const auto& [state, n] : count) {
    if (n > 0 && std::find(usual.begin(), usual.end(), state) == usual.end()) {
      parts.push_back(std::to_string(n) + " " + state);
    }
  }
  out << cells.size() << " cells:";
  for (size_t i = 0; i < parts.size(); ++i) out << (i == 0 ? " " : ", ") << parts[i];
  out << "\n";
  return kRunOk;
}

}  // namespace servebench
