// Copyright servebench authors.

#include "servebench/bench/slurm_jobs.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "servebench/bench/cell_runner.h"
#include "servebench/bench/cpu_plan.h"
#include "servebench/bench/environment.h"
#include "servebench/bench/journal.h"
#include "servebench/bench/level_verdict.h"
#include "servebench/bench/run_steps.h"
#include "servebench/bench/slurm_run_folder.h"
#include "servebench/bench/slurm_scheduler.h"
#include "servebench/core/wall_time.h"

namespace servebench {

namespace fs = std::filesystem;

namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

std::string HostName() {
  char host[256] = {};
  return ::gethostname(host, sizeof host - 1) == 0 ? host : "";
}

// The record of a cell whose task ended without writing one: failed, with what the scheduler
// says of the task and where its output is.
CellRecord UnfinishedCell(const RunState& state, const ExperimentConfig& config, const Cell& cell,
                          const std::string& why, const std::string& log) {
  CellRecord record;
  record.run_id = state.run.run_id;
  record.cell_id = cell.id;
  record.variant = cell.variant.name;
  record.server = cell.server.name;
  record.server_kind = cell.server.kind;
  record.scenario = cell.scenario.name;
  record.scenario_kind = ScenarioKindName(cell.scenario);
  std::string slo_source;
  record.slo = ToRecord(config.slo.For(cell.variant.name, "", &slo_source), slo_source);
  record.repeats = cell.scenario.repeats;
  record.status = CellStatus::kFailed;
  CellFailure failure;
  failure.message = why;
  record.failure = failure;
  record.started_at = record.finished_at = UtcNowIso8601();
  record.log = log;
  return record;
}

// "the Slurm task 12_3 ended without a result: CANCELLED (exit 0:15)".
std::string WhyUnfinished(const std::string& array_job_id, int index, const SlurmTaskRecord& task,
                          const std::map<int, SlurmTaskState>& tasks) {
  std::string why = "the Slurm task " + array_job_id + "_" + std::to_string(index);
  if (task.last_array_job_id != array_job_id) {
    why += " never started the cell";
  } else {
    why += " ended without a result" + (task.node.empty() ? "" : " on " + task.node);
  }
  auto it = tasks.find(index);
  if (it == tasks.end()) return why + " (the scheduler no longer knows the task's state)";
  const SlurmTaskState& s = it->second;
  why += ": " + s.state;
  if (!s.reason.empty()) why += ", " + s.reason;
  if (!s.exit_code.empty()) why += ", exit " + s.exit_code;
  return why + " (" + s.source + ")";
}

}  // namespace

int RunSlurmTask(const SlurmTaskOptions& o, std::ostream& out, std::ostream& err) {
  std::string error;
  int index = o.index;
  if (index < 0) {
    const std::string id = EnvOr("SLURM_ARRAY_TASK_ID", "");
    char* end = nullptr;
    const long parsed = id.empty() ? -1 : std::strtol(id.c_str(), &end, 10);
    if (id.empty() || *end != '\0' || parsed < 0) {
      err << "servebench slurm-task: no cell index: give --index or run it as a task of the "
             "job array that servebench run --slurm submits (SLURM_ARRAY_TASK_ID is '"
          << id << "')\n";
      return kRunBadInput;
    }
    index = static_cast<int>(parsed);
  }
  RunOptions ro;
  ro.resume_dir = o.run_dir;
  ro.binary_dir = o.binary_dir;
  ro.source_dir = o.source_dir;
  RunState state;
  Experiment e;
  if (!LoadExperiment(ro, &state, &e, &error)) {
    err << "servebench slurm-task: " << error << "\n";
    return kRunBadInput;
  }
  const SlurmRunFolder folder(o.run_dir);
  std::vector<std::string> ids;
  if (!folder.ReadCellIds(&ids, &error)) {
    err << "servebench slurm-task: " << error << "\n";
    return kRunBadInput;
  }
  if (index >= static_cast<int>(e.cells.size()) || index >= static_cast<int>(ids.size()) ||
      ids[index] != e.cells[index].id) {
    err << "servebench slurm-task: cell index " << index << " is not a cell of " << o.run_dir
        << " (its matrix has " << e.cells.size() << " cells)\n";
    return kRunBadInput;
  }
  const Cell& cell = e.cells[index];
  Journal journal;
  std::error_code ec;
  fs::create_directories(folder.task_dir(index), ec);
  if (!Journal::Open(folder.task_dir(index), &journal, &error) ||
      !journal.Append({{"record", "slurm_task"},
                       {"cell_id", cell.id},
                       {"array_job_id", EnvOr("SLURM_ARRAY_JOB_ID", "")},
                       {"job_id", EnvOr("SLURM_JOB_ID", "")},
                       {"node", EnvOr("SLURMD_NODENAME", HostName())},
                       {"started_at", UtcNowIso8601()}},
                      &error)) {
    err << "servebench slurm-task: " << error << "\n";
    return kRunBadInput;
  }

  const CpuPlan cpus = PlanCpus(e.config);
  if (!PinThisThread(cpus.generator, &error)) err << "servebench slurm-task: " << error << "\n";
  CellEnvironment env;
  env.config = &e.config;
  env.run_id = state.run.run_id;
  env.log_dir = (fs::path(o.run_dir) / "logs").string();
  env.work_dir = (fs::path(o.run_dir) / "work").string();
  fs::create_directories(env.log_dir, ec);
  fs::create_directories(env.work_dir, ec);
  env.binary_dir = o.binary_dir;
  env.source_dir = o.source_dir;
  env.server_cpus = cpus.server;
  env.generator_cpus = cpus.generator;
  env.interrupt = o.interrupt;
  env.status = [&out](const std::string& s) { out << "  " << s << "\n" << std::flush; };
  out << "servebench slurm-task: cell " << index << " " << cell.id << "\n" << std::flush;
  CellOutcome outcome = RunCell(cell, env);
  if (outcome.interrupted) {
    err << "servebench slurm-task: interrupted; cell " << cell.id << " is not recorded\n";
    return kRunInterrupted;
  }
  outcome.record.environment = CollectEnvironment();
  if (!journal.Append(outcome.record.ToJson(), &error)) {
    err << "servebench slurm-task: cannot record " << cell.id << ": " << error << "\n";
    return kRunBadInput;
  }
  out << "servebench slurm-task: " << cell.id << " " << CellStatusName(outcome.record.status)
      << (outcome.record.ok() ? "" : ": " + outcome.record.failure->message) << "\n";
  return outcome.record.ok() ? kRunOk : kRunCellsFailed;
}

int MergeSlurmRun(const std::string& run_dir, const std::string& array_job_id, std::ostream& out,
                  std::ostream& err) {
  std::string error;
  RunOptions ro;
  ro.resume_dir = run_dir;
  OpenRun run;
  Experiment e;
  if (!LoadExperiment(ro, &run.state, &e, &error) || !OpenRunFolder(ro, e, &run, &error)) {
    err << "servebench slurm-merge: " << error << "\n";
    return kRunBadInput;
  }
  const SlurmRunFolder folder(run_dir);
  std::vector<std::string> ids;
  std::vector<SlurmSubmission> submissions;
  if (!folder.ReadCellIds(&ids, &error) || !folder.ReadSubmissions(&submissions, &error)) {
    err << "servebench slurm-merge: " << error << "\n";
    return kRunBadInput;
  }
  const SlurmSubmission* submission = nullptr;
  for (const SlurmSubmission& s : submissions) {
    if (array_job_id.empty() || s.array_job_id == array_job_id) submission = &s;
  }
  if (submission == nullptr) {
    err << "servebench slurm-merge: " << run_dir << " has no submission"
        << (array_job_id.empty() ? "" : " of job array " + array_job_id) << "\n";
    return kRunBadInput;
  }
  std::map<int, std::string> job_ids;
  if (!folder.StartedJobIds(*submission, &job_ids, &error)) {
    err << "servebench slurm-merge: " << error << "\n";
    return kRunBadInput;
  }
  std::map<int, SlurmTaskState> tasks;
  if (!QueryArrayTasks(submission->array_job_id, job_ids, &tasks, &error)) {
    err << "servebench slurm-merge: " << error << " (the failed cells' states are unknown)\n";
  }

  std::map<std::string, const CellRecord*> known;
  for (const CellRecord& c : run.state.cells) known[c.cell_id] = &c;
  std::vector<CellRecord> merged;
  // Every task journal's last record that the run's journal lacks (an earlier merge may not
  // have run); then a failed record for each of this submission's cells left without one.
  for (size_t i = 0; i < ids.size() && i < e.cells.size(); ++i) {
    SlurmTaskRecord task;
    if (!folder.ReadTask(static_cast<int>(i), &task, &error)) {
      err << "servebench slurm-merge: " << error << "\n";
      return kRunBadInput;
    }
    const int index = static_cast<int>(i);
    const bool in_submission =
        std::count(submission->indices.begin(), submission->indices.end(), index) > 0;
    const bool has_record = task.cell && task.cell->cell_id == ids[i];
    auto seen = known.find(ids[i]);
    const bool is_new =
        has_record && (seen == known.end() || seen->second->ToJson() != task.cell->ToJson());
    if (has_record && task.cell_array_job_id == submission->array_job_id) {
      if (is_new) merged.push_back(*task.cell);
    } else if (in_submission) {
      const std::string log = folder.task_log(index, submission->array_job_id);
      merged.push_back(UnfinishedCell(
          run.state, e.config, e.cells[i],
          WhyUnfinished(submission->array_job_id, index, task, tasks) + "; its output: " + log,
          log));
    } else if (is_new) {
      merged.push_back(*task.cell);  // an earlier submission's, never merged
    }
  }
  for (const CellRecord& cell : merged) {
    if (!run.journal.Append(cell.ToJson(), &error) || !run.store->PutCell(cell, &error)) {
      err << "servebench slurm-merge: cannot record " << cell.cell_id << ": " << error << "\n";
      return kRunBadInput;
    }
    run.state.KeepCell(cell);
  }
  out << "servebench slurm-merge: " << merged.size() << " cell record"
      << (merged.size() == 1 ? "" : "s") << " from job array " << submission->array_job_id
      << " merged into " << Journal::PathIn(run_dir) << "\n";
  // Cells the matrix holds that no submission covered yet are not an ending: the run is
  // finished once every cell has a record.
  bool complete = true;
  for (const Cell& c : e.cells) {
    if (!known.count(c.id) && std::none_of(merged.begin(), merged.end(), [&c](const CellRecord& m) {
          return m.cell_id == c.id;
        })) {
      complete = false;
    }
  }
  return FinishRun(/*interrupted=*/!complete, &run, out, err);
}

}  // namespace servebench
