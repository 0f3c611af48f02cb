// Copyright servebench authors.
//
// What a Slurm run adds to its run folder (docs/distributed.md), under <run_dir>/slurm/:
//
//   cells.json                 the matrix's cell ids in order: a cell's index is its array index
//   submissions.jsonl          one line per sbatch of the run: array job, merge job, indices
//   task.sh, merge.sh          the batch scripts the jobs run
//   logs/cell-<i>-job-<J>.log  Slurm's output of cell i's task in array job J
//   logs/merge-job-<M>.log     the merge job's
//   tasks/cell-<i>/journal.jsonl  cell i's own journal: a "slurm_task" record per start, then the
//                              cell record when the task finished it
//
// Each task writes only its own journal, so no two jobs write one file; the merge job alone
// writes the run's journal.jsonl, results.db and reports.

#ifndef SERVEBENCH_BENCH_SLURM_RUN_FOLDER_H_
#define SERVEBENCH_BENCH_SLURM_RUN_FOLDER_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "servebench/records/cell_record.h"

namespace servebench {

struct SlurmSubmission {
  std::string array_job_id;
  std::string merge_job_id;  // empty when the merge job could not be submitted
  std::vector<int> indices;  // the cells' array indices
  std::string submitted_at;  // UTC, ISO 8601
};

// What cell i's task journal holds.
struct SlurmTaskRecord {
  // The array job of the task's last start; empty when it never started.
  std::string last_array_job_id;
  std::string node;  // where it last started
  // The Slurm job id of the last start ($SLURM_JOB_ID: each task of an array has one of its
  // own), by which the job completion records know it.
  std::string last_job_id;
  // The last cell record the task journal holds, and the array job whose task wrote it.
  std::optional<CellRecord> cell;
  std::string cell_array_job_id;
};

class SlurmRunFolder {
 public:
  explicit SlurmRunFolder(std::string run_dir);

  const std::string& run_dir() const { return run_dir_; }
  std::string dir() const;  // <run_dir>/slurm
  std::string task_dir(int index) const;
  std::string task_log(int index, const std::string& array_job_id) const;
  std::string merge_log_pattern() const;  // for sbatch --output (%j: the job id)
  std::string task_log_pattern() const;   // for sbatch --output (%a, %A)

  // Creates the folders, and cells.json from `cell_ids` or checks that an existing one lists
  // the same cells (a resumed run must keep its indices).
  bool Prepare(const std::vector<std::string>& cell_ids, std::string* error) const;
  bool ReadCellIds(std::vector<std::string>* cell_ids, std::string* error) const;

  bool AppendSubmission(const SlurmSubmission& submission, std::string* error) const;
  // In the order made; empty when the run was never submitted.
  bool ReadSubmissions(std::vector<SlurmSubmission>* submissions, std::string* error) const;

  // Cell i's task journal; an absent journal is a task that never started.
  bool ReadTask(int index, SlurmTaskRecord* task, std::string* error) const;
  // The job id of each task of `submission` that started, by cell index (for
  // QueryArrayTasks).
  bool StartedJobIds(const SlurmSubmission& submission, std::map<int, std::string>* job_ids,
                     std::string* error) const;

 private:
  std::string run_dir_;
};

// Writes `text` to `path` with the executable bit (a batch script).
bool WriteScript(const std::string& path, const std::string& text, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_SLURM_RUN_FOLDER_H_
