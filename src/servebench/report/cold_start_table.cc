// Copyright servebench authors.

#include "servebench/report/cold_start_table.h"

#include <string>

#include "servebench/report/number_format.h"

namespace servebench {

TextTable ColdStartTable(const std::vector<CellRecord>& cells, bool compact) {
  TextTable table;
  if (compact) {
    table.header = {"server", "variant", "ready s", "+model s", "+infer s", "total s"};
  } else {
    table.header = {"server",
                    "variant",
                    "repeats",
                    "spawn → ready (s)",
                    "ready → model ready (s)",
                    "model ready → first inference (s)",
                    "spawn → first inference (s)",
                    "model load (s)"};
  }
  table.right_aligned.assign(table.header.size(), true);
  table.right_aligned[0] = table.right_aligned[1] = false;
  for (const CellRecord& cell : cells) {
    if (!cell.is_cold_start() || !cell.cold_start || cell.cold_start->repeats.empty()) continue;
    const ColdStartTimes& mean = cell.cold_start->mean;
    std::vector<std::string> row = {cell.server, cell.variant};
    if (!compact) row.push_back(std::to_string(cell.cold_start->repeats.size()));
    row.push_back(FormatSeconds(mean.spawn_to_ready_s));
    // A record from before the model-ready step was timed: only the two steps' sum is known.
    if (mean.ready_to_model_ready_s && mean.model_ready_to_first_inference_s) {
      row.push_back(FormatSeconds(mean.ready_to_model_ready_s));
      row.push_back(FormatSeconds(mean.model_ready_to_first_inference_s));
    } else {
      row.push_back(FormatSeconds(std::nullopt));
      row.push_back(FormatSeconds(std::nullopt));
    }
    row.push_back(FormatSeconds(mean.spawn_to_first_inference_s));
    if (!compact) row.push_back(FormatSeconds(mean.model_load_s));
    table.rows.push_back(std::move(row));
  }
  return table;
}

}  // namespace servebench
