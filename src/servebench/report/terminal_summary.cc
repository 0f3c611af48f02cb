// Copyright servebench authors.
//
// The table printed when a run ends: per model variant, its servers side by side, in a compact
// fixed width, with each row's levels marked inconclusive, unstable, lagging or noisy; then the
// cold starts step by step, one line on accuracy through the servers, and a line for each warning.

#include <string>
#include <vector>

#include "servebench/report/cold_start_table.h"
#include "servebench/report/comparison.h"
#include "servebench/report/markdown_table.h"
#include "servebench/report/number_format.h"
#include "servebench/report/result_writer.h"

namespace servebench {

namespace {

// "1234", or "1234 +-56" (the 95% confidence interval's half-width) over several repeats.
std::string ThroughputWithinSlo(const ComparisonRow& row) {
  std::string text = FormatRate(row.throughput_within_slo_rps);
  if (row.throughput_within_slo_lower && row.throughput_within_slo_upper) {
    text += " +-" +
            FormatRate((*row.throughput_within_slo_upper - *row.throughput_within_slo_lower) / 2);
  }
  return text;
}

// "ok" when every level is clean, else the marks ("2 inc, 1 noisy"); empty without levels.
std::string LevelsText(const ComparisonRow& row) {
  if (row.levels == 0) return "";
  const std::string marks = ValidityText(row, true);
  return marks.empty() ? std::to_string(row.levels) + " ok" : marks;
}

std::string AccuracyLines(const std::vector<CellRecord>& cells) {
  const std::vector<AccuracyRow> rows = AccuracyRows(cells);
  if (rows.empty()) return "";
  int measured = 0, agree = 0, skipped = 0, failed = 0;
  std::string warnings;
  for (const AccuracyRow& row : rows) {
    if (row.failed || !row.accuracy) {
      ++failed;
    } else if (row.accuracy->skipped) {
      ++skipped;
    } else {
      ++measured;
      if (!row.accuracy->warning) {
        ++agree;
      } else {
        warnings +=
            "WARNING " + row.variant + " on " + row.server + ": " + *row.accuracy->warning + "\n";
      }
    }
  }
  std::string line = "accuracy through the server: " + std::to_string(measured) + " measured, " +
                     std::to_string(agree) + " within one sample of the card";
  if (skipped > 0) line += ", " + std::to_string(skipped) + " skipped (no test data)";
  if (failed > 0) line += ", " + std::to_string(failed) + " failed";
  return line + "\n" + warnings;
}

// One line per MLPerf scenario run, in the spirit of LoadGen's summary: the cell, its metric,
// VALID or INVALID and each failed rule with what to change.
std::string ScenarioLines(const std::vector<CellRecord>& cells) {
  std::string out;
  for (const CellRecord& cell : cells) {
    for (const LevelRecord& level : cell.levels) {
      if (!level.load.scenario) continue;
      out += cell.cell_id;
      if (cell.repeats > 1) out += " (repeat " + std::to_string(level.repeat + 1) + ")";
      out += ": " + level.load.scenario->summary + "\n";
    }
  }
  return out.empty() ? out : "MLPerf scenarios:\n" + out;
}

}  // namespace

std::string FormatTerminalSummary(const RunRecord& run, const std::vector<CellRecord>& cells) {
  const std::vector<ComparisonRow> rows = BuildComparison(cells);
  std::string out;
  if (rows.empty() && AccuracyRows(cells).empty()) return "No cells were measured.\n";
  // The scenario column earns its width only when some variant/server pair has several.
  bool several_scenarios = false;
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t j = i + 1; j < rows.size(); ++j) {
      several_scenarios |= rows[i].variant == rows[j].variant && rows[i].server == rows[j].server;
    }
  }
  const std::string currency = run.cost.CurrencyName();
  bool marked = false;
  for (const std::string& variant : VariantsOf(rows)) {
    TextTable table;
    table.header = {"server"};
    if (several_scenarios) table.header.push_back("scenario");
    for (const char* h : {"p50 ms", "p99 ms", "max thr/s", "thr@SLO/s", "cold s", "CPU%"}) {
      table.header.push_back(h);
    }
    table.header.push_back(currency + "/M");
    table.header.push_back("levels");
    table.right_aligned.assign(table.header.size(), true);
    table.right_aligned[0] = false;
    table.right_aligned.back() = false;
    if (several_scenarios) table.right_aligned[1] = false;
    for (const ComparisonRow& row : rows) {
      if (row.variant != variant) continue;
      std::vector<std::string> cells_text = {row.failed ? row.server + " FAILED" : row.server};
      if (several_scenarios) cells_text.push_back(row.scenario);
      for (std::string text :
           {FormatMillisFromMicros(row.p50_us), FormatMillisFromMicros(row.p99_us),
            FormatRate(row.max_throughput_rps), ThroughputWithinSlo(row),
            FormatSeconds(row.cold_start_s), FormatPercent(row.cpu_percent_mean),
            FormatCost(row.cost_per_million), LevelsText(row)}) {
        cells_text.push_back(std::move(text));
      }
      marked |= !ValidityText(row, true).empty();
      table.rows.push_back(std::move(cells_text));
    }
    out += variant + "\n" + RenderFixedWidth(table, "  ") + "\n";
  }
  if (marked) {
    out +=
        "levels: inc = inconclusive (too few samples to judge the SLO: no headline figure comes "
        "from it), unst = reached max_duration unsettled, lag = generator lag over 10% of a "
        "latency, noisy = steal or other processes over 10% of a core; summary.md lists each "
        "with its reason.\n";
  }
  out += ScenarioLines(cells);
  const TextTable cold = ColdStartTable(cells, /*compact=*/true);
  if (!cold.rows.empty()) {
    out += "cold start, mean s: spawn -> ready, + model ready, + first inference\n" +
           RenderFixedWidth(cold, "  ") + "\n";
  }
  out += AccuracyLines(cells);
  size_t failed = 0;
  for (const CellRecord& cell : cells) failed += cell.ok() ? 0 : 1;
  if (failed > 0) {
    out += std::to_string(failed) + " of " + std::to_string(cells.size()) +
           " cells failed; summary.md lists why.\n";
  }
  return out;
}

}  // namespace servebench
