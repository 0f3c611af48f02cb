// Copyright servebench authors.
//
// What servebench asks Slurm, through its ordinary commands (sbatch, squeue, sacct, scontrol)
// as a user would type them: submitting a batch script, and the state of an array job's tasks.
// The commands read the cluster from their usual configuration (SLURM_CONF or the default);
// servebench keeps no scheduler state of its own beyond the job ids it submitted.

#ifndef SERVEBENCH_BENCH_SLURM_SCHEDULER_H_
#define SERVEBENCH_BENCH_SLURM_SCHEDULER_H_

#include <map>
#include <string>
#include <vector>

namespace servebench {

// Runs `argv` (argv[0] looked up on PATH) to its end, at most a minute, and returns its output
// (stdout and stderr) in *output. False with *error naming the command, how it ended and its
// output when it could not run or exited non-zero.
bool RunSlurmCommand(const std::vector<std::string>& argv, std::string* output, std::string* error);

// `sbatch --parsable ARGS...`: the new job's id in *job_id.
bool Sbatch(const std::vector<std::string>& args, std::string* job_id, std::string* error);

// What the scheduler knows of one task of an array job.
struct SlurmTaskState {
  std::string state;      // Slurm's: PENDING, RUNNING, COMPLETED, CANCELLED, FAILED, TIMEOUT, ...
  std::string node;       // where it runs or ran; empty while pending
  std::string reason;     // why it is pending, or how it ended (empty: nothing said)
  std::string exit_code;  // "0:0", "1:0", "0:15" (status:signal); empty while it runs
  // Which command said so: "squeue", "sacct", "sacct --completion" or "scontrol".
  std::string source;
};

// The tasks of array job `array_job_id` that the scheduler still knows, by task index: those
// queued or running (squeue), then those that ended, from the accounting database (`sacct`);
// where the cluster keeps none (sacct says "accounting storage is disabled"), from the job
// completion records (`sacct --completion`, JobCompType=jobcomp/filetxt and the like); then any
// task neither knows, from the controller's memory (`scontrol`: it keeps an ended job for
// MinJobAge, 300 s by default). The completion records do not name array tasks, only each
// task's own job id: `task_job_ids` gives them by index (what each task recorded at its start,
// $SLURM_JOB_ID), and a task not in it (it never started) is not looked up there. A task
// absent from the map is one the scheduler no longer knows. False only when squeue itself
// fails.
bool QueryArrayTasks(const std::string& array_job_id,
                     const std::map<int, std::string>& task_job_ids,
                     std::map<int, SlurmTaskState>* tasks, std::string* error);

// The state of a plain job (the merge job) as squeue, sacct, sacct --completion or scontrol
// tell it, in that order; false when none knows it.
bool QueryJob(const std::string& job_id, SlurmTaskState* state);

// Whether a state is one a job leaves by itself (PENDING, RUNNING, CONFIGURING, COMPLETING,
// REQUEUED, RESIZING, SUSPENDED): the task may still produce a result.
bool IsActiveState(const std::string& state);

// Whether this process runs inside a Slurm job ($SLURM_JOB_ID is set, as in a cell's task):
// then a cell's server and its generator processes are started as job steps of their own.
bool InSlurmJob();

// The command prefix that runs a command as a job step of its own in the current job, on this
// node, sharing the node's CPUs with the job's other steps: `srun --overlap --nodes=1
// --ntasks=1 --quiet --kill-on-bad-exit=1 --job-name=NAME`, followed by `taskset --cpu-list
// LIST` when `cpus` is not empty: a step's task is started by slurmstepd, not by srun, so it
// does not inherit the CPU set srun runs on. srun ends when the step's task ends, with its exit
// status; a SIGTERM or SIGHUP to srun SIGKILLs the step's task (Slurm's srun forwards other
// signals as they are), and a job that ends takes all its steps with it.
std::vector<std::string> SrunStepPrefix(const std::string& name, const std::vector<int>& cpus);

// "0-3,7,9-10": the indices (sorted, distinct) as sbatch's --array list.
std::string ArrayIndexList(const std::vector<int>& indices);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_SLURM_SCHEDULER_H_
