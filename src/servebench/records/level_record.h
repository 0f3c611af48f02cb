// Copyright servebench authors.
//
// One measured load level of a cell: where it was measured (a concurrency, or a rate and its
// arrival process), the runner's judgements (stable, overloaded, SLO met, goodput), the load
// engine's record and what the server used meanwhile. docs/results.md defines each field.

#ifndef SERVEBENCH_RECORDS_LEVEL_RECORD_H_
#define SERVEBENCH_RECORDS_LEVEL_RECORD_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "servebench/core/json_reader.h"
#include "servebench/load/load_record.h"
#include "servebench/records/resource_record.h"
#include "servebench/records/server_side_record.h"

namespace servebench {

// {"concurrency": N} (closed loop) or {"rate": R, "arrival": "poisson"} (open loop).
struct LevelPoint {
  std::optional<int> concurrency;
  std::optional<double> rate;
  std::string arrival;  // with a rate

  static LevelPoint Concurrency(int n);
  static LevelPoint Rate(double rate, const std::string& arrival);

  const char* kind() const { return concurrency ? "concurrency" : "rate"; }
  double value() const { return concurrency ? *concurrency : rate.value_or(0); }

  nlohmann::json ToJson() const;
  // Exactly one of "concurrency" and "rate"; a rate needs its "arrival".
  void Read(JsonReader* in);
};

struct LevelRecord {
  LevelPoint level;
  int windows = 0;  // measurement windows used
  bool stable = false;
  bool max_duration_reached = false;
  bool overloaded = false;
  bool slo_met = false;
  double slo_latency_us = 0;  // latency at the SLO's percentile
  double goodput_rps = 0;
  std::optional<double> recovery_s;  // absent unless the runner waited for the server after it
  LoadRecord load;
  std::optional<ResourceRecord> resources;      // null: not sampled (an external server)
  std::optional<ServerSideRecord> server_side;  // null: no metrics endpoint or no counters
  std::optional<double> energy_j;               // null: no RAPL
  // Measured by several generator processes (a scenario's `generators`): each one's
  // self-checks, in order; load.generator then holds the worst of them. Empty with one.
  std::vector<GeneratorRecord> generators;

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

}  // namespace servebench

#endif  // SERVEBENCH_RECORDS_LEVEL_RECORD_H_
