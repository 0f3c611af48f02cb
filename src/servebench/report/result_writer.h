// Copyright servebench authors.
//
// One writer per output format of a run: results.json, results.csv, summary.md (and later
// HTML). Each reads the run record and the finished cell records (docs/results.md) and writes
// one file into the run folder.

#ifndef SERVEBENCH_REPORT_RESULT_WRITER_H_
#define SERVEBENCH_REPORT_RESULT_WRITER_H_

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace servebench {

class ResultWriter {
 public:
  virtual ~ResultWriter() = default;
  virtual std::string file_name() const = 0;  // e.g. "results.csv"
  // Writes `<run_dir>/<file_name()>` from the run record and its cell records, replacing it
  // atomically (write a temporary, then rename).
  virtual bool Write(const nlohmann::json& run, const std::vector<nlohmann::json>& cells,
                     const std::string& run_dir, std::string* error) const = 0;
};

std::unique_ptr<ResultWriter> NewJsonWriter();      // results.json
std::unique_ptr<ResultWriter> NewCsvWriter();       // results.csv: one row per cell and level
std::unique_ptr<ResultWriter> NewMarkdownWriter();  // summary.md
std::vector<std::unique_ptr<ResultWriter>> AllResultWriters();

// The summary table printed at the end of a run: servers side by side per model variant.
std::string FormatTerminalSummary(const nlohmann::json& run,
                                  const std::vector<nlohmann::json>& cells);

}  // namespace servebench

#endif  // SERVEBENCH_REPORT_RESULT_WRITER_H_
