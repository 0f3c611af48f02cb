// Copyright servebench authors.

#include "servebench/bench/config.h"

#include <pwd.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <utility>

#include "servebench/core/duration.h"
#include "servebench/core/early_stopping.h"
#include "servebench/core/file.h"
#include "servebench/yaml/yaml_fields.h"

namespace servebench {

// Defined by the file cmake/embed_text.cmake generates from configs/default.yaml.
extern const char kDefaultConfigYaml[];

namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Sections.

class Parser {
 public:
  explicit Parser(std::string base_directory) : base_directory_(std::move(base_directory)) {}

  void Parse(const YAML::Node& root, ExperimentConfig* config) {
    const Fields top(root, "",
                     {"name", "models", "servers", "scenarios", "measurement", "slo", "cost",
                      "output", "generator", "report"},
                     "a map of sections (models, servers, scenarios, ...)");
    IfPresent(top, "name",
              [&](const YAML::Node& n, const std::string& p) { config->name = ReadName(n, p); });
    const Field& models = top.Require("models", "a map with 'variants'");
    config->models = ReadModels(models.value, models.path);
    const Field& servers = top.Require("servers", "a list of servers");
    config->servers = ReadServers(servers.value, servers.path);
    const Field& scenarios = top.Require("scenarios", "a list of scenarios");
    config->scenarios = ReadScenarios(scenarios.value, scenarios.path);
    IfPresent(top, "measurement", [&](const YAML::Node& n, const std::string& p) {
      config->measurement = ReadMeasurement(n, p);
    });
    IfPresent(top, "slo", [&](const YAML::Node& n, const std::string& p) {
      config->slo = ReadSloSettings(n, p, config->models);
    });
    IfPresent(top, "cost",
              [&](const YAML::Node& n, const std::string& p) { config->cost = ReadCost(n, p); });
    IfPresent(top, "output", [&](const YAML::Node& n, const std::string& p) {
      config->output = ReadOutput(n, p);
    });
    IfPresent(top, "generator", [&](const YAML::Node& n, const std::string& p) {
      config->generator = ReadGenerator(n, p);
    });
    IfPresent(top, "report", [&](const YAML::Node& n, const std::string& p) {
      config->report = ReadReport(n, p);
    });
  }

 private:
  ModelsSection ReadModels(const YAML::Node& node, const std::string& path) {
    const Fields fields(node, path, {"repository", "variants"});
    ModelsSection models;
    IfPresent(fields, "repository", [&](const YAML::Node& n, const std::string& p) {
      models.repository = ResolvePath(ReadNonEmptyString(n, p), base_directory_);
    });
    const std::string repository =
        models.repository.empty() ? DefaultModelRepository() : models.repository;
    const Field& variants = fields.Require("variants", "a list of model names");
    if (!variants.value.IsSequence())
      FailType(variants.value, variants.path, "a list of model names");
    if (variants.value.size() == 0)
      Fail(variants.value, variants.path, "expected at least one variant");
    NameSet names("variant");
    for (size_t i = 0; i < variants.value.size(); ++i) {
      const YAML::Node& item = variants.value[i];
      const std::string item_path = Element(variants.path, i);
      ModelVariant variant = ReadVariant(item, item_path, repository);
      variant.config_line = item.Mark().line + 1;
      names.Add(variant.name, item, item_path);
      models.variants.push_back(std::move(variant));
    }
    return models;
  }

  // A variant is its name, or {name, repository} to take it from another repository.
  ModelVariant ReadVariant(const YAML::Node& node, const std::string& path,
                           const std::string& repository) {
    ModelVariant variant;
    variant.repository = repository;
    if (node.IsScalar()) {
      variant.name = ReadName(node, path);
      return variant;
    }
    if (!node.IsMap()) FailType(node, path, "a model name or a map with 'name'");
    const Fields fields(node, path, {"name", "repository"});
    const Field& name = fields.Require("name", "the model's folder in the repository");
    variant.name = ReadName(name.value, name.path);
    IfPresent(fields, "repository", [&](const YAML::Node& n, const std::string& p) {
      variant.repository = ResolvePath(ReadNonEmptyString(n, p), base_directory_);
    });
    return variant;
  }

  // A server is `name`, `kind`, and the keys its kind's ServingSystem takes; the kind reads
  // those itself.
  std::vector<ServerConfig> ReadServers(const YAML::Node& node, const std::string& path) {
    if (!node.IsSequence()) FailType(node, path, "a list of servers");
    if (node.size() == 0) Fail(node, path, "expected at least one server");
    std::vector<KindKeys> kinds;
    for (const std::string& kind : ServingSystemKinds()) {
      kinds.push_back({kind, FindServingSystem(kind)->keys()});
    }
    std::vector<ServerConfig> servers;
    NameSet names("server");
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string item_path = Element(path, i);
      const Fields fields(node[i], item_path, AllKeys({"name", "kind"}, kinds),
                          "a map describing a server");
      servers.push_back(ReadServer(fields, kinds));
      servers.back().config_line = node[i].Mark().line + 1;
      const Field* name = fields.Find("name");
      names.Add(servers.back().name, name ? name->value : node[i], name ? name->path : item_path);
    }
    return servers;
  }

  ServerConfig ReadServer(const Fields& fields, const std::vector<KindKeys>& kinds) {
    ServerConfig server;
    server.kind = ReadKind(fields, {"name", "kind"}, kinds, "server").kind;
    server.name = server.kind;
    IfPresent(fields, "name",
              [&](const YAML::Node& n, const std::string& p) { server.name = ReadName(n, p); });
    IfPresent(fields, "cpus",
              [&](const YAML::Node& n, const std::string& p) { server.cpus = ReadCpuSet(n, p); });
    server.settings = FindServingSystem(server.kind)->ReadSettings(fields, base_directory_);
    return server;
  }

  static const std::vector<KindKeys>& ScenarioKinds() {
    static const std::vector<KindKeys> kinds = {
        {"cold_start", {"repeats"}},
        {"concurrency_sweep",
         {"levels", "saturate", "max_concurrency", "tolerance", "max_levels", "repeats",
          "generators"}},
        {"rate_sweep",
         {"rates", "arrival", "saturate", "start_rate", "growth", "tolerance", "max_levels",
          "repeats", "generators"}},
        {"accuracy", {"batch"}},
        {"single_stream", MlperfKeys({})},
        {"multi_stream", MlperfKeys({"samples_per_query"})},
        {"server", MlperfKeys({"target_rate", "seed"})},
        {"offline",
         {"total_samples", "samples_per_request", "min_duration", "max_duration", "min_queries",
          "repeats"}},
    };
    return kinds;
  }

  // The keys of an MLPerf scenario with a latency percentile, and `own` besides.
  static std::vector<std::string> MlperfKeys(std::vector<std::string> own) {
    for (const char* key : {"min_duration", "max_duration", "min_queries", "percentile",
                            "latency_bound", "repeats"}) {
      own.push_back(key);
    }
    return own;
  }

  std::vector<Scenario> ReadScenarios(const YAML::Node& node, const std::string& path) {
    if (!node.IsSequence()) FailType(node, path, "a list of scenarios");
    if (node.size() == 0) Fail(node, path, "expected at least one scenario");
    std::vector<Scenario> scenarios;
    NameSet names("scenario");
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string item_path = Element(path, i);
      const Fields fields(node[i], item_path, AllKeys({"name", "kind"}, ScenarioKinds()),
                          "a map describing a scenario");
      scenarios.push_back(ReadScenario(fields));
      const Field* name = fields.Find("name");
      names.Add(scenarios.back().name, name ? name->value : node[i], name ? name->path : item_path);
    }
    return scenarios;
  }

  Scenario ReadScenario(const Fields& fields) {
    Scenario scenario;
    const std::string kind = ReadKind(fields, {"name", "kind"}, ScenarioKinds(), "scenario").kind;
    scenario.name = kind;
    IfPresent(fields, "name",
              [&](const YAML::Node& n, const std::string& p) { scenario.name = ReadName(n, p); });
    if (kind == "cold_start") scenario.repeats = 3;
    IfPresent(fields, "repeats", [&](const YAML::Node& n, const std::string& p) {
      scenario.repeats = ReadInt(n, p, 1, 1000);
    });
    if (kind == "cold_start") {
      scenario.kind = ScenarioKind::kColdStart;
    } else if (kind == "concurrency_sweep") {
      scenario.kind = ScenarioKind::kConcurrencySweep;
      ReadConcurrencySweep(fields, &scenario);
    } else if (kind == "single_stream" || kind == "multi_stream" || kind == "server" ||
               kind == "offline") {
      scenario.kind = ScenarioKind::kMlperf;
      ReadMlperf(fields, kind, &scenario);
    } else if (kind == "accuracy") {
      scenario.kind = ScenarioKind::kAccuracy;
      IfPresent(fields, "batch", [&](const YAML::Node& n, const std::string& p) {
        scenario.batch = ReadInt(n, p, 1);
      });
    } else {
      scenario.kind = ScenarioKind::kRateSweep;
      ReadRateSweep(fields, &scenario);
    }
    IfPresent(fields, "generators", [&](const YAML::Node& n, const std::string& p) {
      scenario.generators = ReadInt(n, p, 1, 64);
      for (int level : scenario.concurrency) {
        if (level < scenario.generators) {
          Fail(n, p,
               "each concurrency level must be at least the number of generators (" +
                   std::to_string(scenario.generators) + "), and " + std::to_string(level) +
                   " is not");
        }
      }
    });
    return scenario;
  }

  // An MLPerf scenario's settings (load/load_scenario.h), checked as ApplyLoadScenario will.
  static void ReadMlperf(const Fields& fields, const std::string& kind, Scenario* scenario) {
    LoadScenario which = LoadScenario::kSingleStream;
    if (kind == "multi_stream") which = LoadScenario::kMultiStream;
    if (kind == "server") which = LoadScenario::kServer;
    if (kind == "offline") which = LoadScenario::kOffline;
    LoadScenarioSettings& sc = scenario->mlperf;
    sc = DefaultLoadScenarioSettings(which);
    bool min_queries_given = false;
    IfPresent(fields, "min_duration", [&](const YAML::Node& n, const std::string& p) {
      sc.min_duration_ns = ReadDuration(n, p, true);
    });
    IfPresent(fields, "max_duration", [&](const YAML::Node& n, const std::string& p) {
      sc.max_duration_ns = ReadDuration(n, p, false);
    });
    IfPresent(fields, "percentile", [&](const YAML::Node& n, const std::string& p) {
      sc.percentile = ReadNumberIn(n, p, Range{0, true, 100, true});
      scenario->percentile_given = true;
    });
    IfPresent(fields, "min_queries", [&](const YAML::Node& n, const std::string& p) {
      sc.min_queries = ReadInteger(n, p, 0, std::numeric_limits<int64_t>::max());
      min_queries_given = true;
    });
    if (scenario->percentile_given && !min_queries_given) {
      // The default minimum follows the percentile: the fewest queries for the estimate.
      EarlyStoppingSettings es;
      es.percentile = sc.percentile;
      sc.min_queries = MinQueriesForEarlyStopping(1, es);
    }
    IfPresent(fields, "latency_bound", [&](const YAML::Node& n, const std::string& p) {
      sc.latency_bound_ns = ReadDuration(n, p, false);
    });
    IfPresent(fields, "seed", [&](const YAML::Node& n, const std::string& p) {
      sc.seed = static_cast<uint64_t>(ReadInteger(n, p, 0, std::numeric_limits<int64_t>::max()));
    });
    IfPresent(fields, "samples_per_query", [&](const YAML::Node& n, const std::string& p) {
      sc.samples_per_query = ReadInt(n, p, 1, 1024);
    });
    if (which == LoadScenario::kServer) {
      const Field& rate = fields.Require("target_rate", "the queries per second to offer");
      sc.target_rate = ReadNumberIn(rate.value, rate.path, Range{0, true, 1e8, false});
      scenario->bound_from_slo = sc.latency_bound_ns == 0;
    }
    if (which == LoadScenario::kOffline) {
      const Field& total =
          fields.Require("total_samples", "the samples to send at the start, e.g. 10000");
      sc.total_samples = ReadInteger(total.value, total.path, 1, int64_t{1} << 40);
      IfPresent(fields, "samples_per_request", [&](const YAML::Node& n, const std::string& p) {
        sc.samples_per_request = ReadInt(n, p, 1, 4096);
      });
    }
    std::string error;
    if (!ValidateLoadScenarioSettings(sc, &error)) Fail(fields.node(), fields.path(), error);
  }

  // `saturate` and the keys of the search it turns on (the others are rejected without it).
  static void ReadSearch(const Fields& fields, const std::vector<std::string>& search_keys,
                         const std::string& listed_key, Scenario* scenario) {
    IfPresent(fields, "saturate", [&](const YAML::Node& n, const std::string& p) {
      scenario->saturate = ReadBool(n, p);
    });
    if (!scenario->saturate) {
      RejectKeys(fields, search_keys, "applies only with saturate: true");
      return;
    }
    if (const Field* listed = fields.Find(listed_key)) {
      Fail(listed->key, fields.path(),
           Quote(listed_key) + " and 'saturate: true' exclude each other");
    }
    IfPresent(fields, "tolerance", [&](const YAML::Node& n, const std::string& p) {
      scenario->tolerance = ReadNumberIn(n, p, Range{0, true, 1, true});
    });
    IfPresent(fields, "max_levels", [&](const YAML::Node& n, const std::string& p) {
      scenario->max_levels = ReadInt(n, p, 1, 100);
    });
  }

  // Explicit levels, or a search of the best concurrency for the SLO; not both.
  void ReadConcurrencySweep(const Fields& fields, Scenario* scenario) {
    ReadSearch(fields, {"max_concurrency", "tolerance", "max_levels"}, "levels", scenario);
    if (scenario->saturate) {
      IfPresent(fields, "max_concurrency", [&](const YAML::Node& n, const std::string& p) {
        scenario->max_concurrency = ReadInt(n, p, 1, 100000);
      });
      return;
    }
    const Field& levels = fields.Require(
        "levels", "a list of concurrency levels, e.g. [1, 4, 16], or saturate: true");
    scenario->concurrency = ReadIntList(levels.value, levels.path, 1);
    if (scenario->concurrency.empty())
      Fail(levels.value, levels.path, "expected at least one level");
  }

  // Explicit rates, or the SLO search (docs/metrics.md); not both.
  void ReadRateSweep(const Fields& fields, Scenario* scenario) {
    IfPresent(fields, "arrival", [&](const YAML::Node& n, const std::string& p) {
      const std::string name = ReadNonEmptyString(n, p);
      if (!ParseRateArrival(name, &scenario->arrival)) {
        Fail(n, p, "expected 'poisson' or 'constant', got " + Quote(name));
      }
    });
    ReadSearch(fields, {"start_rate", "growth", "tolerance", "max_levels"}, "rates", scenario);
    const Range positive{0, true};
    if (!scenario->saturate) {
      const Field& rates = fields.Require("rates", "a list of request rates, or saturate: true");
      scenario->rates = ReadNumberList(rates.value, rates.path, positive);
      if (scenario->rates.empty()) Fail(rates.value, rates.path, "expected at least one rate");
      return;
    }
    IfPresent(fields, "start_rate", [&](const YAML::Node& n, const std::string& p) {
      scenario->start_rate = ReadNumberIn(n, p, positive);
    });
    IfPresent(fields, "growth", [&](const YAML::Node& n, const std::string& p) {
      scenario->growth = ReadNumberIn(n, p, Range{1, true});
    });
  }

  static MeasurementSettings ReadMeasurement(const YAML::Node& node, const std::string& path) {
    const Fields fields(
        node, path,
        {"warmup", "window", "stability_tolerance", "min_duration", "min_requests", "max_duration",
         "request_timeout", "ready_timeout", "stop_grace", "sample_period"});
    MeasurementSettings m;
    const auto duration = [&](const std::string& key, bool allow_zero, int64_t* out) {
      IfPresent(fields, key, [&](const YAML::Node& n, const std::string& p) {
        *out = ReadDuration(n, p, allow_zero);
      });
    };
    duration("warmup", true, &m.warmup_ns);
    duration("window", false, &m.window_ns);
    duration("min_duration", true, &m.min_duration_ns);
    duration("max_duration", false, &m.max_duration_ns);
    duration("request_timeout", false, &m.request_timeout_ns);
    duration("ready_timeout", false, &m.ready_timeout_ns);
    duration("stop_grace", true, &m.stop_grace_ns);
    duration("sample_period", false, &m.sample_period_ns);
    IfPresent(fields, "stability_tolerance", [&](const YAML::Node& n, const std::string& p) {
      m.stability_tolerance = ReadNumberIn(n, p, Range{0, true, 1, true});
    });
    IfPresent(fields, "min_requests", [&](const YAML::Node& n, const std::string& p) {
      m.min_requests = ReadInteger(n, p, 0, std::numeric_limits<int64_t>::max());
    });
    CheckDurationOrder(fields, m);
    return m;
  }

  // The maximum must leave room for the minimum and for at least one window.
  static void CheckDurationOrder(const Fields& fields, const MeasurementSettings& m) {
    const int64_t floor = std::max(m.min_duration_ns, m.window_ns);
    if (m.max_duration_ns >= floor) return;
    const Field* at = fields.Find("max_duration");
    if (at == nullptr)
      at = fields.Find(m.min_duration_ns >= m.window_ns ? "min_duration" : "window");
    if (at == nullptr) at = &fields.fields().front();
    Fail(at->value, at->path,
         "max_duration (" + FormatDuration(m.max_duration_ns) +
             ") must be at least min_duration and window (" + FormatDuration(floor) + ")");
  }

  // The slo section: the global SLO, and overrides per model family and per variant.
  static SloSettings ReadSloSettings(const YAML::Node& node, const std::string& path,
                                     const ModelsSection& models) {
    const Fields fields(node, path, AllSloKeys({"families", "variants"}));
    SloSettings settings;
    settings.global = ReadSlo(fields);
    IfPresent(fields, "families", [&](const YAML::Node& n, const std::string& p) {
      settings.families = ReadSloMap(n, p, nullptr);
    });
    IfPresent(fields, "variants", [&](const YAML::Node& n, const std::string& p) {
      std::vector<std::string> names;
      for (const ModelVariant& v : models.variants) names.push_back(v.name);
      settings.variants = ReadSloMap(n, p, &names);
    });
    return settings;
  }

  static std::vector<std::string> AllSloKeys(std::vector<std::string> more) {
    std::vector<std::string> keys = {"percentile", "bound", "constraints", "request_bound"};
    keys.insert(keys.end(), more.begin(), more.end());
    return keys;
  }

  // {name: SLO, ...}; with `known`, every name must be one of them.
  static std::map<std::string, Slo> ReadSloMap(const YAML::Node& node, const std::string& path,
                                               const std::vector<std::string>* known) {
    if (!node.IsMap()) FailType(node, path, "a map of names to SLOs");
    std::map<std::string, Slo> slos;
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) {
        Fail(entry.first, path, "expected a name, got " + Describe(entry.first));
      }
      const std::string name = entry.first.Scalar();
      const std::string item_path = path + "." + name;
      if (known != nullptr && !Contains(*known, name)) {
        const std::string suggestion = DidYouMean(name, *known);
        Fail(entry.first, path,
             "no model variant " + Quote(name) +
                 (suggestion.empty() ? " (variants: " + Join(*known, ", ") + ")"
                                     : " (did you mean " + Quote(suggestion) + "?)"));
      }
      if (slos.count(name)) Fail(entry.first, path, "duplicate name " + Quote(name));
      slos[name] = ReadSlo(Fields(entry.second, item_path, AllSloKeys({}), "an SLO"));
    }
    return slos;
  }

  // One SLO: `percentile` and `bound` (one constraint), or `constraints` (a list of them), and
  // the goodput's `request_bound`.
  static Slo ReadSlo(const Fields& fields) {
    Slo slo;
    const Field* list = fields.Find("constraints");
    if (list != nullptr) {
      for (const char* single : {"percentile", "bound"}) {
        if (const Field* f = fields.Find(single)) {
          Fail(f->key, fields.path(),
               "give either 'percentile' and 'bound' (one constraint) or 'constraints', not both");
        }
      }
      if (!list->value.IsSequence() || list->value.size() == 0) {
        FailType(list->value, list->path, "a list of {percentile, bound} constraints");
      }
      if (list->value.size() > kMaxSloConstraints) {
        Fail(list->value, list->path,
             "at most " + std::to_string(kMaxSloConstraints) + " constraints");
      }
      slo.constraints.clear();
      for (size_t i = 0; i < list->value.size(); ++i) {
        const std::string item_path = Element(list->path, i);
        const Fields item(list->value[i], item_path, {"percentile", "bound"},
                          "a constraint {percentile, bound}");
        SloConstraint c;
        const Field& p = item.Require("percentile", "a number in (0, 100)");
        c.percentile = ReadNumberIn(p.value, p.path, Range{0, true, 100, true});
        const Field& b = item.Require("bound", "a duration");
        c.bound_ns = ReadDuration(b.value, b.path, false);
        for (const SloConstraint& earlier : slo.constraints) {
          if (earlier.percentile == c.percentile) {
            Fail(p.value, p.path, "percentile " + FormatNumber(c.percentile) + " appears twice");
          }
        }
        slo.constraints.push_back(c);
      }
    } else {
      SloConstraint& c = slo.constraints.front();
      IfPresent(fields, "percentile", [&](const YAML::Node& n, const std::string& p) {
        c.percentile = ReadNumberIn(n, p, Range{0, true, 100, true});
      });
      IfPresent(fields, "bound", [&](const YAML::Node& n, const std::string& p) {
        c.bound_ns = ReadDuration(n, p, false);
      });
    }
    IfPresent(fields, "request_bound", [&](const YAML::Node& n, const std::string& p) {
      slo.request_bound_ns = ReadDuration(n, p, false);
    });
    return slo;
  }

  static CostSettings ReadCost(const YAML::Node& node, const std::string& path) {
    const Fields fields(node, path, {"hourly_price", "hourly_price_per_core", "currency"});
    CostSettings cost;
    const Range non_negative{0, false};
    IfPresent(fields, "hourly_price", [&](const YAML::Node& n, const std::string& p) {
      cost.hourly_price = ReadNumberIn(n, p, non_negative);
    });
    IfPresent(fields, "hourly_price_per_core", [&](const YAML::Node& n, const std::string& p) {
      cost.hourly_price_per_core = ReadNumberIn(n, p, non_negative);
      if (cost.hourly_price > 0 && cost.hourly_price_per_core > 0) {
        Fail(n, p, "set hourly_price or hourly_price_per_core, not both");
      }
    });
    IfPresent(fields, "currency", [&](const YAML::Node& n, const std::string& p) {
      cost.currency = ReadNonEmptyString(n, p);
    });
    return cost;
  }

  static OutputSettings ReadOutput(const YAML::Node& node, const std::string& path) {
    const Fields fields(node, path, {"directory"});
    OutputSettings output;
    IfPresent(fields, "directory", [&](const YAML::Node& n, const std::string& p) {
      output.directory = ReadNonEmptyString(n, p);
    });
    return output;
  }

  static ReportSettings ReadReport(const YAML::Node& node, const std::string& path) {
    const Fields fields(node, path, {"accuracy_floor"});
    ReportSettings report;
    IfPresent(fields, "accuracy_floor", [&](const YAML::Node& n, const std::string& p) {
      report.accuracy_floor = ReadNumberIn(n, p, Range{0, false, 1, false});
    });
    return report;
  }

  static GeneratorSettings ReadGenerator(const YAML::Node& node, const std::string& path) {
    const Fields fields(node, path, {"cpus", "threads"});
    GeneratorSettings generator;
    IfPresent(fields, "cpus", [&](const YAML::Node& n, const std::string& p) {
      generator.cpus = ReadCpuSet(n, p);
    });
    IfPresent(fields, "threads", [&](const YAML::Node& n, const std::string& p) {
      generator.threads = ReadInt(n, p, 1);
    });
    return generator;
  }

  std::string base_directory_;
};

// ---------------------------------------------------------------------------------------------
// The environment.

// A version folder is all digits, as in Triton's repository layout.
bool HasVersionWithModel(const fs::path& model_dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(model_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() ||
        !std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c); }))
      continue;
    if (fs::is_regular_file(entry.path() / "model.pt", ec)) return true;
  }
  return false;
}

// "<config file>:<line>" of an entry, so that an environment problem names the line to fix.
std::string ConfigPlace(const ExperimentConfig& config, int line) {
  return line > 0 ? config.source + ":" + std::to_string(line) : config.source;
}

void CheckVariant(const ExperimentConfig& config, const ModelVariant& variant,
                  std::vector<std::string>* problems) {
  std::error_code ec;
  // The default zoo is prepared by the runner before the first cell; until then there is nothing
  // to check.
  if (config.models.repository.empty() && !fs::exists(variant.repository, ec)) return;
  const std::string prefix =
      ConfigPlace(config, variant.config_line) + ": model " + Quote(variant.name) + ": ";
  const fs::path dir = fs::path(variant.repository) / variant.name;
  if (!fs::is_directory(dir, ec)) {
    problems->push_back(prefix + "no folder " + dir.string() + " in the repository");
    return;
  }
  if (!fs::is_regular_file(dir / "config.pbtxt", ec)) {
    problems->push_back(prefix + "missing " + (dir / "config.pbtxt").string());
  }
  if (!HasVersionWithModel(dir)) {
    problems->push_back(prefix + "missing " + (dir / "<version>" / "model.pt").string() +
                        " (no numeric version folder holds model.pt)");
  }
}

void CheckServer(const ExperimentConfig& config, const ServerConfig& server,
                 const SystemContext& context, std::vector<std::string>* problems) {
  const std::string prefix = ConfigPlace(config, server.config_line) + ": server " +
                             Quote(server.name) + " (" + server.kind + "): ";
  std::string error;
  if (!FindServingSystem(server.kind)->Available(server, context, &error)) {
    problems->push_back(prefix + "cannot run here: " + error);
  }
  const long cpu_count = sysconf(_SC_NPROCESSORS_CONF);
  for (int cpu : server.cpus) {
    if (cpu_count > 0 && cpu >= cpu_count) {
      problems->push_back(prefix + "CPU " + std::to_string(cpu) +
                          " does not exist (this machine has " + std::to_string(cpu_count) + ")");
      break;
    }
  }
}

// Every family slo.families names must be the family of some model in the variants'
// repositories (its card.json's "family"), or one of the model zoo's families (zoo.json's "plan",
// prepared or not): an override that matches no model would silently never apply. The whole
// repository counts, not only the variants selected, so that --quick or a config with fewer
// variants keeps the overrides of the others, though the zoo prepared only what the run uses.
void CheckSloFamilies(const ExperimentConfig& config, std::vector<std::string>* problems) {
  if (config.slo.families.empty()) return;
  std::set<std::string> repositories, families;
  for (const ModelVariant& variant : config.models.variants)
    repositories.insert(variant.repository);
  for (const std::string& repository : repositories) {
    std::string index_text, unread;
    if (ReadWholeFile((fs::path(repository) / "zoo.json").string(), &index_text, &unread)) {
      const nlohmann::json index = nlohmann::json::parse(index_text, nullptr, false);
      if (index.is_object() && index.contains("plan") && index["plan"].is_object()) {
        for (const auto& [family, models] : index["plan"].items()) families.insert(family);
      }
    }
    std::error_code ec;
    for (const auto& model : fs::directory_iterator(repository, ec)) {
      std::string text, ignored;
      if (!ReadWholeFile((model.path() / "card.json").string(), &text, &ignored)) continue;
      const nlohmann::json card = nlohmann::json::parse(text, nullptr, false);
      if (card.is_object() && card.contains("family") && card["family"].is_string()) {
        families.insert(card["family"].get<std::string>());
      }
    }
  }
  for (const auto& [family, slo] : config.slo.families) {
    if (families.count(family)) continue;
    problems->push_back(
        config.source + ": slo.families: no model's card.json in the repository " +
        "names the family " + Quote(family) + " (families: " +
        (families.empty() ? std::string("none") : Join({families.begin(), families.end()}, ", ")) +
        ")");
  }
}

}  // namespace

const std::string& DefaultConfigYaml() {
  static const std::string yaml = kDefaultConfigYaml;
  return yaml;
}

std::string DefaultModelRepository(bool quick) {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const fs::path cache =
      xdg != nullptr && xdg[0] != '\0' ? fs::path(xdg) : fs::path(HomeDirectory()) / ".cache";
  return (cache / "servebench" / (quick ? "models-quick" : "models")).string();
}

bool ParseConfig(const std::string& yaml, const std::string& source,
                 const std::string& base_directory, ExperimentConfig* config, std::string* error) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::ParserException& e) {
    *error = Location(source, e.mark) + ": invalid YAML: " + e.msg;
    return false;
  }
  ExperimentConfig parsed;
  parsed.source = source;
  try {
    Parser(base_directory).Parse(root, &parsed);
  } catch (const ConfigError& e) {
    *error = FormatError(source, e);
    return false;
  } catch (const YAML::Exception& e) {
    *error = Location(source, e.mark) + ": " + e.msg;
    return false;
  }
  *config = std::move(parsed);
  return true;
}

bool LoadConfigFile(const std::string& path, ExperimentConfig* config, std::string* error) {
  std::string text;
  if (!ReadWholeFile(path, &text, error)) return false;
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec);
  const std::string base = (ec ? fs::path(path) : absolute).parent_path().string();
  return ParseConfig(text, path, base, config, error);
}

bool ValidateEnvironment(const ExperimentConfig& config, const std::string& servebench_binary_dir,
                         const std::string& source_dir, std::string* error) {
  std::vector<std::string> problems;
  for (const ModelVariant& variant : config.models.variants)
    CheckVariant(config, variant, &problems);
  const SystemContext context{servebench_binary_dir, source_dir};
  for (const ServerConfig& server : config.servers) CheckServer(config, server, context, &problems);
  CheckSloFamilies(config, &problems);
  if (problems.empty()) return true;
  *error = Join(problems, "\n");
  return false;
}

}  // namespace servebench
