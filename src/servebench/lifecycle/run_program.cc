// Copyright servebench authors.

#include "servebench/lifecycle/run_program.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "servebench/core/clock.h"

extern char** environ;

namespace servebench {

namespace {

constexpr int64_t kPollNs = 10 * kNanosPerMilli;
constexpr int kTailLines = 10;

std::string LogTail(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  std::string out;
  const size_t first = lines.size() > kTailLines ? lines.size() - kTailLines : 0;
  for (size_t i = first; i < lines.size(); ++i) out += "\n  " + lines[i];
  return out;
}

std::string Describe(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

}  // namespace

bool RunProgram(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                const std::string& log_path, int64_t timeout_ns, std::string* error) {
  if (argv.empty()) {
    *error = "no program to run";
    return false;
  }
  std::vector<std::string> args = argv;
  std::vector<std::string> vars;
  auto key_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    if (std::none_of(env.begin(), env.end(),
                     [&](const std::string& x) { return key_of(x) == key_of(entry); })) {
      vars.push_back(entry);
    }
  }
  vars.insert(vars.end(), env.begin(), env.end());
  std::vector<char*> c_args, c_vars;
  for (std::string& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  for (std::string& v : vars) c_vars.push_back(v.data());
  c_vars.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  // Signals as a fresh process sees them, whatever servebench's threads block.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int spawned =
      posix_spawnp(&pid, c_args[0], &actions, &attributes, c_args.data(), c_vars.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    *error = "cannot run " + argv[0] + ": " + std::strerror(spawned);
    return false;
  }

  const int64_t deadline = MonotonicNanos() + timeout_ns;
  int status = 0;
  while (true) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0) {
      *error = argv[0] + ": cannot wait for it: " + std::strerror(errno);
      return false;
    }
    if (MonotonicNanos() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      *error = argv[0] + " did not finish within " + std::to_string(timeout_ns / kNanosPerSecond) +
               " s (killed); last lines of " + log_path + ":" + LogTail(log_path);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::nanoseconds(kPollNs));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  *error =
      argv[0] + " " + Describe(status) + "; last lines of " + log_path + ":" + LogTail(log_path);
  return false;
}

}  // namespace servebench
