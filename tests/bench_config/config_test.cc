// Copyright servebench authors.

#include "servebench/bench/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "servebench/core/clock.h"

namespace servebench {
namespace {

// A server's kind-specific setting under its YAML key (the kind's settings as JSON).
nlohmann::json Setting(const ServerConfig& server, const std::string& key) {
  return server.settings->ToJson().value(key, nlohmann::json());
}

// The tests run with HOME set, as servebench does (it falls back to the password database).
std::string Home() {
  const char* home = std::getenv("HOME");
  return home != nullptr ? home : "";
}

// The smallest valid experiment, to which each test adds or changes one thing.
constexpr char kMinimal[] = R"(models:
  repository: /srv/models
  variants: [digits-mlp]
servers:
  - kind: torchscript
scenarios:
  - kind: cold_start
)";

ExperimentConfig Parse(const std::string& yaml) {
  ExperimentConfig config;
  std::string error;
  EXPECT_TRUE(ParseConfig(yaml, "bench.yaml", "/srv/bench", &config, &error)) << error;
  return config;
}

std::string ParseError(const std::string& yaml) {
  ExperimentConfig config;
  config.name = "untouched";
  std::string error;
  EXPECT_FALSE(ParseConfig(yaml, "bench.yaml", "/srv/bench", &config, &error)) << yaml;
  EXPECT_EQ(config.name, "untouched");  // nothing half-parsed leaks out
  return error;
}

TEST(ConfigTest, EmbeddedDefaultParses) {
  ExperimentConfig config;
  std::string error;
  ASSERT_TRUE(ParseConfig(DefaultConfigYaml(), "<embedded default>", "", &config, &error)) << error;
  EXPECT_EQ(config.source, "<embedded default>");
  EXPECT_EQ(config.name, "default");
  EXPECT_TRUE(config.models.repository.empty());
  std::vector<std::string> variants;
  for (const ModelVariant& v : config.models.variants) {
    variants.push_back(v.name);
    EXPECT_EQ(v.repository, DefaultModelRepository());
  }
  EXPECT_EQ(variants, (std::vector<std::string>{"digits-mlp", "digits-mlp-int8", "resnet18"}));
  ASSERT_EQ(config.servers.size(), 6u);
  EXPECT_EQ(config.servers[0].name, "torchscript");
  EXPECT_EQ(Setting(config.servers[0], "dynamic_batching"), false);
  EXPECT_EQ(config.servers[1].name, "torchscript-batching");
  EXPECT_EQ(Setting(config.servers[1], "dynamic_batching"), true);
  EXPECT_EQ(Setting(config.servers[1], "max_queue_delay_us"), 500);
  EXPECT_EQ(config.servers[2].kind, "fastapi");
  // The real serving systems, one instance each, with their own defaults.
  EXPECT_EQ(config.servers[3].kind, "triton");
  EXPECT_EQ(config.servers[4].kind, "torchserve");
  EXPECT_EQ(config.servers[5].kind, "mlserver");
  // The load first, then the accuracy pass (on the load's server), then the cold start (with the
  // request the load learned): docs/config.md says why.
  ASSERT_EQ(config.scenarios.size(), 3u);
  EXPECT_EQ(config.scenarios[0].kind, ScenarioKind::kRateSweep);
  EXPECT_TRUE(config.scenarios[0].saturate);
  EXPECT_EQ(config.scenarios[0].max_levels, 8);
  EXPECT_EQ(config.scenarios[0].tolerance, 0.05);
  EXPECT_EQ(config.scenarios[0].start_rate, 0);  // the idle server's rate
  EXPECT_EQ(config.scenarios[0].repeats, 1);
  ASSERT_EQ(config.slo.families.count("resnet18"), 1u);
  EXPECT_EQ(config.slo.families.at("resnet18").constraints[0].percentile, 50);
  EXPECT_EQ(config.scenarios[1].kind, ScenarioKind::kAccuracy);
  EXPECT_EQ(config.scenarios[1].batch, 1);
  EXPECT_EQ(config.scenarios[2].kind, ScenarioKind::kColdStart);
  EXPECT_EQ(config.scenarios[2].repeats, 2);
  EXPECT_EQ(config.measurement.warmup_ns, 300 * kNanosPerMilli);
  EXPECT_EQ(config.measurement.min_duration_ns, 900 * kNanosPerMilli);
  EXPECT_EQ(config.slo.global.constraints[0].bound_ns, 100 * kNanosPerMilli);
  EXPECT_DOUBLE_EQ(config.cost.hourly_price, 0.10);
}

TEST(ConfigTest, MinimalConfigTakesDefaults) {
  const ExperimentConfig config = Parse(kMinimal);
  const ExperimentConfig defaults;
  EXPECT_EQ(config.name, "servebench");
  EXPECT_EQ(config.servers[0].name, "torchscript");  // the kind names it
  EXPECT_EQ(config.scenarios[0].name, "cold_start");
  EXPECT_EQ(config.scenarios[0].repeats, 3);
  EXPECT_EQ(config.measurement.window_ns, defaults.measurement.window_ns);
  EXPECT_EQ(config.measurement.max_duration_ns, defaults.measurement.max_duration_ns);
  EXPECT_DOUBLE_EQ(config.slo.global.constraints[0].percentile, 99);
  EXPECT_EQ(config.output.directory, "runs");
  EXPECT_EQ(config.generator.threads, 1);
}

TEST(ConfigTest, FullConfigRoundTrips) {
  const ExperimentConfig c = Parse(R"(name: full-run
models:
  repository: zoo
  variants:
    - digits-mlp
    - name: digits-cnn
      repository: ~/other
servers:
  - name: ts-batch
    kind: torchscript
    dynamic_batching: true
    max_queue_delay_us: 250
    preferred_batch_sizes: [4, 8]
    max_batch_size: 16
    instances: 2
    intra_op_threads: 3
    cpus: "0-2,5"
    binary: ../bin/servebench-torchscript
  - kind: fastapi
    workers: 4
    cpus: [3, 1, 3]
  - name: remote
    kind: external
    url: http://10.0.0.2:8000/
scenarios:
  - kind: cold_start
    repeats: 5
  - name: closed
    kind: concurrency_sweep
    levels: [1, 8]
  - name: fixed
    kind: rate_sweep
    arrival: constant
    rates: [10, 20.5]
  - name: search
    kind: rate_sweep
    saturate: yes
    start_rate: 40
    growth: 1.5
    max_levels: 4
measurement:
  warmup: 1s
  window: 250ms
  stability_tolerance: 0.05
  min_duration: 2
  min_requests: 500
  max_duration: 1m
  request_timeout: 750ms
  ready_timeout: 30s
  stop_grace: 0
  sample_period: 50ms
slo:
  percentile: 99.9
  bound: 20ms
cost:
  hourly_price_per_core: 0.02
  currency: EUR
output:
  directory: results
generator:
  cpus: 7
  threads: 2
)");
  EXPECT_EQ(c.name, "full-run");
  EXPECT_EQ(c.models.repository, "/srv/bench/zoo");
  ASSERT_EQ(c.models.variants.size(), 2u);
  EXPECT_EQ(c.models.variants[0].repository, "/srv/bench/zoo");
  EXPECT_EQ(c.models.variants[1].name, "digits-cnn");
  EXPECT_EQ(c.models.variants[1].repository, Home() + "/other");

  ASSERT_EQ(c.servers.size(), 3u);
  const ServerConfig& ts = c.servers[0];
  EXPECT_EQ(ts.name, "ts-batch");
  EXPECT_EQ(Setting(ts, "dynamic_batching"), true);
  EXPECT_EQ(Setting(ts, "max_queue_delay_us"), 250);
  EXPECT_EQ(Setting(ts, "preferred_batch_sizes"), (std::vector<int>{4, 8}));
  EXPECT_EQ(Setting(ts, "max_batch_size"), 16);
  EXPECT_EQ(Setting(ts, "instances"), 2);
  EXPECT_EQ(Setting(ts, "intra_op_threads"), 3);
  EXPECT_EQ(ts.cpus, (std::vector<int>{0, 1, 2, 5}));
  EXPECT_EQ(Setting(ts, "binary"), "/srv/bin/servebench-torchscript");
  EXPECT_EQ(c.servers[1].name, "fastapi");
  EXPECT_EQ(Setting(c.servers[1], "workers"), 4);
  EXPECT_EQ(c.servers[1].cpus, (std::vector<int>{1, 3}));
  EXPECT_EQ(Setting(c.servers[2], "url"), "http://10.0.0.2:8000");

  ASSERT_EQ(c.scenarios.size(), 4u);
  EXPECT_EQ(c.scenarios[0].repeats, 5);
  EXPECT_EQ(c.scenarios[1].kind, ScenarioKind::kConcurrencySweep);
  EXPECT_EQ(c.scenarios[1].concurrency, (std::vector<int>{1, 8}));
  EXPECT_EQ(c.scenarios[2].arrival, Arrival::kConstant);
  EXPECT_EQ(c.scenarios[2].rates, (std::vector<double>{10, 20.5}));
  EXPECT_FALSE(c.scenarios[2].saturate);
  EXPECT_TRUE(c.scenarios[3].saturate);
  EXPECT_EQ(c.scenarios[3].arrival, Arrival::kPoisson);
  EXPECT_DOUBLE_EQ(c.scenarios[3].start_rate, 40);
  EXPECT_DOUBLE_EQ(c.scenarios[3].growth, 1.5);
  EXPECT_EQ(c.scenarios[3].max_levels, 4);

  const MeasurementSettings& m = c.measurement;
  EXPECT_EQ(m.warmup_ns, kNanosPerSecond);
  EXPECT_EQ(m.window_ns, 250 * kNanosPerMilli);
  EXPECT_DOUBLE_EQ(m.stability_tolerance, 0.05);
  EXPECT_EQ(m.min_duration_ns, 2 * kNanosPerSecond);
  EXPECT_EQ(m.min_requests, 500);
  EXPECT_EQ(m.max_duration_ns, 60 * kNanosPerSecond);
  EXPECT_EQ(m.request_timeout_ns, 750 * kNanosPerMilli);
  EXPECT_EQ(m.ready_timeout_ns, 30 * kNanosPerSecond);
  EXPECT_EQ(m.stop_grace_ns, 0);
  EXPECT_EQ(m.sample_period_ns, 50 * kNanosPerMilli);
  EXPECT_DOUBLE_EQ(c.slo.global.constraints[0].percentile, 99.9);
  EXPECT_EQ(c.slo.global.constraints[0].bound_ns, 20 * kNanosPerMilli);
  EXPECT_DOUBLE_EQ(c.cost.hourly_price_per_core, 0.02);
  EXPECT_EQ(c.cost.currency, "EUR");
  EXPECT_EQ(c.output.directory, "results");
  EXPECT_EQ(c.generator.cpus, (std::vector<int>{7}));
  EXPECT_EQ(c.generator.threads, 2);
}

TEST(ConfigTest, SloConstraintsAndOverrides) {
  const ExperimentConfig c = Parse(std::string(kMinimal) + R"(slo:
  constraints:
    - {percentile: 50, bound: 20ms}
    - {percentile: 99, bound: 100ms}
  request_bound: 50ms
  families:
    resnet18: {percentile: 90, bound: 1s}
  variants:
    digits-mlp: {bound: 30ms}
)");
  const Slo& global = c.slo.global;
  ASSERT_EQ(global.constraints.size(), 2u);
  EXPECT_EQ(global.constraints[0].percentile, 50);
  EXPECT_EQ(global.constraints[0].bound_ns, 20 * kNanosPerMilli);
  EXPECT_EQ(global.constraints[1].bound_ns, 100 * kNanosPerMilli);
  EXPECT_EQ(global.goodput_bound_ns(), 50 * kNanosPerMilli);
  // Precedence: the variant's own, then its family's, then the global one. An override is a
  // whole SLO: the variant's leaves the percentile at its default, 99.
  std::string source;
  const Slo& own = c.slo.For("digits-mlp", "resnet18", &source);
  EXPECT_EQ(source, "variant digits-mlp");
  EXPECT_EQ(own.constraints[0].percentile, 99);
  EXPECT_EQ(own.constraints[0].bound_ns, 30 * kNanosPerMilli);
  EXPECT_EQ(own.goodput_bound_ns(), 30 * kNanosPerMilli);  // its largest bound
  EXPECT_EQ(c.slo.For("resnet18-int8", "resnet18", &source).constraints[0].percentile, 90);
  EXPECT_EQ(source, "family resnet18");
  EXPECT_EQ(&c.slo.For("other", "", &source), &c.slo.global);
  EXPECT_EQ(source, "global");
}

TEST(ConfigErrorTest, BadSlos) {
  const std::string base = kMinimal;
  EXPECT_EQ(
      ParseError(base + "slo:\n  percentile: 99\n  constraints: [{percentile: 50, bound: 1ms}]\n"),
      "bench.yaml:9:3: slo: give either 'percentile' and 'bound' (one constraint) or "
      "'constraints', not both");
  EXPECT_EQ(ParseError(base + "slo:\n  constraints: [{percentile: 50}]\n"),
            "bench.yaml:9:17: slo.constraints[0]: missing required key 'bound' (a duration)");
  EXPECT_EQ(
      ParseError(
          base +
          "slo:\n  constraints: [{percentile: 50, bound: 1ms}, {percentile: 50, bound: 2ms}]\n"),
      "bench.yaml:9:60: slo.constraints[1].percentile: percentile 50 appears twice");
  EXPECT_EQ(ParseError(base + "slo:\n  variants:\n    digits-mpl: {bound: 1ms}\n"),
            "bench.yaml:10:5: slo.variants: no model variant 'digits-mpl' (did you mean "
            "'digits-mlp'?)");
  EXPECT_EQ(ParseError(base + "slo:\n  families:\n    resnet18: {latency: 1ms}\n"),
            "bench.yaml:10:16: slo.families.resnet18: unknown key 'latency' (known keys: "
            "percentile, bound, constraints, request_bound)");
}

// Searches: a rate sweep's and a concurrency sweep's, and the keys that need saturate: true.
TEST(ConfigTest, SaturatingSweepsAreSearches) {
  const ExperimentConfig c = Parse(R"(models: {repository: /srv/models, variants: [m]}
servers: [{kind: torchscript}]
scenarios:
  - {name: rate, kind: rate_sweep, saturate: true, start_rate: 50, growth: 2, tolerance: 0.02,
     max_levels: 20, repeats: 3}
  - {name: closed, kind: concurrency_sweep, saturate: true, max_concurrency: 32}
  - {name: old, kind: rate_sweep, saturate: true, start_rate: 100, growth: 4, max_levels: 6}
)");
  const Scenario& rate = c.scenarios[0];
  EXPECT_TRUE(rate.saturate);
  EXPECT_EQ(rate.start_rate, 50);
  EXPECT_EQ(rate.growth, 2);
  EXPECT_EQ(rate.tolerance, 0.02);
  EXPECT_EQ(rate.max_levels, 20);
  EXPECT_EQ(rate.repeats, 3);
  const Scenario& closed = c.scenarios[1];
  EXPECT_TRUE(closed.saturate);
  EXPECT_EQ(closed.max_concurrency, 32);
  EXPECT_EQ(closed.tolerance, 0.05);
  EXPECT_TRUE(closed.concurrency.empty());
  EXPECT_EQ(closed.repeats, 1);
  // A config written for the old ladder reads as a search with the same keys.
  EXPECT_EQ(c.scenarios[2].max_levels, 6);
  EXPECT_EQ(ParseError(std::string(kMinimal) +
                       "  - {kind: concurrency_sweep, levels: [1], max_concurrency: 8}\n"),
            "bench.yaml:8:44: scenarios[1]: 'max_concurrency' applies only with saturate: true");
  EXPECT_EQ(ParseError(std::string(kMinimal) +
                       "  - {kind: concurrency_sweep, saturate: true, levels: [1]}\n"),
            "bench.yaml:8:47: scenarios[1]: 'levels' and 'saturate: true' exclude each other");
}

TEST(ConfigErrorTest, UnknownKeySuggestsTheClosest) {
  EXPECT_EQ(ParseError(std::string(kMinimal) + "  - kind: concurrency_sweep\n    levles: [1]\n"),
            "bench.yaml:9:5: scenarios[1]: unknown key 'levles' (did you mean 'levels'?)");
  EXPECT_EQ(ParseError(std::string(kMinimal) + "measurment:\n  window: 1s\n"),
            "bench.yaml:8:1: unknown key 'measurment' (did you mean 'measurement'?)");
}

TEST(ConfigErrorTest, UnknownKeyWithoutACloseOneListsTheKnownKeys) {
  EXPECT_EQ(ParseError(std::string(kMinimal) + "slo:\n  latency: 5ms\n"),
            "bench.yaml:9:3: slo: unknown key 'latency' (known keys: percentile, bound, "
            "constraints, request_bound, families, variants)");
}

TEST(ConfigErrorTest, DuplicateKey) {
  EXPECT_EQ(ParseError(std::string(kMinimal) + "slo:\n  bound: 5ms\n  bound: 6ms\n"),
            "bench.yaml:10:3: slo: duplicate key 'bound'");
}

TEST(ConfigErrorTest, WrongTypes) {
  EXPECT_EQ(ParseError(std::string(kMinimal) + "  - kind: concurrency_sweep\n    levels: many\n"),
            "bench.yaml:9:13: scenarios[1].levels: expected a list of integers, got a string");
  EXPECT_EQ(
      ParseError(std::string(kMinimal) + "  - kind: concurrency_sweep\n    levels: [1, 2.5]\n"),
      "bench.yaml:9:17: scenarios[1].levels[1]: expected an integer, got a number");
  EXPECT_EQ(ParseError(std::string(kMinimal) + "slo:\n  percentile: \"99\"\n"),
            "bench.yaml:9:15: slo.percentile: expected a number, got a string");
  EXPECT_EQ(ParseError(std::string(kMinimal) + "generator:\n  threads: [2]\n"),
            "bench.yaml:9:12: generator.threads: expected an integer, got a list");
  EXPECT_EQ(ParseError("models: [a]\n"), "bench.yaml:1:9: models: expected a map, got a list");
  EXPECT_EQ(ParseError(R"(models:
  variants: [m]
servers:
  - kind: torchscript
    dynamic_batching: 1
scenarios: [{kind: cold_start}]
)"),
            "bench.yaml:5:23: servers[0].dynamic_batching: expected a boolean (true or false), "
            "got an integer");
  EXPECT_EQ(ParseError("- a\n- b\n"),
            "bench.yaml:1:1: expected a map of sections (models, servers, scenarios, ...), got a "
            "list");
}

TEST(ConfigErrorTest, BadDuration) {
  EXPECT_EQ(ParseError(std::string(kMinimal) + "measurement:\n  window: fast\n"),
            "bench.yaml:9:11: measurement.window: duration 'fast' does not start with a number "
            "(expected a duration such as \"500ms\", \"2s\" or a number of seconds)");
  EXPECT_EQ(ParseError(std::string(kMinimal) + "measurement:\n  window: 0ms\n"),
            "bench.yaml:9:11: measurement.window: must be longer than zero");
}

TEST(ConfigErrorTest, OutOfRange) {
  EXPECT_EQ(ParseError(std::string(kMinimal) + "measurement:\n  stability_tolerance: 1.5\n"),
            "bench.yaml:9:24: measurement.stability_tolerance: must be between 0 and 1 "
            "(exclusive), got 1.5");
  EXPECT_EQ(ParseError(std::string(kMinimal) + "slo:\n  percentile: 100\n"),
            "bench.yaml:9:15: slo.percentile: must be between 0 and 100 (exclusive), got 100");
  EXPECT_EQ(ParseError(std::string(kMinimal) + "  - kind: concurrency_sweep\n    levels: [4, 0]\n"),
            "bench.yaml:9:17: scenarios[1].levels[1]: must be at least 1, got 0");
  EXPECT_EQ(ParseError(std::string(kMinimal) +
                       "  - kind: rate_sweep\n    saturate: true\n    growth: 1\n"),
            "bench.yaml:10:13: scenarios[1].growth: must be greater than 1, got 1");
  EXPECT_EQ(ParseError(std::string(kMinimal) + "measurement:\n  min_duration: 30s\n"),
            "bench.yaml:9:17: measurement.min_duration: max_duration (20.0 s) must be at least "
            "min_duration and window (30.0 s)");
  EXPECT_EQ(
      ParseError(std::string(kMinimal) + "measurement:\n  min_duration: 3s\n  max_duration: 2s\n"),
      "bench.yaml:10:17: measurement.max_duration: max_duration (2.00 s) must be at least "
      "min_duration and window (3.00 s)");
}

TEST(ConfigErrorTest, DuplicateNames) {
  EXPECT_EQ(ParseError(std::string(kMinimal) + "  - kind: cold_start\n    repeats: 1\n"),
            "bench.yaml:8:5: scenarios[1]: duplicate scenario name 'cold_start' (first at line 7)");
  EXPECT_EQ(ParseError(R"(models:
  variants: [a, b, a]
servers: [{kind: torchscript}, {name: torchscript, kind: fastapi}]
scenarios: [{kind: cold_start}]
)"),
            "bench.yaml:2:20: models.variants[2]: duplicate variant name 'a' (first at line 2)");
  EXPECT_EQ(ParseError(R"(models: {variants: [a]}
servers: [{kind: torchscript}, {name: torchscript, kind: fastapi}]
scenarios: [{kind: cold_start}]
)"),
            "bench.yaml:2:39: servers[1].name: duplicate server name 'torchscript' (first at line "
            "2)");
}

TEST(ConfigErrorTest, UnknownServerKind) {
  EXPECT_EQ(ParseError(R"(models: {variants: [a]}
servers:
  - kind: torchscrpt
scenarios: [{kind: cold_start}]
)"),
            "bench.yaml:3:11: servers[0].kind: unknown server kind 'torchscrpt' (known kinds: "
            "external, fastapi, mlserver, tfserving, torchscript, torchserve, triton; did you mean "
            "'torchscript'?)");
  EXPECT_EQ(ParseError(R"(models: {variants: [a]}
servers:
  - kind: openvino
scenarios: [{kind: cold_start}]
)"),
            "bench.yaml:3:11: servers[0].kind: unknown server kind 'openvino' (known kinds: "
            "external, fastapi, mlserver, tfserving, torchscript, torchserve, triton)");
}

TEST(ConfigErrorTest, KeysOfAnotherKind) {
  EXPECT_EQ(ParseError(std::string(kMinimal) + "    levels: [1, 2]\n"),
            "bench.yaml:8:5: scenarios[0]: 'levels' does not apply to cold_start scenarios "
            "(only to concurrency_sweep)");
  EXPECT_EQ(ParseError(R"(models: {variants: [a]}
servers:
  - kind: fastapi
    dynamic_batching: true
scenarios: [{kind: cold_start}]
)"),
            "bench.yaml:4:5: servers[0]: 'dynamic_batching' does not apply to fastapi servers "
            "(only to mlserver, tfserving, torchscript, torchserve, triton)");
  EXPECT_EQ(ParseError(R"(models: {variants: [a]}
servers:
  - kind: torchscript
    max_queue_delay_us: 100
scenarios: [{kind: cold_start}]
)"),
            "bench.yaml:4:5: servers[0]: 'max_queue_delay_us' applies only with "
            "dynamic_batching: true");
  EXPECT_EQ(ParseError(std::string(kMinimal) +
                       "  - kind: rate_sweep\n    rates: [5]\n    max_levels: 3\n"),
            "bench.yaml:10:5: scenarios[1]: 'max_levels' applies only with saturate: true");
}

TEST(ConfigErrorTest, MissingAndEmpty) {
  EXPECT_EQ(ParseError("models: {variants: []}\n"),
            "bench.yaml:1:20: models.variants: expected at least one variant");
  EXPECT_EQ(ParseError("models: {variants: [a]}\nscenarios: [{kind: cold_start}]\n"),
            "bench.yaml:1:1: missing required key 'servers' (a list of servers)");
  EXPECT_EQ(ParseError("models: {variants: [a]}\nservers: []\nscenarios: [{kind: cold_start}]\n"),
            "bench.yaml:2:10: servers: expected at least one server");
  EXPECT_EQ(ParseError(std::string(kMinimal) + "  - kind: rate_sweep\n"),
            "bench.yaml:8:5: scenarios[1]: missing required key 'rates' (a list of request "
            "rates, or saturate: true)");
  EXPECT_EQ(ParseError(R"(models: {variants: [a]}
servers:
  - kind: external
scenarios: [{kind: cold_start}]
)"),
            "bench.yaml:3:5: servers[0]: missing required key 'url' (the server's base URL, e.g. "
            "http://127.0.0.1:8000)");
}

TEST(ConfigErrorTest, BadNamesAndValues) {
  EXPECT_EQ(ParseError(R"(models: {variants: [a/b]}
servers: [{kind: torchscript}]
scenarios: [{kind: cold_start}]
)"),
            "bench.yaml:1:21: models.variants[0]: name 'a/b' may contain only letters, digits, "
            "'-', '_' and '.'");
  EXPECT_EQ(ParseError(std::string(kMinimal) +
                       "  - kind: rate_sweep\n    rates: [5]\n    arrival: bursty\n"),
            "bench.yaml:10:14: scenarios[1].arrival: expected 'poisson' or 'constant', got "
            "'bursty'");
  EXPECT_EQ(ParseError(R"(models: {variants: [a]}
servers: [{kind: torchscript, cpus: "0-x"}]
scenarios: [{kind: cold_start}]
)"),
            "bench.yaml:2:37: servers[0].cpus: bad CPU list term '0-x' (expected CPU numbers and "
            "ranges such as \"0-3,6\")");
  EXPECT_EQ(ParseError(std::string(kMinimal) +
                       "cost:\n  hourly_price: 1\n  hourly_price_per_core: 0.1\n"),
            "bench.yaml:10:26: cost.hourly_price_per_core: set hourly_price or "
            "hourly_price_per_core, not both");
}

TEST(ConfigErrorTest, SyntaxErrorHasTheParsersPosition) {
  EXPECT_EQ(ParseError("models:\n  variants: [a, b\nservers: []\n"),
            "bench.yaml:3:8: invalid YAML: end of sequence flow not found");
}

TEST(ConfigErrorTest, EmptyDocument) {
  EXPECT_EQ(ParseError(""), "bench.yaml: missing required key 'models' (a map with 'variants')");
}

TEST(ConfigTest, LoadConfigFileNamesTheFile) {
  ExperimentConfig config;
  std::string error;
  EXPECT_FALSE(LoadConfigFile("/nonexistent/bench.yaml", &config, &error));
  EXPECT_EQ(error, "cannot read '/nonexistent/bench.yaml': No such file or directory");
}

TEST(ConfigTest, DefaultModelRepositoryFollowsXdg) {
  const char* saved = std::getenv("XDG_CACHE_HOME");
  const std::string saved_value = saved ? saved : "";
  setenv("XDG_CACHE_HOME", "/tmp/cache", 1);
  EXPECT_EQ(DefaultModelRepository(), "/tmp/cache/servebench/models");
  EXPECT_EQ(DefaultModelRepository(true), "/tmp/cache/servebench/models-quick");
  unsetenv("XDG_CACHE_HOME");
  EXPECT_EQ(DefaultModelRepository(), Home() + "/.cache/servebench/models");
  if (saved) setenv("XDG_CACHE_HOME", saved_value.c_str(), 1);
}

TEST(ConfigTest, AccuracyScenario) {
  const ExperimentConfig c = Parse(std::string(kMinimal) +
                                   "  - kind: accuracy\n  - name: batched\n    kind: accuracy\n"
                                   "    batch: 16\n");
  ASSERT_EQ(c.scenarios.size(), 3u);
  EXPECT_EQ(c.scenarios[1].kind, ScenarioKind::kAccuracy);
  EXPECT_EQ(c.scenarios[1].name, "accuracy");
  EXPECT_EQ(c.scenarios[1].batch, 1);
  EXPECT_EQ(c.scenarios[2].batch, 16);
  EXPECT_EQ(ParseError(std::string(kMinimal) + "  - kind: accuracy\n    batch: 0\n"),
            "bench.yaml:9:12: scenarios[1].batch: must be at least 1, got 0");
  EXPECT_EQ(ParseError(std::string(kMinimal) + "    batch: 4\n"),
            "bench.yaml:8:5: scenarios[0]: 'batch' does not apply to cold_start scenarios "
            "(only to accuracy)");
}

// MLPerf's scenarios: each kind with its settings and their defaults; keys of another scenario,
// a missing required key and settings the load engine would refuse are named.
TEST(ConfigTest, MlperfScenarios) {
  const ExperimentConfig c =
      Parse(std::string(kMinimal) +
            "  - {kind: single_stream, latency_bound: 20ms}\n"
            "  - {kind: multi_stream, samples_per_query: 4, percentile: 90, min_duration: 1s}\n"
            "  - {kind: server, target_rate: 250, seed: 7, max_duration: 30s}\n"
            "  - {kind: offline, total_samples: 64, samples_per_request: 8, min_queries: 8}\n");
  ASSERT_EQ(c.scenarios.size(), 5u);
  for (size_t i = 1; i < 5; ++i) EXPECT_EQ(c.scenarios[i].kind, ScenarioKind::kMlperf);
  const LoadScenarioSettings& ss = c.scenarios[1].mlperf;
  EXPECT_EQ(c.scenarios[1].name, "single_stream");
  EXPECT_EQ(ss.kind, LoadScenario::kSingleStream);
  EXPECT_EQ(ss.percentile, 90);
  EXPECT_EQ(ss.min_queries, 64);
  EXPECT_EQ(ss.latency_bound_ns, 20 * kNanosPerMilli);
  EXPECT_EQ(ss.min_duration_ns, 10 * kNanosPerSecond);
  EXPECT_FALSE(c.scenarios[1].bound_from_slo);
  const LoadScenarioSettings& ms = c.scenarios[2].mlperf;
  EXPECT_EQ(ms.kind, LoadScenario::kMultiStream);
  EXPECT_EQ(ms.samples_per_query, 4);
  EXPECT_EQ(ms.percentile, 90);
  EXPECT_EQ(ms.min_queries, 64);  // follows the percentile
  EXPECT_TRUE(c.scenarios[2].percentile_given);
  EXPECT_EQ(ms.min_duration_ns, kNanosPerSecond);
  const LoadScenarioSettings& sv = c.scenarios[3].mlperf;
  EXPECT_EQ(sv.kind, LoadScenario::kServer);
  EXPECT_EQ(sv.target_rate, 250);
  EXPECT_EQ(sv.seed, 7u);
  EXPECT_EQ(sv.min_queries, 662);
  EXPECT_EQ(sv.max_duration_ns, 30 * kNanosPerSecond);
  EXPECT_TRUE(c.scenarios[3].bound_from_slo);  // no bound of its own: the SLO's
  const LoadScenarioSettings& off = c.scenarios[4].mlperf;
  EXPECT_EQ(off.kind, LoadScenario::kOffline);
  EXPECT_EQ(off.total_samples, 64);
  EXPECT_EQ(off.samples_per_request, 8);
  EXPECT_EQ(off.min_queries, 8);

  auto error_of = [](const std::string& scenario) {
    return ParseError(std::string(kMinimal) + scenario);
  };
  EXPECT_NE(error_of("  - {kind: single_stream, target_rate: 5}\n")
                .find("'target_rate' does not apply to single_stream scenarios (only to server)"),
            std::string::npos);
  EXPECT_NE(error_of("  - {kind: offline, total_samples: 8, latency_bound: 1s}\n")
                .find("'latency_bound' does not apply to offline scenarios"),
            std::string::npos);
  EXPECT_NE(error_of("  - {kind: server}\n").find("missing required key 'target_rate'"),
            std::string::npos);
  EXPECT_NE(error_of("  - {kind: offline, total_samples: 10, samples_per_request: 3}\n")
                .find("total samples (10) must be a multiple of samples per request (3)"),
            std::string::npos);
  EXPECT_NE(error_of("  - {kind: single_stream, min_duration: 2m}\n")
                .find("min duration exceeds max duration"),
            std::string::npos);
  EXPECT_NE(error_of("  - {kind: multi_stream, percentile: 100}\n").find("scenarios[1].percentile"),
            std::string::npos);
}

}  // namespace
}  // namespace servebench

namespace servebench {
namespace {

TEST(ConfigTest, GeneratorsShareASweep) {
  const ExperimentConfig c = Parse(std::string(kMinimal) +
                                   "  - {kind: concurrency_sweep, levels: [2, 8], generators: 2}\n"
                                   "  - {kind: rate_sweep, rates: [100], generators: 3}\n");
  EXPECT_EQ(c.scenarios[0].generators, 1);
  EXPECT_EQ(c.scenarios[1].generators, 2);
  EXPECT_EQ(c.scenarios[2].generators, 3);
  EXPECT_EQ(ParseError(std::string(kMinimal) +
                       "  - {kind: concurrency_sweep, levels: [1, 4], generators: 2}\n"),
            "bench.yaml:8:59: scenarios[1].generators: each concurrency level must be at least the "
            "number of generators (2), and 1 is not");
  EXPECT_EQ(ParseError(std::string(kMinimal) + "  - {kind: cold_start, generators: 2}\n")
                .rfind("bench.yaml:8:", 0),
            0u);
}

}  // namespace
}  // namespace servebench
