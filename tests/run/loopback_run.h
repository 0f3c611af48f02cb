// Copyright servebench authors.
//
// `servebench run` as a separate process against servers in the test process on 127.0.0.1
// (kind: external), for the tests of tests/run: a scratch folder, the run itself, and reading
// back what it wrote.

#ifndef SERVEBENCH_TESTS_RUN_LOOPBACK_RUN_H_
#define SERVEBENCH_TESTS_RUN_LOOPBACK_RUN_H_

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace servebench::testing {

std::string Slurp(const std::filesystem::path& path);

// A fresh folder under $TMPDIR (or /tmp), removed with everything in it at the end of scope.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct Outcome {
  int exit_code = -1;
  std::string out, err;
  double seconds = 0;
};

// Runs `servebench run CONFIG --out DIR/runs EXTRA...` with stdin closed, output to files in `dir`.
Outcome RunServebench(const std::filesystem::path& dir, const std::filesystem::path& config,
                      const std::string& extra_args = "");

// A model repository with one model `model` that passes the config check; an external server
// never reads it.
std::filesystem::path MakeRepository(const std::filesystem::path& dir,
                                     const std::string& model = "mlp");

// The one run folder in `runs` (a test failure when there is not exactly one).
std::filesystem::path OnlyRunDir(const std::filesystem::path& runs);

// The cell records of a run folder's journal, in order.
std::vector<nlohmann::json> JournalCells(const std::filesystem::path& run_dir);

}  // namespace servebench::testing

#endif  // SERVEBENCH_TESTS_RUN_LOOPBACK_RUN_H_
