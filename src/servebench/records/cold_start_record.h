// Copyright servebench authors.
//
// A cold-start cell's measurements: the times of each fresh server process from spawn to ready
// to model ready to first inference (lifecycle/cold_start.h takes them) and their mean; a cell
// record's "cold_start", defined in docs/results.md.

#ifndef SERVEBENCH_RECORDS_COLD_START_RECORD_H_
#define SERVEBENCH_RECORDS_COLD_START_RECORD_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "servebench/core/json_reader.h"

namespace servebench {

struct ColdStartTimes {
  double spawn_to_ready_s = 0;  // the server's readiness endpoint answers 2xx
  // Ready -> the model's readiness endpoint answers 2xx -> the first 2xx inference. Absent
  // (not 0) in records written before servebench timed the model-ready step; then only their
  // sum, ready_to_first_inference_s, is known.
  std::optional<double> ready_to_model_ready_s;
  std::optional<double> model_ready_to_first_inference_s;
  double ready_to_first_inference_s = 0;
  double spawn_to_first_inference_s = 0;
  // Unload + load through the repository API; absent from the JSON (not 0, which would read as
  // instant) where the server has none.
  std::optional<double> model_load_s;

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

struct ColdStartRecord {
  std::vector<ColdStartTimes> repeats;  // one per fresh process, in order
  // Each optional step: the mean of the repeats that have it.
  ColdStartTimes mean;

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

}  // namespace servebench

#endif  // SERVEBENCH_RECORDS_COLD_START_RECORD_H_
