// Copyright servebench authors.
//
// One writer per output format of a run: results.json, results.csv, summary.md and
// report.html. Each reads the typed run record, the run's environment (bench/environment.h) and the
// finished cell records (records/, docs/results.md) and writes one file into the run folder.

#ifndef SERVEBENCH_REPORT_RESULT_WRITER_H_
#define SERVEBENCH_REPORT_RESULT_WRITER_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "servebench/records/cell_record.h"
#include "servebench/records/run_record.h"

namespace servebench {

class ResultWriter {
 public:
  virtual ~ResultWriter() = default;
  virtual std::string file_name() const = 0;  // e.g. "results.csv"
  // Writes `<run_dir>/<file_name()>` from the run record, the environment the run was measured
  // in (CollectEnvironment()'s object; null when unknown) and the cell records in run order,
  // replacing it atomically (write a temporary, then rename).
  virtual bool Write(const RunRecord& run, const nlohmann::json& environment,
                     const std::vector<CellRecord>& cells, const std::string& run_dir,
                     std::string* error) const = 0;
};

std::unique_ptr<ResultWriter> NewJsonWriter();      // results.json
std::unique_ptr<ResultWriter> NewCsvWriter();       // results.csv: one row per cell and level
std::unique_ptr<ResultWriter> NewMarkdownWriter();  // summary.md
std::unique_ptr<ResultWriter> NewHtmlWriter();      // report.html (docs/report.md)
std::vector<std::unique_ptr<ResultWriter>> AllResultWriters();  // the four above, in that order

// The text each writer writes, for callers that print or compare it without a file.
std::string FormatResultsJson(const RunRecord& run, const nlohmann::json& environment,
                              const std::vector<CellRecord>& cells);
std::string FormatResultsCsv(const RunRecord& run, const std::vector<CellRecord>& cells);
std::string FormatSummaryMarkdown(const RunRecord& run, const nlohmann::json& environment,
                                  const std::vector<CellRecord>& cells);
std::string FormatReportHtml(const RunRecord& run, const nlohmann::json& environment,
                             const std::vector<CellRecord>& cells);

// The summary table printed at the end of a run: servers side by side per model variant.
std::string FormatTerminalSummary(const RunRecord& run, const std::vector<CellRecord>& cells);

}  // namespace servebench

#endif  // SERVEBENCH_REPORT_RESULT_WRITER_H_
