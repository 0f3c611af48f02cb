// Copyright servebench authors.

#include "servebench/load/load_scenario_result.h"

#include <cmath>
#include <cstdio>

namespace servebench {

namespace {

// 90 -> "p90", 99.9 -> "p99.9".
std::string PercentileName(double percentile) {
  char text[32];
  std::snprintf(text, sizeof text, "p%g", percentile);
  return text;
}

nlohmann::json OrNull(bool defined, double value) {
  return defined ? nlohmann::json(value) : nlohmann::json(nullptr);
}

}  // namespace

LoadScenarioOutcome SummarizeLoadScenario(const LoadResult& r) {
  const LoadScenarioSettings& sc = r.settings.scenario;
  LoadScenarioOutcome o;
  o.kind = sc.kind;
  const Histogram* latencies = nullptr;  // the histogram the percentile is read from
  switch (sc.kind) {
    case LoadScenario::kNone:
      return o;
    case LoadScenario::kSingleStream:
    case LoadScenario::kMultiStream:
      o.queries = r.counters.queries;
      latencies = &r.query_latency;
      o.metric_name =
          PercentileName(sc.percentile) +
          (sc.kind == LoadScenario::kSingleStream ? "_latency_us" : "_query_latency_us");
      break;
    case LoadScenario::kServer:
      o.queries = r.counters.scheduled;
      latencies = &r.latency;
      o.metric_name = "target_rate";
      o.metric_defined = true;
      o.metric = sc.target_rate;
      o.scheduled_rate = r.window_s > 0 ? r.counters.scheduled / r.window_s : 0;
      break;
    case LoadScenario::kOffline:
      o.queries = r.counters.scheduled;
      o.metric_name = "samples_per_second";
      o.ok_samples = r.counters.ok * sc.samples_per_request;
      o.metric_defined = r.last_completion_s > 0;
      o.metric = o.metric_defined ? o.ok_samples / r.last_completion_s : 0;
      break;
  }
  const double run_s = sc.kind == LoadScenario::kOffline ? r.last_completion_s : r.window_s;
  o.min_duration_met = run_s * 1e9 >= static_cast<double>(sc.min_duration_ns);
  o.min_queries_met = o.queries >= sc.min_queries;
  if (latencies != nullptr) {
    EarlyStoppingSettings es;
    es.percentile = sc.percentile;
    o.estimate = EarlyStoppingPercentile(*latencies, es);
    if (sc.kind != LoadScenario::kServer) {
      o.metric_defined = o.estimate.defined;
      o.metric = o.estimate.defined ? o.estimate.value / 1e3 : 0;
    }
    if (sc.latency_bound_ns > 0) {
      o.bound_judged = true;
      o.bound = JudgeLatencyBound(*latencies, sc.latency_bound_ns, es);
    }
  }
  return o;
}

nlohmann::json LoadScenarioJson(const LoadResult& r) {
  using nlohmann::json;
  const LoadScenarioSettings& sc = r.settings.scenario;
  const LoadScenarioOutcome o = SummarizeLoadScenario(r);
  json settings = {{"min_duration_s", sc.min_duration_ns / 1e9},
                   {"max_duration_s", sc.max_duration_ns / 1e9},
                   {"min_queries", sc.min_queries},
                   {"seed", sc.seed}};
  switch (sc.kind) {
    case LoadScenario::kNone:
      break;
    case LoadScenario::kMultiStream:
      settings["samples_per_query"] = sc.samples_per_query;
      [[fallthrough]];
    case LoadScenario::kSingleStream:
      settings["percentile"] = sc.percentile;
      break;
    case LoadScenario::kServer:
      settings["target_rate"] = sc.target_rate;
      settings["percentile"] = sc.percentile;
      break;
    case LoadScenario::kOffline:
      settings["total_samples"] = sc.total_samples;
      settings["samples_per_request"] = sc.samples_per_request;
      break;
  }
  if (sc.kind != LoadScenario::kOffline) {
    settings["latency_bound_us"] =
        sc.latency_bound_ns > 0 ? json(sc.latency_bound_ns / 1e3) : json(nullptr);
  }

  json j = {{"name", LoadScenarioName(sc.kind)},
            {"settings", settings},
            {"metric", {{"name", o.metric_name}, {"value", OrNull(o.metric_defined, o.metric)}}},
            {"queries", o.queries},
            {"min_duration_met", o.min_duration_met},
            {"min_queries_met", o.min_queries_met}};
  if (sc.kind == LoadScenario::kSingleStream || sc.kind == LoadScenario::kMultiStream) {
    j["queries_ok"] = r.counters.queries_ok;
    j["queries_failed"] = r.counters.queries_failed;
  }
  if (sc.kind != LoadScenario::kOffline) {
    const EarlyStoppingEstimate& e = o.estimate;
    j["early_stopping"] = {{"percentile", sc.percentile},
                           {"queries", e.queries},
                           {"min_queries", e.min_queries},
                           {"defined", e.defined},
                           {"rank", e.defined ? json(e.rank) : json(nullptr)},
                           {"discarded", e.defined ? json(e.discarded) : json(nullptr)},
                           {"value_us", OrNull(e.defined, e.value / 1e3)}};
  }
  if (o.bound_judged) {
    j["bound"] = {{"latency_us", sc.latency_bound_ns / 1e3},
                  {"percentile", sc.percentile},
                  {"verdict", BoundVerdictName(o.bound.verdict)},
                  {"queries", o.bound.queries},
                  {"overruns", o.bound.overruns},
                  {"certain_overruns", o.bound.certain_overruns},
                  {"min_queries", o.bound.min_queries}};
  }
  if (sc.kind == LoadScenario::kServer) j["scheduled_rate"] = o.scheduled_rate;
  if (sc.kind == LoadScenario::kOffline) {
    j["ok_samples"] = o.ok_samples;
    j["last_completion_s"] = r.last_completion_s;
  }
  return j;
}

}  // namespace servebench
