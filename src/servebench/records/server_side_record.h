// Copyright servebench authors.
//
// The server's own view of one load level, from its Prometheus counters before and after it
// (lifecycle/prometheus.h): a level record's "server_side", defined in docs/results.md.

#ifndef SERVEBENCH_RECORDS_SERVER_SIDE_RECORD_H_
#define SERVEBENCH_RECORDS_SERVER_SIDE_RECORD_H_

#include <nlohmann/json.hpp>

#include "servebench/core/json_reader.h"

namespace servebench {

// Deltas of Triton's nv_inference_* counters over the level, and their ratios.
struct ServerSideRecord {
  double requests = 0;
  double inferences = 0;
  double executions = 0;
  double queue_us_per_request = 0;
  double compute_us_per_request = 0;
  double request_us_per_request = 0;

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

}  // namespace servebench

#endif  // SERVEBENCH_RECORDS_SERVER_SIDE_RECORD_H_
