// Copyright servebench authors.
//
// What the fault tests share: a temporary folder, `servebench run` as a child process that a
// test can signal, kill and wait for with a deadline, the fault server (fault_server.cc) under
// the name of each mode, a model repository and config that servebench accepts, and readers of
// the run folder and of the process table.

#ifndef SERVEBENCH_TESTS_FAULTS_FAULT_HARNESS_H_
#define SERVEBENCH_TESTS_FAULTS_FAULT_HARNESS_H_

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace servebench::faults {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& path);

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// servebench started in the background with `args`, stdin from /dev/null, stdout and stderr to
// files in `dir`, and `env` (KEY=VALUE) added to the test's environment.
class Servebench {
 public:
  Servebench(const std::vector<std::string>& args, const fs::path& dir,
             const std::vector<std::string>& env = {});
  ~Servebench();  // SIGKILL and reap, if still running

  pid_t pid() const { return pid_; }
  // The exit code (128 + signal when killed by one), or -1 when it has not ended within
  // `seconds` (it is left running).
  int Wait(double seconds = 120);
  void Signal(int sig);
  std::string out() const;
  std::string err() const;

 private:
  fs::path out_, err_;
  pid_t pid_ = -1;
};

// Polls `condition` every 20 ms until it holds or `seconds` pass; returns its last value.
bool WaitFor(const std::function<bool()>& condition, double seconds);

// The fault server started under the name "fault-<mode>" (a link in dir/bin), so that a
// config's `binary:` selects the mode.
fs::path FaultServer(const fs::path& dir, const std::string& mode);

// A model repository with the variant "mlp" that passes the config check (the fault server
// reads none of it).
fs::path MakeRepository(const fs::path& dir);

// An experiment on variant mlp of MakeRepository(dir) with the given servers, scenarios and
// measurement (YAML lines, indented as list items or keys of their section).
std::string Experiment(const fs::path& dir, const std::string& servers,
                       const std::string& scenarios, const std::string& measurement);

// The only run folder in `runs` (a failure when there is not exactly one).
fs::path OnlyRunDir(const fs::path& runs);
// The journal's cell records, in order.
std::vector<nlohmann::json> JournalCells(const fs::path& run_dir);
// results.json's cell with this id (null when absent).
nlohmann::json ResultCell(const fs::path& run_dir, const std::string& cell_id);

// Pids of the processes whose command line contains every one of `parts`.
std::vector<pid_t> FindProcesses(const std::vector<std::string>& parts);
// True while `pid` exists and is not a zombie.
bool ProcessRuns(pid_t pid);
// The pid a fault server wrote to the start of its log ("fault server pid N"); -1 when none.
pid_t ServerPidInLog(const fs::path& log);

}  // namespace servebench::faults

#endif  // SERVEBENCH_TESTS_FAULTS_FAULT_HARNESS_H_
