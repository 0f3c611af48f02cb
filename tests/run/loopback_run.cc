// Copyright servebench authors.

#include "loopback_run.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "servebench/core/clock.h"

namespace servebench::testing {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TempDir::TempDir() {
  static int counter = 0;
  const char* base = std::getenv("TMPDIR");
  path_ = fs::path(base ? base : "/tmp") / ("servebench_loopback_test_" + std::to_string(getpid()) +
                                            "_" + std::to_string(counter++));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() { fs::remove_all(path_); }

Outcome RunServebench(const fs::path& dir, const fs::path& config, const std::string& extra_args) {
  const fs::path out = dir / "stdout", err = dir / "stderr";
  const std::string command = std::string(SERVEBENCH_BINARY) + " run " + config.string() +
                              " --out " + (dir / "runs").string() + " " + extra_args +
                              " </dev/null >" + out.string() + " 2>" + err.string();
  const int64_t start = MonotonicNanos();
  const int status = std::system(command.c_str());
  Outcome o;
  o.seconds = (MonotonicNanos() - start) / 1e9;
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.out = Slurp(out);
  o.err = Slurp(err);
  return o;
}

fs::path MakeRepository(const fs::path& dir, const std::string& model) {
  const fs::path repository = dir / "repository";
  fs::create_directories(repository / model / "1");
  std::ofstream(repository / model / "config.pbtxt") << "name: \"" << model << "\"\n";
  std::ofstream(repository / model / "1" / "model.pt") << "";
  return repository;
}

fs::path OnlyRunDir(const fs::path& runs) {
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(runs)) dirs.push_back(e.path());
  EXPECT_EQ(dirs.size(), 1u);
  return dirs.empty() ? fs::path() : dirs[0];
}

std::vector<json> JournalCells(const fs::path& run_dir) {
  std::vector<json> cells;
  std::istringstream lines(Slurp(run_dir / "journal.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    json record = json::parse(line);
    if (record["record"] == "cell") cells.push_back(record);
  }
  return cells;
}

}  // namespace servebench::testing
