// Copyright servebench authors.

#include "servebench/lifecycle/server_process.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "servebench/core/clock.h"
#include "servebench/lifecycle/process_tree.h"
#include "servebench/protocols/http_client.h"

extern char** environ;

namespace servebench {

namespace {

constexpr int64_t kReadyPollNs = 5 * kNanosPerMilli;
// One health check may not take longer than this, so that a hung server is polled again (and
// its death noticed) well before the overall timeout.
constexpr int64_t kHealthRequestTimeoutNs = kNanosPerSecond;
// Each look at the group scans /proc, so not much more often than this.
constexpr int64_t kStopPollNs = 5 * kNanosPerMilli;
// How long the group's other members may take to die after SIGKILL.
constexpr int64_t kGroupGoneTimeoutNs = kNanosPerSecond;
constexpr int64_t kLogTailMaxBytes = 64 * 1024;

void SleepNanos(int64_t ns) { std::this_thread::sleep_for(std::chrono::nanoseconds(ns)); }

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// What the child reports through the exec pipe when it cannot become the server.
struct ChildFailure {
  int step;  // index into kChildSteps
  int error;
};
constexpr const char* kChildSteps[] = {
    "setpgid", "prctl(PR_SET_PDEATHSIG)", "sched_setaffinity", "dup2", "chdir", "exec"};
constexpr int kChdirStep = 4;

// Runs in the forked child, before exec: only async-signal-safe calls, no allocation.
[[noreturn]] void BecomeServer(char* const* argv, char* const* envp, const char* cwd,
                               const cpu_set_t* cpus, pid_t parent, int log_fd, int null_fd,
                               int report_fd) {
  auto fail = [report_fd](int step) {
    ChildFailure f{step, errno};
    [[maybe_unused]] ssize_t n = write(report_fd, &f, sizeof(f));
    _exit(127);
  };
  // Its own process group: teardown signals reach every process the server starts.
  if (setpgid(0, 0) != 0) fail(0);
  // Never outlive servebench, even if it is killed without a chance to stop its servers.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(1);
  if (getppid() != parent) _exit(127);  // the parent died before the line above
  if (cpus != nullptr && sched_setaffinity(0, sizeof(*cpus), cpus) != 0) fail(2);
  if (dup2(null_fd, STDIN_FILENO) < 0 || dup2(log_fd, STDOUT_FILENO) < 0 ||
      dup2(log_fd, STDERR_FILENO) < 0) {
    fail(3);
  }
  if (cwd != nullptr && chdir(cwd) != 0) fail(kChdirStep);
  // A server must see signals as a fresh process would, whatever servebench's threads block
  // or ignore (ignored dispositions and the mask survive exec).
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
  execvpe(argv[0], argv, envp);
  fail(5);
  _exit(127);  // not reached: fail exits
}

// environ with `extra` KEY=VALUE entries added, replacing entries of the same key.
std::vector<std::string> MergedEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  auto key_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    const bool replaced = std::any_of(extra.begin(), extra.end(), [&](const std::string& x) {
      return key_of(x) == key_of(entry);
    });
    if (!replaced) env.push_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Runs in the forked guard: waits until its pipe's write end closes (servebench stopped the
// server, or died however it died, SIGKILL included), then kills the server's whole group.
// PR_SET_PDEATHSIG reaches only the process servebench forked; the members it started itself
// (workers, a wrapper script's children) would outlive a killed servebench without this.
[[noreturn]] void GuardServerGroup(int pipe_fd, pid_t group) {
  // Its own group, so that a signal to servebench's group (Ctrl-C, kill -9 -PGID) leaves it to
  // do its work; it ignores the polite signals and ends only by its pipe or SIGKILL.
  setpgid(0, 0);
  prctl(PR_SET_NAME, "sb-guard");
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  // Keeps only its pipe: another guard's write end held here would keep that guard waiting.
  if (dup2(pipe_fd, 3) < 0) _exit(1);
  close_range(4, ~0U, 0);
  close_range(0, 2, 0);
  char byte;
  ssize_t n;
  do {
    n = read(3, &byte, 1);
  } while (n < 0 && errno == EINTR);
  kill(-group, SIGKILL);
  _exit(0);
}

}  // namespace

std::unique_ptr<ServerProcess> ServerProcess::Start(
    const LaunchPlan& plan, const std::vector<int>& cpus, const std::string& log_path,
    std::string* error, const std::vector<std::string>& command_prefix) {
  if (plan.argv.empty()) {
    *error = "nothing to start: the launch plan has no program";
    return nullptr;
  }
  cpu_set_t cpu_set;
  CPU_ZERO(&cpu_set);
  for (int cpu : cpus) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) {
      *error = "CPU " + std::to_string(cpu) + " is out of range";
      return nullptr;
    }
    CPU_SET(cpu, &cpu_set);
  }
  std::error_code ec;
  const std::filesystem::path log_dir = std::filesystem::path(log_path).parent_path();
  if (!log_dir.empty()) std::filesystem::create_directories(log_dir, ec);
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    *error = Errno("cannot open the server log " + log_path);
    return nullptr;
  }
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int report[2];
  if (null_fd < 0 || pipe2(report, O_CLOEXEC) != 0) {
    *error = Errno("cannot prepare the server's process");
    close(log_fd);
    if (null_fd >= 0) close(null_fd);
    return nullptr;
  }

  // Everything the child needs is built before fork: after it, the child may not allocate.
  std::vector<std::string> args = command_prefix;
  args.insert(args.end(), plan.argv.begin(), plan.argv.end());
  std::unique_ptr<ServerProcess> process(new ServerProcess());
  std::vector<std::string> extra_env = plan.env;
  if (!command_prefix.empty()) {
    // Unique among the servers of every servebench on this host: pid, and a count in this one.
    static std::atomic<uint64_t> started{0};
    process->mark_ = "SERVEBENCH_SERVER_MARK=" + std::to_string(getpid()) + "." +
                     std::to_string(started.fetch_add(1) + 1);
    extra_env.push_back(process->mark_);
  }
  std::vector<std::string> env = MergedEnvironment(extra_env);
  std::vector<char*> argv = CStrings(args);
  std::vector<char*> envp = CStrings(env);
  const pid_t parent = getpid();

  process->plan_ = plan;
  process->log_path_ = log_path;
  process->spawn_ns_ = MonotonicNanos();
  const pid_t pid = fork();
  if (pid == 0) {
    BecomeServer(argv.data(), envp.data(), plan.cwd.empty() ? nullptr : plan.cwd.c_str(),
                 cpus.empty() ? nullptr : &cpu_set, parent, log_fd, null_fd, report[1]);
  }
  const int fork_errno = errno;
  close(report[1]);
  close(log_fd);
  close(null_fd);
  if (pid < 0) {
    close(report[0]);
    errno = fork_errno;
    *error = Errno("fork");
    return nullptr;
  }
  // Also from the parent, so that the group exists before Start returns whichever runs first.
  setpgid(pid, pid);
  process->pid_ = pid;

  // The pipe closes on a successful exec (O_CLOEXEC); a failure report arrives before that.
  ChildFailure failure{};
  ssize_t n;
  do {
    n = read(report[0], &failure, sizeof(failure));
  } while (n < 0 && errno == EINTR);
  close(report[0]);
  if (n == static_cast<ssize_t>(sizeof(failure))) {
    process->Stop(0);
    *error = "cannot start " + args[0] + ": " + kChildSteps[failure.step] +
             (failure.step == kChdirStep ? " " + plan.cwd : "") + ": " +
             std::strerror(failure.error);
    return nullptr;
  }
  int guard[2];
  if (pipe2(guard, O_CLOEXEC) != 0) {
    process->Stop(0);
    *error = Errno("cannot prepare the server's guard");
    return nullptr;
  }
  const pid_t guard_pid = fork();
  if (guard_pid == 0) GuardServerGroup(guard[0], pid);
  close(guard[0]);
  if (guard_pid < 0) {
    close(guard[1]);
    process->Stop(0);
    *error = Errno("cannot start the server's guard: fork");
    return nullptr;
  }
  process->guard_pid_ = guard_pid;
  process->guard_fd_ = guard[1];
  return process;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Stop(2 * kNanosPerSecond);
}

pid_t ServerProcess::pid() const { return pid_; }

pid_t ServerProcess::TreeRoot() {
  if (mark_.empty()) return pid_;
  if (tree_root_ > 0) return tree_root_;
  std::vector<pid_t> marked, roots;
  FindMarkedProcesses(mark_, &marked, &roots);
  for (pid_t root : roots) {
    if (root != pid_) tree_root_ = root;
  }
  return tree_root_ > 0 ? tree_root_ : pid_;
}

int64_t ServerProcess::spawn_ns() const { return spawn_ns_; }

bool ServerProcess::WaitReady(const std::string& ready_path, int64_t timeout_ns, int64_t* ready_ns,
                              std::string* error, const std::atomic<bool>* interrupt) {
  HttpCall health;
  health.path = ready_path;
  if (PollUntilOk(this, "readiness", plan_.base_url, health, kHealthRequestTimeoutNs, timeout_ns,
                  kReadyPollNs, ready_ns, error, nullptr, interrupt)) {
    return true;
  }
  if (interrupt != nullptr && interrupt->load()) return false;
  AppendLogTail(error);
  return false;
}

bool ServerProcess::WaitReady(const ProtocolAdapter& protocol, int64_t timeout_ns,
                              int64_t* ready_ns, std::string* error,
                              const std::atomic<bool>* interrupt) {
  if (PollUntilOk(this, "readiness", plan_.base_url, protocol.ServerReadyCallFor(plan_.model),
                  kHealthRequestTimeoutNs, timeout_ns, kReadyPollNs, ready_ns, error, &protocol,
                  interrupt)) {
    return true;
  }
  if (interrupt != nullptr && interrupt->load()) return false;
  AppendLogTail(error);
  return false;
}

void ServerProcess::AppendLogTail(std::string* error) const {
  const std::vector<std::string> tail = LogTail(kLogTailLines);
  if (tail.empty()) return;
  *error += "; last lines of " + log_path_ + ":";
  for (const std::string& line : tail) *error += "\n  " + line;
}

bool PollUntilOk(ServerProcess* server, const std::string& what, const std::string& base_url,
                 const HttpCall& call, int64_t request_timeout_ns, int64_t timeout_ns,
                 int64_t poll_ns, int64_t* done_ns, std::string* error,
                 const ProtocolAdapter* readiness, const std::atomic<bool>* interrupt) {
  const std::string url = base_url + call.path;
  const int64_t start = MonotonicNanos();
  const int64_t deadline = start + timeout_ns;
  std::string last = "no answer yet";
  while (true) {
    if (interrupt != nullptr && interrupt->load()) {
      *error = "interrupted";
      return false;
    }
    if (server != nullptr && !server->Alive()) {
      *error = what + ": the server " + server->ExitDescription() + " (" +
               std::to_string((MonotonicNanos() - server->spawn_ns()) / kNanosPerMilli) +
               " ms after spawn; last answer to " + call.method + " " + url + ": " + last + ")";
      return false;
    }
    const int64_t now = MonotonicNanos();
    if (now >= deadline) {
      *error = what + ": no success after " + std::to_string((now - start) / kNanosPerMilli) +
               " ms (last answer to " + call.method + " " + url + ": " + last + ")";
      if (server != nullptr) *error += "; the server is " + server->ExitDescription();
      return false;
    }
    HttpReply reply;
    std::string fetch_error;
    if (HttpFetch(call.method, url, call.headers, call.body,
                  std::min(request_timeout_ns, deadline - now), &reply, &fetch_error)) {
      const bool ok = reply.status >= 200 && reply.status < 300;
      if (ok && (readiness == nullptr || readiness->SaysReady(reply.body))) {
        *done_ns = MonotonicNanos();
        return true;
      }
      last = ok ? "HTTP " + std::to_string(reply.status) + ", not ready yet"
                : "HTTP " + std::to_string(reply.status) + " " + reply.body.substr(0, 200);
    } else {
      last = fetch_error;
    }
    SleepNanos(poll_ns);
  }
}

bool ServerProcess::Alive() {
  if (exited_) return false;
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exited_ = true;
    wait_status_ = status;
  } else if (r < 0 && errno == ECHILD) {
    // Reaped elsewhere (a SIGCHLD handler that waits for any child): gone, status unknown.
    exited_ = true;
    wait_status_ = -1;
  }
  return !exited_;
}

std::string ServerProcess::ExitDescription() const {
  if (!exited_) return "running";
  if (wait_status_ == -1) return "exited (status unknown: reaped elsewhere)";
  if (WIFEXITED(wait_status_)) {
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status_));
  }
  if (WIFSIGNALED(wait_status_)) {
    const int sig = WTERMSIG(wait_status_);
    const char* abbrev = sigabbrev_np(sig);
    return "killed by signal " + std::to_string(sig) +
           (abbrev != nullptr ? " (SIG" + std::string(abbrev) + ")" : "");
  }
  return "ended with wait status " + std::to_string(wait_status_);
}

void ServerProcess::Stop(int64_t grace_ns) {
  if (pid_ <= 0) return;
  // The group outlives its leader while any member lives, so a leader that exited on its own
  // may still have left children behind: they are signalled too.
  const pid_t group = -pid_;
  auto group_gone = [&] {
    // Members orphaned by the leader's exit are reparented to init, or to servebench when it is
    // a subreaper or PID 1: those are reaped here.
    int status = 0;
    for (pid_t r; (r = waitpid(group, &status, WNOHANG)) > 0;) {
      if (r == pid_) {
        exited_ = true;
        wait_status_ = status;
      }
    }
    return !Alive() && !ProcessGroupRuns(pid_);
  };
  if (!group_gone()) {
    kill(group, SIGTERM);
    const int64_t deadline = MonotonicNanos() + grace_ns;
    while (!group_gone() && MonotonicNanos() < deadline) SleepNanos(kStopPollNs);
  }
  if (!group_gone()) {
    kill(group, SIGKILL);
    const int64_t deadline = MonotonicNanos() + kGroupGoneTimeoutNs;
    while (Alive()) SleepNanos(kStopPollNs);  // SIGKILL cannot be refused: this ends
    while (!group_gone() && MonotonicNanos() < deadline) SleepNanos(kStopPollNs);
  }
  if (!mark_.empty()) {
    // The prefix's program is gone, and should have taken the server with it; whatever of the
    // server still runs outside its group is killed here.
    const int64_t deadline = MonotonicNanos() + kGroupGoneTimeoutNs;
    std::vector<pid_t> marked, roots;
    for (FindMarkedProcesses(mark_, &marked, &roots); !marked.empty();
         FindMarkedProcesses(mark_, &marked, &roots)) {
      if (MonotonicNanos() >= deadline) break;
      for (pid_t p : marked) kill(p, SIGKILL);
      SleepNanos(kStopPollNs);
    }
  }
  StopGuard();
}

void ServerProcess::StopGuard() {
  if (guard_pid_ <= 0) return;
  // Killed before its pipe closes: once the group is gone its id may be reused, and the guard
  // must not signal whoever has it then. Its own pid stays ours until it is reaped.
  kill(guard_pid_, SIGKILL);
  int status = 0;
  while (waitpid(guard_pid_, &status, 0) < 0 && errno == EINTR) {
  }
  close(guard_fd_);
  guard_pid_ = -1;
  guard_fd_ = -1;
}

std::vector<std::string> ServerProcess::LogTail(int lines) const {
  std::vector<std::string> out;
  std::ifstream in(log_path_, std::ios::binary);
  if (!in || lines <= 0) return out;
  in.seekg(0, std::ios::end);
  const int64_t size = in.tellg();
  const int64_t start = std::max<int64_t>(0, size - kLogTailMaxBytes);
  in.seekg(start);
  std::string text(static_cast<size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  size_t begin = 0;
  // A partial first line (cut by the byte limit) is dropped.
  if (start > 0) {
    const size_t nl = text.find('\n');
    begin = nl == std::string::npos ? text.size() : nl + 1;
  }
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  if (out.size() > static_cast<size_t>(lines)) {
    out.erase(out.begin(), out.end() - lines);
  }
  return out;
}

}  // namespace servebench
