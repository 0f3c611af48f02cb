// libFuzzer target: a run folder's journal.jsonl as `servebench report` and `--resume` read it
// (bench/runner.h ReadRunFolder: the journal, typed run/cell/level records with their latency
// histograms, each cell's summary computed anew), then the terminal summary of what was read.
// A journal may be torn, edited or from another version: every malformed record is an error
// naming its line, never a crash. What was read is written as `report` writes it (results.json,
// results.csv, summary.md, report.html, the terminal summary), in memory.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_files.h"
#include "servebench/bench/runner.h"
#include "servebench/report/result_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace servebench;
  const std::string& run_dir = fuzz::Folder();
  fuzz::WriteFile(run_dir + "/journal.jsonl", data, size);
  RunState state;
  std::string error;
  if (!ReadRunFolder(run_dir, &state, &error)) {
    if (error.empty()) __builtin_trap();
    return 0;
  }
  FormatResultsJson(state.run, state.environment, state.cells);
  FormatResultsCsv(state.run, state.cells);
  FormatSummaryMarkdown(state.run, state.environment, state.cells);
  FormatReportHtml(state.run, state.environment, state.cells);
  FormatTerminalSummary(state.run, state.cells);
  return 0;
}
