// Copyright servebench authors.
//
// The run's journal: one JSON line per finished cell, appended, flushed and fsynced before the
// runner moves on, so that a run killed at any moment keeps every cell it finished and
// `--resume` can skip them.

#ifndef SERVEBENCH_BENCH_JOURNAL_H_
#define SERVEBENCH_BENCH_JOURNAL_H_

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace servebench {

class Journal {
 public:
  // Opens (creating or appending to) `<run_dir>/journal.jsonl`.
  static bool Open(const std::string& run_dir, Journal* journal, std::string* error);
  Journal() = default;
  ~Journal();
  Journal(Journal&& other) noexcept;
  Journal& operator=(Journal&& other) noexcept;

  // Appends one record as a single line; returns after fsync.
  bool Append(const nlohmann::json& record, std::string* error);

  // Every complete record of `<run_dir>/journal.jsonl` in order, with its line number in
  // *line_numbers when given. A torn last line (the run was killed while writing it) is
  // ignored; a line that is not a JSON object elsewhere is an error naming it.
  static bool Read(const std::string& run_dir, std::vector<nlohmann::json>* records,
                   std::string* error, std::vector<int>* line_numbers = nullptr);

  // "<run_dir>/journal.jsonl", for messages.
  static std::string PathIn(const std::string& run_dir);

 private:
  std::FILE* file_ = nullptr;
};

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_JOURNAL_H_
