// Copyright servebench authors.

#include "servebench/bench/slurm_scheduler.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "servebench/core/clock.h"

extern char** environ;

namespace servebench {

namespace {

// A Slurm command answers in well under a second on a healthy cluster; a minute covers a busy
// controller (their own retry timeouts are 60 s).
constexpr int64_t kCommandTimeoutNs = 60 * kNanosPerSecond;

std::string Joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

std::string Trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t start = 0;
  while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start]))) ++start;
  return s.substr(start);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    line = Trimmed(line);
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> Split(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, separator)) fields.push_back(field);
  if (!line.empty() && line.back() == separator) fields.push_back("");
  return fields;
}

bool ParseIndex(const std::string& text, int* index) {
  if (text.empty() || text.size() > 9 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  *index = std::stoi(text);
  return true;
}

// "CANCELLED by 0" -> "CANCELLED".
std::string FirstWord(const std::string& s) { return s.substr(0, s.find(' ')); }

// squeue: the array's tasks that are queued or running, one line per task (-r).
bool QueueTasks(const std::string& array_job_id, std::map<int, SlurmTaskState>* tasks,
                std::string* error) {
  std::string output;
  if (!RunSlurmCommand({"squeue", "-h", "-r", "-j", array_job_id, "-o", "%K|%T|%N|%r"}, &output,
                       error)) {
    // squeue refuses a job id it has forgotten: then nothing of it is queued.
    if (error->find("Invalid job id") != std::string::npos) return true;
    return false;
  }
  for (const std::string& line : Lines(output)) {
    const std::vector<std::string> f = Split(line, '|');
    int index = 0;
    if (f.size() < 4 || !ParseIndex(f[0], &index)) continue;
    SlurmTaskState s;
    s.state = f[1];
    s.node = f[2];
    s.reason = f[3] == "None" ? "" : f[3];
    s.source = "squeue";
    (*tasks)[index] = s;
  }
  return true;
}

// What plain sacct prints (with a non-zero exit) on a cluster without slurmdbd.
bool AccountingDisabled(const std::string& text) {
  return text.find("accounting storage is disabled") != std::string::npos;
}

// One line of `sacct -P -o JobID,State,ExitCode,NodeList,Reason`.
bool ParseAccountingLine(const std::string& line, std::string* job_id, SlurmTaskState* s) {
  const std::vector<std::string> f = Split(line, '|');
  // sacct --completion also prints its complaints about fields it does not know ("sacct:
  // error: Unknown type ArrayJobId: 12") into the same output: they have no '|'.
  if (f.size() != 5 || f[0].empty()) return false;
  *job_id = f[0];
  s->state = FirstWord(f[1]);  // "CANCELLED by 1000" -> "CANCELLED"
  s->exit_code = f[2];
  s->node = f[3] == "None assigned" ? "" : f[3];
  s->reason = f[4] == "None" ? "" : f[4];
  return !s->state.empty();
}

enum class Accounting { kAnswered, kDisabled, kFailed };

// sacct: the array's tasks that ended, as the accounting database tells them ("12_3").
Accounting AccountedTasks(const std::string& array_job_id, std::map<int, SlurmTaskState>* tasks) {
  std::string output, error;
  const bool ran = RunSlurmCommand(
      {"sacct", "-n", "-P", "-X", "-j", array_job_id, "-o", "JobID,State,ExitCode,NodeList,Reason"},
      &output, &error);
  if (AccountingDisabled(output) || AccountingDisabled(error)) return Accounting::kDisabled;
  if (!ran) return Accounting::kFailed;
  const std::string prefix = array_job_id + "_";
  for (const std::string& line : Lines(output)) {
    std::string id;
    SlurmTaskState s;
    int index = 0;
    if (!ParseAccountingLine(line, &id, &s) || id.rfind(prefix, 0) != 0 ||
        !ParseIndex(id.substr(prefix.size()), &index) || tasks->count(index)) {
      continue;
    }
    s.source = "sacct";
    (*tasks)[index] = s;
  }
  return Accounting::kAnswered;
}

// sacct --completion: the job completion records of the given jobs, by job id. Slurm writes
// one when a job ends (JobCompType); they carry the job's own id only, not its array's ("12_3"),
// and a job requeued has one per ending: the last is the one that counts. False when sacct
// cannot read them (no JobCompType, or a plugin sacct does not read).
bool CompletedJobs(const std::vector<std::string>& job_ids,
                   std::map<std::string, SlurmTaskState>* jobs) {
  if (job_ids.empty()) return true;
  std::string list;
  for (const std::string& id : job_ids) {
    if (!list.empty()) list += ',';
    list += id;
  }
  std::string output, error;
  if (!RunSlurmCommand({"sacct", "--completion", "-n", "-P", "-j", list, "-o",
                        "JobID,State,ExitCode,NodeList,Reason"},
                       &output, &error)) {
    return false;
  }
  for (const std::string& line : Lines(output)) {
    std::string id;
    SlurmTaskState s;
    if (!ParseAccountingLine(line, &id, &s) ||
        std::find(job_ids.begin(), job_ids.end(), id) == job_ids.end()) {
      continue;
    }
    s.source = "sacct --completion";
    (*jobs)[id] = s;
  }
  return true;
}

// scontrol: every job record the controller still holds (ended ones for MinJobAge).
std::vector<std::map<std::string, std::string>> ControllerJobs(const std::string& job_id) {
  std::vector<std::map<std::string, std::string>> jobs;
  std::string output, error;
  if (!RunSlurmCommand({"scontrol", "-o", "show", "job", job_id}, &output, &error)) return jobs;
  for (const std::string& line : Lines(output)) {
    std::map<std::string, std::string> fields;
    for (const std::string& word : Split(line, ' ')) {
      const size_t eq = word.find('=');
      if (eq != std::string::npos) fields[word.substr(0, eq)] = word.substr(eq + 1);
    }
    jobs.push_back(std::move(fields));
  }
  return jobs;
}

SlurmTaskState FromController(const std::map<std::string, std::string>& job) {
  auto get = [&job](const char* key) {
    auto it = job.find(key);
    return it == job.end() || it->second == "(null)" || it->second == "None" ? std::string()
                                                                             : it->second;
  };
  SlurmTaskState s;
  s.state = get("JobState");
  s.node = get("NodeList");
  s.reason = get("Reason");
  s.exit_code = get("ExitCode");
  s.source = "scontrol";
  return s;
}

}  // namespace

bool RunSlurmCommand(const std::vector<std::string>& argv, std::string* output,
                     std::string* error) {
  output->clear();
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    *error = std::string("cannot run ") + argv[0] + ": pipe: " + std::strerror(errno);
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned =
      ::posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    *error = "cannot run " + argv[0] + ": " + std::strerror(spawned) +
             (spawned == ENOENT ? " (is Slurm's client installed and on PATH?)" : "");
    return false;
  }
  const int64_t deadline = MonotonicNanos() + kCommandTimeoutNs;
  bool timed_out = false;
  char buffer[4096];
  while (true) {
    const int64_t left_ms = (deadline - MonotonicNanos()) / kNanosPerMilli;
    if (left_ms <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{pipe_fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left_ms, 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output->append(buffer, static_cast<size_t>(n));
  }
  ::close(pipe_fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    *error = Joined(argv) + " did not answer within 60 s";
    return false;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *error = Joined(argv) + " failed (" +
             (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                : "signal " + std::to_string(WTERMSIG(status))) +
             "): " + Trimmed(*output);
    return false;
  }
  return true;
}

bool Sbatch(const std::vector<std::string>& args, std::string* job_id, std::string* error) {
  std::vector<std::string> argv = {"sbatch", "--parsable"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string output;
  if (!RunSlurmCommand(argv, &output, error)) return false;
  // --parsable prints "<job id>" or "<job id>;<cluster>", after any warnings sbatch gives.
  const std::vector<std::string> lines = Lines(output);
  const std::string last = lines.empty() ? "" : lines.back();
  const std::string id = last.substr(0, last.find(';'));
  int ignored = 0;
  if (!ParseIndex(id, &ignored)) {
    *error = Joined(argv) + " printed no job id: " + Trimmed(output);
    return false;
  }
  *job_id = id;
  return true;
}

bool QueryArrayTasks(const std::string& array_job_id,
                     const std::map<int, std::string>& task_job_ids,
                     std::map<int, SlurmTaskState>* tasks, std::string* error) {
  tasks->clear();
  if (!QueueTasks(array_job_id, tasks, error)) return false;
  if (AccountedTasks(array_job_id, tasks) == Accounting::kDisabled) {
    std::vector<std::string> ids;
    for (const auto& [index, id] : task_job_ids) {
      if (!tasks->count(index)) ids.push_back(id);
    }
    std::map<std::string, SlurmTaskState> completed;
    if (CompletedJobs(ids, &completed)) {
      for (const auto& [index, id] : task_job_ids) {
        auto found = completed.find(id);
        if (found != completed.end() && !tasks->count(index)) (*tasks)[index] = found->second;
      }
    }
  }
  // What neither squeue nor sacct told, the controller may still remember.
  for (const auto& job : ControllerJobs(array_job_id)) {
    auto task = job.find("ArrayTaskId");
    int index = 0;
    if (task == job.end() || !ParseIndex(task->second, &index) || tasks->count(index)) continue;
    (*tasks)[index] = FromController(job);
  }
  return true;
}

bool QueryJob(const std::string& job_id, SlurmTaskState* state) {
  std::string output, error;
  if (RunSlurmCommand({"squeue", "-h", "-j", job_id, "-o", "%T|%N|%r"}, &output, &error)) {
    const std::vector<std::string> lines = Lines(output);
    const std::vector<std::string> f =
        lines.empty() ? std::vector<std::string>{} : Split(lines.front(), '|');
    if (f.size() >= 3) {
      *state = {f[0], f[1], f[2] == "None" ? "" : f[2], "", "squeue"};
      return true;
    }
  }
  const bool ran = RunSlurmCommand(
      {"sacct", "-n", "-P", "-X", "-j", job_id, "-o", "JobID,State,ExitCode,NodeList,Reason"},
      &output, &error);
  if (AccountingDisabled(output) || AccountingDisabled(error)) {
    std::map<std::string, SlurmTaskState> completed;
    if (CompletedJobs({job_id}, &completed) && completed.count(job_id)) {
      *state = completed[job_id];
      return true;
    }
  } else if (ran) {
    for (const std::string& line : Lines(output)) {
      std::string id;
      SlurmTaskState s;
      if (ParseAccountingLine(line, &id, &s) && id == job_id) {
        s.source = "sacct";
        *state = s;
        return true;
      }
    }
  }
  const auto jobs = ControllerJobs(job_id);
  if (jobs.empty()) return false;
  *state = FromController(jobs.front());
  return true;
}

bool IsActiveState(const std::string& state) {
  static const char* const kActive[] = {"PENDING",     "RUNNING",   "CONFIGURING", "COMPLETING",
                                        "REQUEUED",    "RESIZING",  "SUSPENDED",   "REQUEUE_HOLD",
                                        "REQUEUE_FED", "STAGE_OUT", "SIGNALING"};
  return std::any_of(std::begin(kActive), std::end(kActive),
                     [&state](const char* s) { return state == s; });
}

bool InSlurmJob() { return std::getenv("SLURM_JOB_ID") != nullptr; }

std::vector<std::string> SrunStepPrefix(const std::string& name, const std::vector<int>& cpus) {
  std::vector<std::string> prefix = {"srun",
                                     "--overlap",
                                     "--nodes=1",
                                     "--ntasks=1",
                                     "--quiet",
                                     "--kill-on-bad-exit=1",
                                     "--job-name=" + name};
  if (!cpus.empty()) {
    std::string list;
    for (int cpu : cpus) {
      if (!list.empty()) list += ',';
      list += std::to_string(cpu);
    }
    prefix.insert(prefix.end(), {"taskset", "--cpu-list", list});
  }
  return prefix;
}

std::string ArrayIndexList(const std::vector<int>& indices) {
  std::vector<int> sorted = indices;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::string out;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(sorted[i]);
    if (j > i) {
      out += '-';
      out += std::to_string(sorted[j]);
    }
    i = j + 1;
  }
  return out;
}

}  // namespace servebench
