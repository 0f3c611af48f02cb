// Copyright servebench authors.
//
// An experiment as `servebench run` understands it, once its YAML has been read and checked:
// which model variants, on which server configurations, under which scenarios, measured how,
// judged against which SLO and priced how. These are plain values; config.h reads them from
// YAML, matrix.h expands them into cells, and the runner executes cells. Every key and default
// is documented in docs/config.md.

#ifndef SERVEBENCH_BENCH_EXPERIMENT_H_
#define SERVEBENCH_BENCH_EXPERIMENT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "servebench/core/clock.h"
#include "servebench/lifecycle/model_variant.h"
#include "servebench/load/load_settings.h"
#include "servebench/systems/serving_system.h"

namespace servebench {

struct ModelsSection {
  std::string repository;  // empty: the model zoo's default repository (prepared when missing)
  std::vector<ModelVariant> variants;
};

enum class ScenarioKind { kColdStart, kConcurrencySweep, kRateSweep, kAccuracy };

struct Scenario {
  std::string name;  // unique label, e.g. "cold_start", "concurrency", "poisson"
  ScenarioKind kind = ScenarioKind::kConcurrencySweep;
  int repeats = 3;                      // cold start: fresh processes
  std::vector<int> concurrency;         // concurrency sweep: levels (YAML key `levels`)
  std::vector<double> rates;            // rate sweep: explicit levels (req/s); empty with saturate
  Arrival arrival = Arrival::kPoisson;  // rate sweep: Poisson or constant
  // Rate sweep up to saturation: start at `start_rate`, multiply by `growth` until the SLO or
  // the offered rate fails (throughput below 95% of offered), at most `max_levels` levels.
  bool saturate = false;
  double start_rate = 100;
  double growth = 2;
  int max_levels = 8;
  int batch = 1;  // accuracy: test samples per request
  // Sweeps: load generator processes sharing each level's load (bench/generator_group.h).
  int generators = 1;
};

struct MeasurementSettings {
  int64_t warmup_ns = 2 * kNanosPerSecond;
  int64_t window_ns = 2 * kNanosPerSecond;
  double stability_tolerance = 0.10;  // last 3 windows within this of their mean
  int64_t min_duration_ns = 4 * kNanosPerSecond;
  int64_t min_requests = 200;
  int64_t max_duration_ns = 20 * kNanosPerSecond;
  int64_t request_timeout_ns = 5 * kNanosPerSecond;
  int64_t ready_timeout_ns = 120 * kNanosPerSecond;
  int64_t stop_grace_ns = 10 * kNanosPerSecond;
  int64_t sample_period_ns = 100 * kNanosPerMilli;  // resource sampling

  ServerTimeouts server_timeouts() const {
    return {ready_timeout_ns, request_timeout_ns, stop_grace_ns};
  }
};

struct Slo {
  double percentile = 99;  // of latency_us
  int64_t bound_ns = 100 * kNanosPerMilli;
};

struct CostSettings {
  double hourly_price = 0;           // whole machine, in `currency` per hour; 0: not priced
  double hourly_price_per_core = 0;  // alternatively per core used by the server
  std::string currency = "USD";
};

struct ReportSettings {
  // The top-1 accuracy (a fraction) a recommended variant must reach; absent: within one point
  // of its family's fp32 model (docs/report.md).
  std::optional<double> accuracy_floor;
};

struct OutputSettings {
  std::string directory = "runs";  // run folders are created inside it
};

struct GeneratorSettings {
  std::vector<int> cpus;  // cores the load generator's threads are pinned to; empty: default
  int threads = 1;
};

struct ExperimentConfig {
  std::string source;  // the YAML file's path, or "<embedded default>"
  std::string name = "servebench";
  ModelsSection models;
  std::vector<ServerConfig> servers;
  std::vector<Scenario> scenarios;
  MeasurementSettings measurement;
  Slo slo;
  CostSettings cost;
  OutputSettings output;
  GeneratorSettings generator;
  ReportSettings report;
};

// One unit of work: a model variant on a server configuration under a scenario.
struct Cell {
  std::string id;  // "<variant>/<server>/<scenario>": unique, stable across runs (used by --resume)
  ModelVariant variant;
  ServerConfig server;
  Scenario scenario;
};

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_EXPERIMENT_H_
