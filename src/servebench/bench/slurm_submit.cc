// Copyright servebench authors.

#include "servebench/bench/slurm_submit.h"

#include <filesystem>
#include <map>
#include <set>

#include "servebench/bench/matrix.h"
#include "servebench/bench/progress_line.h"
#include "servebench/bench/slurm_run_folder.h"
#include "servebench/bench/slurm_scheduler.h"
#include "servebench/core/wall_time.h"

namespace servebench {

namespace fs = std::filesystem;

namespace {

std::string ShellQuoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The options every job of the run gets: where, on whose account, for how long.
std::vector<std::string> PlacementArgs(const SlurmOptions& s) {
  std::vector<std::string> args;
  if (!s.partition.empty()) args.push_back("--partition=" + s.partition);
  if (!s.account.empty()) args.push_back("--account=" + s.account);
  return args;
}

// Whether a task journal holds an ok record of its cell.
bool TaskFinished(const SlurmRunFolder& folder, int index, const std::string& cell_id,
                  std::string* error, bool* finished) {
  SlurmTaskRecord task;
  if (!folder.ReadTask(index, &task, error)) return false;
  *finished = task.cell && task.cell->cell_id == cell_id && task.cell->ok();
  return true;
}

}  // namespace

int SubmitToSlurm(const RunOptions& o, const Experiment& e, OpenRun* run, std::ostream& out,
                  std::ostream& err) {
  RunState& state = run->state;
  std::string error;
  // The nodes reach the run folder by the same path: it must be absolute (and shared).
  state.run_dir = fs::absolute(state.run_dir).lexically_normal().string();
  const SlurmRunFolder folder(state.run_dir);
  std::vector<std::string> ids;
  for (const Cell& c : e.cells) ids.push_back(c.id);
  if (!folder.Prepare(ids, &error)) {
    err << "servebench run --slurm: " << error << "\n";
    return kRunBadInput;
  }

  // An earlier submission still at work would measure the same cells twice.
  std::vector<SlurmSubmission> submissions;
  if (!folder.ReadSubmissions(&submissions, &error)) {
    err << "servebench run --slurm: " << error << "\n";
    return kRunBadInput;
  }
  for (const SlurmSubmission& s : submissions) {
    // Only the queued and running tasks matter here: no ended task's job id is needed.
    std::map<int, SlurmTaskState> tasks;
    if (!QueryArrayTasks(s.array_job_id, {}, &tasks, &error)) {
      err << "servebench run --slurm: " << error << "\n";
      return kRunBadInput;
    }
    for (const auto& [index, task] : tasks) {
      if (IsActiveState(task.state)) {
        err << "servebench run --slurm: cell " << index << " of job array " << s.array_job_id
            << " is still " << task.state << "; wait for the array to end (servebench status "
            << state.run_dir << ") or cancel it (scancel " << s.array_job_id << ")\n";
        return kRunBadInput;
      }
    }
  }

  std::vector<int> todo;
  double estimate = 0;
  for (size_t i = 0; i < e.cells.size(); ++i) {
    bool finished = state.ok_cells.count(e.cells[i].id) > 0;
    if (!finished && !TaskFinished(folder, static_cast<int>(i), e.cells[i].id, &error, &finished)) {
      err << "servebench run --slurm: " << error << "\n";
      return kRunBadInput;
    }
    if (finished) continue;
    todo.push_back(static_cast<int>(i));
    estimate += EstimateCellSeconds(e.config, e.cells[i], nullptr);  // a task runs one cell
  }
  if (todo.empty()) {
    out << "servebench run --slurm: every cell of " << state.run_dir
        << " has a result; nothing to submit (servebench report " << state.run_dir
        << " writes the reports again)\n";
    return kRunOk;
  }

  const std::string binary = (fs::path(o.binary_dir) / "servebench").string();
  const std::string task_script = (fs::path(folder.dir()) / "task.sh").string();
  const std::string merge_script = (fs::path(folder.dir()) / "merge.sh").string();
  if (!WriteScript(task_script,
                   "#!/bin/sh\n# One cell of servebench run " + state.run.run_id +
                       ": the cell whose index in slurm/cells.json is $SLURM_ARRAY_TASK_ID.\n"
                       "exec " +
                       ShellQuoted(binary) + " slurm-task " + ShellQuoted(state.run_dir) + "\n",
                   &error) ||
      !WriteScript(merge_script,
                   "#!/bin/sh\n# The end of servebench run " + state.run.run_id +
                       " once job array $1 has ended: its results and reports.\n"
                       "exec " +
                       ShellQuoted(binary) + " slurm-merge " + ShellQuoted(state.run_dir) +
                       " --array-job \"$1\"\n",
                   &error)) {
    err << "servebench run --slurm: " << error << "\n";
    return kRunBadInput;
  }

  const SlurmOptions& s = o.slurm;
  std::string array = ArrayIndexList(todo);
  if (s.max_parallel > 0) {
    array += '%';
    array += std::to_string(s.max_parallel);
  }
  std::vector<std::string> cell_args = PlacementArgs(s);
  cell_args.insert(cell_args.end(),
                   {"--job-name=servebench-" + state.run.run_id, "--array=" + array,
                    // A node of its own: nothing else disturbs the measurement.
                    "--exclusive", "--nodes=1", "--output=" + folder.task_log_pattern(),
                    "--chdir=" + state.run_dir});
  if (!s.time_limit.empty()) cell_args.push_back("--time=" + s.time_limit);
  cell_args.insert(cell_args.end(), s.sbatch_args.begin(), s.sbatch_args.end());
  cell_args.push_back(task_script);
  SlurmSubmission submission;
  if (!Sbatch(cell_args, &submission.array_job_id, &error)) {
    err << "servebench run --slurm: cannot submit the cells: " << error << "\n";
    return kRunBadInput;
  }
  submission.indices = todo;
  submission.submitted_at = UtcNowIso8601();

  std::vector<std::string> merge_args = PlacementArgs(s);
  merge_args.insert(merge_args.end(),
                    {"--job-name=servebench-" + state.run.run_id + "-merge",
                     "--dependency=afterany:" + submission.array_job_id, "--nodes=1", "--ntasks=1",
                     "--output=" + folder.merge_log_pattern(), "--chdir=" + state.run_dir,
                     merge_script, submission.array_job_id});
  std::string merge_error;
  const bool merged = Sbatch(merge_args, &submission.merge_job_id, &merge_error);
  if (!folder.AppendSubmission(submission, &error)) {
    err << "servebench run --slurm: " << error << "\n";
    return kRunBadInput;
  }
  out << "servebench run " << state.run.run_id << ": " << todo.size() << " cell"
      << (todo.size() == 1 ? "" : "s") << (o.resume_dir.empty() ? "" : " left")
      << " submitted as Slurm job array " << submission.array_job_id << " (estimated "
      << FormatDuration(estimate) << " of node time)";
  if (merged) out << ", results by job " << submission.merge_job_id;
  out << "\n  run folder: " << state.run_dir << "\n  follow it:  servebench status "
      << state.run_dir << "\n";
  if (!merged) {
    err << "servebench run --slurm: the cells are submitted, but the merge job is not: "
        << merge_error << "\nOnce the array has ended, write the results with:\n  servebench "
        << "slurm-merge " << state.run_dir << " --array-job " << submission.array_job_id << "\n";
    return kRunOutputFailed;
  }
  return kRunOk;
}

}  // namespace servebench
