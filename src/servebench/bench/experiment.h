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
#include "servebench/load/load_scenario.h"
#include "servebench/load/load_settings.h"
#include "servebench/systems/serving_system.h"

namespace servebench {

struct ModelsSection {
  std::string repository;  // empty: the model zoo's default repository (prepared when missing)
  std::vector<ModelVariant> variants;
};

// kMlperf: one of MLPerf LoadGen's scenarios (load/load_scenario.h), its kind in Scenario::mlperf
// (YAML kinds single_stream, multi_stream, server, offline).
enum class ScenarioKind { kColdStart, kConcurrencySweep, kRateSweep, kAccuracy, kMlperf };

struct Scenario {
  std::string name;  // unique label, e.g. "cold_start", "concurrency", "poisson"
  ScenarioKind kind = ScenarioKind::kConcurrencySweep;
  // Measurements of the cell, each on a fresh server: cold start: fresh processes timed
  // (default 3); sweeps: the whole sweep (default 1), reported with its spread across repeats.
  int repeats = 1;
  std::vector<int> concurrency;         // concurrency sweep: levels (YAML key `levels`)
  std::vector<double> rates;            // rate sweep: explicit levels (req/s); empty with saturate
  Arrival arrival = Arrival::kPoisson;  // rate sweep: Poisson or constant
  // Sweep up to the SLO (docs/metrics.md, "SLO search"): a rate sweep searches the highest rate
  // within the SLO, from `start_rate` (0: the rate of one inference at a time on the idle server)
  // by `growth` then bisecting to `tolerance`; a concurrency sweep the best concurrency for it, in
  // powers of two up to `max_concurrency`, then bisecting. At most `max_levels` levels (probes)
  // either way.
  bool saturate = false;
  double start_rate = 0;
  double growth = 4;
  double tolerance = 0.05;
  int max_levels = 12;
  int max_concurrency = 256;
  int batch = 1;  // accuracy: test samples per request
  // MLPerf scenario: its settings. A Server scenario without a latency bound of its own
  // (bound_from_slo) is judged by the variant's SLO: the constraint at its percentile when the
  // YAML set one (percentile_given), else the constraint with the highest percentile, whose
  // percentile it takes (docs/config.md).
  LoadScenarioSettings mlperf;
  bool bound_from_slo = false;
  bool percentile_given = false;
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

// One latency objective: the `percentile`-th percentile of latency at most `bound_ns`.
struct SloConstraint {
  double percentile = 99;
  int64_t bound_ns = 100 * kNanosPerMilli;
};

// A service-level objective: latency constraints that must all hold (at most kMaxSloConstraints),
// and the per-request bound goodput counts by.
inline constexpr size_t kMaxSloConstraints = 8;
struct Slo {
  std::vector<SloConstraint> constraints = {SloConstraint{}};
  int64_t request_bound_ns = 0;  // 0: the largest bound of the constraints

  int64_t goodput_bound_ns() const;
};

// The experiment's SLOs: one for all, overridden per model family (the model card's "family")
// and per variant.
struct SloSettings {
  Slo global;
  std::map<std::string, Slo> families;
  std::map<std::string, Slo> variants;

  // The variant's own SLO, else its family's, else the global one; `*source` (may be null) says
  // which: "global", "family <name>" or "variant <name>".
  const Slo& For(const std::string& variant, const std::string& family, std::string* source) const;
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
  SloSettings slo;
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
