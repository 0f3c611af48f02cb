// Copyright servebench authors.
//
// A service-level objective as the records keep it: the latency constraints that must all hold,
// the per-request bound goodput counts by, and where it came from (the experiment's global SLO,
// or the override of a model family or variant). docs/results.md defines each field.

#ifndef SERVEBENCH_RECORDS_SLO_RECORD_H_
#define SERVEBENCH_RECORDS_SLO_RECORD_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "servebench/core/json_reader.h"

namespace servebench {

struct SloConstraintRecord {
  double percentile = 0;  // of latency_us, in percent
  double bound_us = 0;

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

struct SloRecord {
  std::vector<SloConstraintRecord> constraints;
  double request_bound_us = 0;  // goodput counts the requests at or under it
  std::string source;           // "global", "family <name>" or "variant <name>"

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
  // "p50 <= 20 ms and p99 <= 100 ms"; `le` replaces "<=" (e.g. "≤" in HTML).
  std::string Describe(const std::string& le = "<=") const;
  // The constraint of the highest percentile (the one a single latency figure is read against);
  // percentile and bound 0 when there is none.
  SloConstraintRecord Headline() const;
};

}  // namespace servebench

#endif  // SERVEBENCH_RECORDS_SLO_RECORD_H_
