// Copyright servebench authors.
//
// One measured load level of a cell: where it was measured (a concurrency, or a rate and its
// arrival process), the runner's judgements (stable, overloaded, the SLO's verdict, goodput),
// how far its numbers can be trusted (sample count, confidence intervals, generator lag, noise),
// the load engine's record and what the server used meanwhile. docs/results.md defines each
// field.

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
#include "servebench/records/validity_record.h"

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
  int repeat = 0;   // which of the cell's repeats measured it, from 0
  int windows = 0;  // measurement windows used
  bool stable = false;
  bool max_duration_reached = false;
  bool overloaded = false;
  int64_t samples = 0;  // successful requests of the window: the latency histogram's count
  // The SLO judged with early stopping: "met", "not_met", or "inconclusive" (too few samples to
  // tell); slo_met is slo_verdict == "met". slo_reason says why it is not met or inconclusive.
  std::string slo_verdict = "inconclusive";
  bool slo_met = false;
  std::string slo_reason;
  std::vector<ConstraintVerdictRecord> slo_constraints;
  double goodput_rps = 0;
  LatencyIntervalsRecord latency_ci_us;
  std::optional<GeneratorLagRecord> generator_lag;  // null in closed loop
  std::optional<NoiseRecord> noise;                 // null when /proc could not be read
  std::optional<double> recovery_s;  // absent unless the runner waited for the server after it
  LoadRecord load;
  std::optional<ResourceRecord> resources;      // null: not sampled (an external server)
  std::optional<ServerSideRecord> server_side;  // null: no metrics endpoint or no counters
  std::optional<double> energy_j;               // null: no RAPL
  // Measured by several generator processes (a scenario's `generators`): each one's
  // self-checks, in order; load.generator then holds the worst of them. Empty with one
  // (absent in records from before several generators: empty).
  std::vector<GeneratorRecord> generators;

  bool inconclusive() const { return slo_verdict == "inconclusive"; }

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

}  // namespace servebench

#endif  // SERVEBENCH_RECORDS_LEVEL_RECORD_H_
