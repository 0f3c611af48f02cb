// Copyright servebench authors.

#include "servebench/load/load_scenario_record.h"

#include "servebench/load/load_scenario_result.h"

namespace servebench {

using nlohmann::json;

namespace {

template <typename T>
json OrNull(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

}  // namespace

void ScenarioSettingsRecord::Read(JsonReader* in) {
  in->Field("min_duration_s", &min_duration_s);
  in->Field("max_duration_s", &max_duration_s);
  in->Field("min_queries", &min_queries);
  in->Field("seed", &seed);
  in->Field("percentile", &percentile);
  in->Field("samples_per_query", &samples_per_query);
  in->Field("target_rate", &target_rate);
  in->Field("total_samples", &total_samples);
  in->Field("samples_per_request", &samples_per_request);
  in->Field("latency_bound_us", &latency_bound_us);
}

void EarlyStoppingRecord::Read(JsonReader* in) {
  in->Field("percentile", &percentile);
  in->Field("queries", &queries);
  in->Field("min_queries", &min_queries);
  in->Field("defined", &defined);
  in->Field("rank", &rank);
  in->Field("discarded", &discarded);
  in->Field("value_us", &value_us);
}

void ScenarioBoundRecord::Read(JsonReader* in) {
  in->Field("latency_us", &latency_us);
  in->Field("percentile", &percentile);
  in->Field("verdict", &verdict);
  in->Field("queries", &queries);
  in->Field("overruns", &overruns);
  in->Field("certain_overruns", &certain_overruns);
  in->Field("min_queries", &min_queries);
}

void ScenarioLagRecord::Read(JsonReader* in) {
  in->Field("schedule_lag_p99_us", &schedule_lag_p99_us);
  in->Field("share", &share);
  in->Field("limit", &limit);
}

void RuleFailureRecord::Read(JsonReader* in) {
  in->Field("rule", &rule);
  in->Field("detail", &detail);
  in->Field("recommendation", &recommendation);
}

ScenarioRecord ScenarioRecord::Of(const LoadResult& r) {
  const LoadScenarioSettings& sc = r.settings.scenario;
  const LoadScenarioOutcome o = SummarizeLoadScenario(r);
  ScenarioRecord rec;
  rec.kind = sc.kind;
  ScenarioSettingsRecord& s = rec.settings;
  s.min_duration_s = sc.min_duration_ns / 1e9;
  s.max_duration_s = sc.max_duration_ns / 1e9;
  s.min_queries = sc.min_queries;
  s.seed = static_cast<int64_t>(sc.seed);
  const bool offline = sc.kind == LoadScenario::kOffline;
  if (!offline) {
    s.percentile = sc.percentile;
    if (sc.latency_bound_ns > 0) s.latency_bound_us = sc.latency_bound_ns / 1e3;
  }
  if (sc.kind == LoadScenario::kMultiStream) s.samples_per_query = sc.samples_per_query;
  if (sc.kind == LoadScenario::kServer) s.target_rate = sc.target_rate;
  if (offline) {
    s.total_samples = sc.total_samples;
    s.samples_per_request = sc.samples_per_request;
  }

  rec.metric_name = o.metric_name;
  if (o.metric_defined) rec.metric_value = o.metric;
  rec.queries = o.queries;
  rec.min_duration_met = o.min_duration_met;
  rec.min_queries_met = o.min_queries_met;
  if (sc.kind == LoadScenario::kSingleStream || sc.kind == LoadScenario::kMultiStream) {
    rec.queries_ok = r.counters.queries_ok;
    rec.queries_failed = r.counters.queries_failed;
  }
  if (!offline) {
    const EarlyStoppingEstimate& e = o.estimate;
    EarlyStoppingRecord es;
    es.percentile = sc.percentile;
    es.queries = e.queries;
    es.min_queries = e.min_queries;
    es.defined = e.defined;
    if (e.defined) {
      es.rank = e.rank;
      es.discarded = e.discarded;
      es.value_us = e.value / 1e3;
    }
    rec.early_stopping = es;
  }
  if (o.bound_judged) {
    ScenarioBoundRecord b;
    b.latency_us = sc.latency_bound_ns / 1e3;
    b.percentile = sc.percentile;
    b.verdict = BoundVerdictName(o.bound.verdict);
    b.queries = o.bound.queries;
    b.overruns = o.bound.overruns;
    b.certain_overruns = o.bound.certain_overruns;
    b.min_queries = o.bound.min_queries;
    rec.bound = b;
  }
  if (sc.kind == LoadScenario::kServer) {
    rec.scheduled_rate = o.scheduled_rate;
    rec.generator_lag = ScenarioLagRecord{o.lag_p99_us, o.lag_share, kScenarioLagShareLimit};
  }
  if (offline) {
    rec.ok_samples = o.ok_samples;
    rec.last_completion_s = r.last_completion_s;
  }
  rec.valid = o.valid;
  for (const ScenarioRuleFailure& f : o.failures) {
    rec.failed_rules.push_back({f.rule, f.detail, f.recommendation});
  }
  rec.summary = LoadScenarioVerdictLine(r);
  return rec;
}

json ScenarioRecord::ToJson() const {
  json settings_json = {{"min_duration_s", settings.min_duration_s},
                        {"max_duration_s", settings.max_duration_s},
                        {"min_queries", settings.min_queries},
                        {"seed", settings.seed}};
  if (settings.samples_per_query) settings_json["samples_per_query"] = *settings.samples_per_query;
  if (settings.percentile) settings_json["percentile"] = *settings.percentile;
  if (settings.target_rate) settings_json["target_rate"] = *settings.target_rate;
  if (settings.total_samples) settings_json["total_samples"] = *settings.total_samples;
  if (settings.samples_per_request) {
    settings_json["samples_per_request"] = *settings.samples_per_request;
  }
  if (kind != LoadScenario::kOffline) {
    settings_json["latency_bound_us"] = OrNull(settings.latency_bound_us);
  }

  json j = {{"name", LoadScenarioName(kind)},
            {"settings", settings_json},
            {"metric", {{"name", metric_name}, {"value", OrNull(metric_value)}}},
            {"queries", queries},
            {"min_duration_met", min_duration_met},
            {"min_queries_met", min_queries_met}};
  if (queries_ok) j["queries_ok"] = *queries_ok;
  if (queries_failed) j["queries_failed"] = *queries_failed;
  if (early_stopping) {
    const EarlyStoppingRecord& e = *early_stopping;
    j["early_stopping"] = {{"percentile", e.percentile},    {"queries", e.queries},
                           {"min_queries", e.min_queries},  {"defined", e.defined},
                           {"rank", OrNull(e.rank)},        {"discarded", OrNull(e.discarded)},
                           {"value_us", OrNull(e.value_us)}};
  }
  if (bound) {
    j["bound"] = {{"latency_us", bound->latency_us},  {"percentile", bound->percentile},
                  {"verdict", bound->verdict},        {"queries", bound->queries},
                  {"overruns", bound->overruns},      {"certain_overruns", bound->certain_overruns},
                  {"min_queries", bound->min_queries}};
  }
  if (scheduled_rate) j["scheduled_rate"] = *scheduled_rate;
  if (generator_lag) {
    j["generator_lag"] = {{"schedule_lag_p99_us", generator_lag->schedule_lag_p99_us},
                          {"share", generator_lag->share},
                          {"limit", generator_lag->limit}};
  }
  if (ok_samples) j["ok_samples"] = *ok_samples;
  if (last_completion_s) j["last_completion_s"] = *last_completion_s;
  j["result"] = valid ? "VALID" : "INVALID";
  json failures = json::array();
  for (const RuleFailureRecord& f : failed_rules) {
    failures.push_back(
        {{"rule", f.rule}, {"detail", f.detail}, {"recommendation", f.recommendation}});
  }
  j["failed_rules"] = failures;
  j["summary"] = summary;
  return j;
}

void ScenarioRecord::Read(JsonReader* in) {
  std::string name;
  in->Field("name", &name);
  if (in->ok() && !ParseLoadScenarioName(name, &kind)) {
    in->Fail("name",
             "expected single-stream, multi-stream, server or offline, got \"" + name + "\"");
  }
  in->Field("settings", &settings);
  std::string result;
  {
    // "metric": {"name", "value"}
    struct Metric {
      std::string name;
      std::optional<double> value;
      void Read(JsonReader* in) {
        in->Field("name", &name);
        in->Field("value", &value);
      }
    } metric;
    in->Field("metric", &metric);
    metric_name = metric.name;
    metric_value = metric.value;
  }
  in->Field("queries", &queries);
  in->Field("min_duration_met", &min_duration_met);
  in->Field("min_queries_met", &min_queries_met);
  in->Field("queries_ok", &queries_ok);
  in->Field("queries_failed", &queries_failed);
  in->Field("early_stopping", &early_stopping);
  in->Field("bound", &bound);
  in->Field("scheduled_rate", &scheduled_rate);
  in->Field("generator_lag", &generator_lag);
  in->Field("ok_samples", &ok_samples);
  in->Field("last_completion_s", &last_completion_s);
  in->Field("result", &result);
  if (in->ok() && result != "VALID" && result != "INVALID") {
    in->Fail("result", "expected \"VALID\" or \"INVALID\", got \"" + result + "\"");
  }
  valid = result == "VALID";
  in->Field("failed_rules", &failed_rules);
  in->Field("summary", &summary);
}

}  // namespace servebench
