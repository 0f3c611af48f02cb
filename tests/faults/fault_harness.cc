// Copyright servebench authors.

#include "fault_harness.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace servebench::faults {

using nlohmann::json;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TempDir::TempDir() {
  static int counter = 0;
  const char* base = std::getenv("TMPDIR");
  path_ = fs::path(base ? base : "/tmp") /
          ("servebench_faults_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

Servebench::Servebench(const std::vector<std::string>& args, const fs::path& dir,
                       const std::vector<std::string>& env)
    : out_(dir / "stdout"), err_(dir / "stderr") {
  std::vector<std::string> argv = {SERVEBENCH_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> c_argv;
  for (auto& a : argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) envs.push_back(*e);
  envs.insert(envs.end(), env.begin(), env.end());
  std::vector<char*> c_env;
  for (auto& e : envs) c_env.push_back(e.data());
  c_env.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  EXPECT_EQ(posix_spawn(&pid_, c_argv[0], &actions, nullptr, c_argv.data(), c_env.data()), 0);
  posix_spawn_file_actions_destroy(&actions);
}

Servebench::~Servebench() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    Wait();
  }
}

int Servebench::Wait(double seconds) {
  if (pid_ <= 0) return -1;
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (true) {
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void Servebench::Signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

std::string Servebench::out() const { return Slurp(out_); }
std::string Servebench::err() const { return Slurp(err_); }

bool WaitFor(const std::function<bool()>& condition, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

fs::path FaultServer(const fs::path& dir, const std::string& mode) {
  const fs::path link = dir / "bin" / ("fault-" + mode);
  fs::create_directories(link.parent_path());
  if (!fs::exists(link)) fs::create_symlink(FAULT_SERVER_BINARY, link);
  return link;
}

fs::path MakeRepository(const fs::path& dir) {
  const fs::path repository = dir / "repository";
  fs::create_directories(repository / "mlp" / "1");
  std::ofstream(repository / "mlp" / "config.pbtxt") << "name: \"mlp\"\n";
  std::ofstream(repository / "mlp" / "1" / "model.pt") << "";
  return repository;
}

std::string Experiment(const fs::path& dir, const std::string& servers,
                       const std::string& scenarios, const std::string& measurement) {
  return "name: faults\n"
         "models:\n"
         "  repository: \"" +
         MakeRepository(dir).string() +
         "\"\n"
         "  variants: [mlp]\n"
         "servers:\n" +
         servers + "scenarios:\n" + scenarios + "measurement:\n" + measurement +
         "slo:\n  percentile: 99\n  bound: 500ms\n";
}

fs::path OnlyRunDir(const fs::path& runs) {
  std::vector<fs::path> dirs;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(runs, ec)) dirs.push_back(e.path());
  EXPECT_EQ(dirs.size(), 1u) << runs;
  return dirs.empty() ? fs::path() : dirs[0];
}

std::vector<json> JournalCells(const fs::path& run_dir) {
  std::vector<json> cells;
  std::istringstream lines(Slurp(run_dir / "journal.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    json record = json::parse(line, nullptr, false);
    if (record.is_object() && record["record"] == "cell") cells.push_back(record);
  }
  return cells;
}

json ResultCell(const fs::path& run_dir, const std::string& cell_id) {
  const json results = json::parse(Slurp(run_dir / "results.json"), nullptr, false);
  if (!results.is_object()) return nullptr;
  for (const json& cell : results["cells"]) {
    if (cell["cell_id"] == cell_id) return cell;
  }
  return nullptr;
}

std::vector<pid_t> FindProcesses(const std::vector<std::string>& parts) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    if (!ProcessRuns(pid)) continue;
    std::string cmdline = Slurp(entry.path() / "cmdline");
    bool all = !cmdline.empty();
    for (const auto& part : parts) all = all && cmdline.find(part) != std::string::npos;
    if (all) pids.push_back(pid);
  }
  return pids;
}

bool ProcessRuns(pid_t pid) {
  const std::string stat = Slurp("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
  return stat[paren + 2] != 'Z' && stat[paren + 2] != 'X';
}

pid_t ServerPidInLog(const fs::path& log) {
  const std::string text = Slurp(log);
  const std::string tag = "fault server pid ";
  const size_t at = text.find(tag);
  return at == std::string::npos ? -1 : std::atoi(text.c_str() + at + tag.size());
}

}  // namespace servebench::faults
