// Copyright servebench authors.
//
// A server process that servebench started: its own process group (so that teardown reaches
// every child), pinned to a CPU set, its output appended to a log file, its readiness polled
// over HTTP, and its end described in words.

#ifndef SERVEBENCH_LIFECYCLE_SERVER_PROCESS_H_
#define SERVEBENCH_LIFECYCLE_SERVER_PROCESS_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "servebench/lifecycle/launch_plan.h"
#include "servebench/protocols/protocol_adapter.h"

namespace servebench {

// How many of the server log's last lines an error or a failed cell quotes.
inline constexpr int kLogTailLines = 20;

class ServerProcess {
 public:
  // Forks and execs plan.argv in a new process group, pinned to `cpus` (empty: not pinned),
  // stdout and stderr appended to `log_path` (its folder created when missing), plan.env added
  // to servebench's environment, in the folder plan.cwd when it is set. Returns null with
  // *error when it cannot start (chdir and exec failures included). The server gets SIGKILL when
  // the thread that called Start ends (Linux ties PR_SET_PDEATHSIG to the forking thread): start
  // servers from a thread that outlives them. A guard process ("sb-guard", forked from
  // servebench) kills the server's whole group when servebench ends without stopping it, however
  // it ends (SIGKILL included), so that no process the server started outlives servebench.
  //
  // `command_prefix` (empty: none) is a command the server runs under, e.g. `srun ...` to make
  // it a Slurm job step: what is exec'ed is command_prefix followed by plan.argv. The caller
  // chooses it; the prefix's program then is the process this class starts, pins, stops and
  // guards, and it must end when the server ends and end the server when it is stopped. Such a
  // program may run the server outside its own process tree (srun: a job step's task is
  // slurmstepd's child), so a prefixed server gets a mark in its environment
  // (SERVEBENCH_SERVER_MARK) by which TreeRoot finds it and Stop makes sure it is gone.
  static std::unique_ptr<ServerProcess> Start(const LaunchPlan& plan, const std::vector<int>& cpus,
                                              const std::string& log_path, std::string* error,
                                              const std::vector<std::string>& command_prefix = {});
  ~ServerProcess();  // Stop() with a short grace if still running

  pid_t pid() const;  // the process started: the server, or the prefix's program
  // The top of the server's own process tree, for measuring its resources: pid() without a
  // command prefix; with one, the marked process whose parent is not marked and that is not
  // the prefix's program (looked up once found), or pid() while none is found.
  pid_t TreeRoot();
  int64_t spawn_ns() const;  // MonotonicNanos() just before fork

  // Polls GET plan.base_url + `ready_path` (every 5 ms) until it answers 2xx. On success stores
  // the time of that answer in *ready_ns. Fails when the timeout passes or the process exits,
  // with *error saying which, the exit description and the last log lines; or as soon as
  // *interrupt (when given) turns true, with *error "interrupted".
  bool WaitReady(const std::string& ready_path, int64_t timeout_ns, int64_t* ready_ns,
                 std::string* error, const std::atomic<bool>* interrupt = nullptr);
  // The same with `protocol`'s server readiness call for the plan's model (ServerReadyCallFor,
  // SaysReady).
  bool WaitReady(const ProtocolAdapter& protocol, int64_t timeout_ns, int64_t* ready_ns,
                 std::string* error, const std::atomic<bool>* interrupt = nullptr);

  // False once the process has exited (reaps it).
  bool Alive();
  // "exited with status 1", "killed by signal 9 (SIGKILL)", or "running".
  std::string ExitDescription() const;

  // SIGTERM to the group, then SIGKILL to the group after `grace_ns`; waits for the exit, then
  // ends the guard. A prefixed server's marked processes still running then get SIGKILL too.
  void Stop(int64_t grace_ns);

  // The last `lines` lines of the log file.
  std::vector<std::string> LogTail(int lines) const;
  // Appends "; last lines of <log>:" and the last kLogTailLines lines to *error.
  void AppendLogTail(std::string* error) const;

 private:
  ServerProcess() = default;
  void StopGuard();

  LaunchPlan plan_;
  std::string log_path_;
  pid_t pid_ = -1;
  int64_t spawn_ns_ = 0;
  bool exited_ = false;
  int wait_status_ = 0;
  std::string mark_;      // SERVEBENCH_SERVER_MARK=... of a prefixed server; empty: none
  pid_t tree_root_ = -1;  // TreeRoot() once found
  pid_t guard_pid_ = -1;  // the guard process; -1 once ended
  int guard_fd_ = -1;     // the write end of its pipe: closing it (or dying) sets the guard off
};

// Sends `call` to `base_url` until it answers 2xx, `timeout_ns` passes, or `server` (when not
// null) exits; waits `poll_ns` between tries, and lets no single try take longer than
// `request_timeout_ns`. On success stores the time of the answer in *done_ns. *error names
// `what`, the call, and its last answer. With `readiness` (not null) a 2xx answer counts only
// when readiness->SaysReady(its body): the call is one of that protocol's readiness calls.
// Gives up at once when *interrupt (when given) turns true, with *error "interrupted": a user's
// Ctrl-C does not wait out a long ready timeout.
bool PollUntilOk(ServerProcess* server, const std::string& what, const std::string& base_url,
                 const HttpCall& call, int64_t request_timeout_ns, int64_t timeout_ns,
                 int64_t poll_ns, int64_t* done_ns, std::string* error,
                 const ProtocolAdapter* readiness = nullptr,
                 const std::atomic<bool>* interrupt = nullptr);

}  // namespace servebench

#endif  // SERVEBENCH_LIFECYCLE_SERVER_PROCESS_H_
