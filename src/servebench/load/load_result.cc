// Copyright servebench authors.

#include "servebench/load/load_result.h"

#include "servebench/load/load_scenario_result.h"

namespace servebench {

void ErrorCounts::Add(const ErrorCounts& o) {
  connect += o.connect;
  timeout += o.timeout;
  http_status += o.http_status;
  protocol += o.protocol;
  validation += o.validation;
}

void LoadCounters::Add(const LoadCounters& o) {
  scheduled += o.scheduled;
  sent += o.sent;
  completed += o.completed;
  ok += o.ok;
  errors.Add(o.errors);
  ok_in_window += o.ok_in_window;
  late += o.late;
  queued += o.queued;
  reconnects += o.reconnects;
  connect_failures += o.connect_failures;
  stale_retries += o.stale_retries;
  for (size_t i = 0; i < status_codes.size(); ++i) status_codes[i] += o.status_codes[i];
  queries += o.queries;
  queries_ok += o.queries_ok;
  queries_failed += o.queries_failed;
  send_spin_paused_ns += o.send_spin_paused_ns;
}

LatencySummary SummarizeMicros(const Histogram& h) {
  auto us = [](double ns) { return ns / 1000.0; };
  LatencySummary s;
  s.count = h.count();
  if (s.count == 0) return s;
  s.p50 = us(h.ValueAtPercentile(50));
  s.p90 = us(h.ValueAtPercentile(90));
  s.p95 = us(h.ValueAtPercentile(95));
  s.p99 = us(h.ValueAtPercentile(99));
  s.p999 = us(h.ValueAtPercentile(99.9));
  s.p9999 = us(h.ValueAtPercentile(99.99));
  s.max = us(h.max());
  s.mean = us(h.mean());
  s.stddev = us(h.stddev());
  return s;
}

nlohmann::json ToJson(const LatencySummary& s) {
  return {{"p50", s.p50},       {"p90", s.p90},     {"p95", s.p95}, {"p99", s.p99},
          {"p999", s.p999},     {"p9999", s.p9999}, {"max", s.max}, {"mean", s.mean},
          {"stddev", s.stddev}, {"count", s.count}};
}

double LoadResult::throughput_rps() const {
  return window_s > 0 ? counters.ok_in_window / window_s : 0;
}

double LoadResult::late_fraction() const {
  return counters.sent > 0 ? static_cast<double>(counters.late) / counters.sent : 0;
}

double LoadResult::queued_fraction() const {
  return counters.sent > 0 ? static_cast<double>(counters.queued) / counters.sent : 0;
}

nlohmann::json LoadResult::ToJson() const {
  using nlohmann::json;
  const bool open = settings.mode == LoopMode::kOpen;
  json j;
  j["mode"] = LoopModeName(settings.mode);
  j["arrival"] = open ? json(ArrivalName(settings.arrival)) : json(nullptr);
  j["target_rate"] =
      open && settings.arrival != Arrival::kTrace ? json(settings.rate) : json(nullptr);
  j["concurrency"] = open ? json(nullptr) : json(settings.concurrency);
  j["connections"] = settings.connections;
  j["threads"] = settings.threads;
  j["duration_s"] = window_s;
  j["warmup_s"] = settings.warmup_ns / 1e9;
  j["timeout_s"] = settings.timeout_ns / 1e9;
  j["interrupted"] = interrupted;
  if (!windows.empty()) {
    json list = json::array();
    for (const WindowStats& w : windows) {
      list.push_back({{"seconds", w.seconds},
                      {"ok", w.ok},
                      {"throughput_rps", w.throughput_rps},
                      {"mean_latency_us", w.mean_latency_us}});
    }
    j["windows"] = list;
  }

  const LoadCounters& c = counters;
  json requests = {{"sent", c.sent}, {"completed", c.completed}, {"ok", c.ok}};
  if (open) requests["scheduled"] = c.scheduled;
  requests["errors"] = {{"connect", c.errors.connect},
                        {"timeout", c.errors.timeout},
                        {"http_status", c.errors.http_status},
                        {"protocol", c.errors.protocol},
                        {"validation", c.errors.validation}};
  if (!first_validation_error.empty()) requests["first_validation_error"] = first_validation_error;
  json codes = json::object();
  for (size_t code = 0; code < c.status_codes.size(); ++code) {
    if (c.status_codes[code] != 0) {
      codes[code == 0 ? "other" : std::to_string(code)] = c.status_codes[code];
    }
  }
  requests["status_codes"] = codes;
  j["requests"] = requests;

  j["throughput_rps"] = throughput_rps();
  j["latency_us"] = servebench::ToJson(SummarizeMicros(latency));
  j["service_time_us"] = servebench::ToJson(SummarizeMicros(service_time));

  LatencySummary lag = SummarizeMicros(schedule_lag);
  json generator = {
      {"late_fraction", late_fraction()},   {"late_threshold_us", settings.late_threshold_ns / 1e3},
      {"behind", generator_behind()},       {"cpu_seconds", cpu_seconds},
      {"cpu_utilization", cpu_utilization}, {"wall_seconds", wall_seconds},
      {"reconnects", c.reconnects},         {"connect_failures", c.connect_failures},
      {"stale_retries", c.stale_retries}};
  if (open) {
    generator["queued_fraction"] = queued_fraction();
    generator["schedule_lag_us"] = {{"p50", lag.p50}, {"p99", lag.p99}, {"max", lag.max}};
    generator["send_spin_us"] = settings.send_spin_ns / 1e3;
    generator["send_spin_paused_fraction"] =
        wall_seconds > 0 && settings.send_spin_ns > 0
            ? c.send_spin_paused_ns / (wall_seconds * 1e9 * settings.threads)
            : 0.0;
  } else {
    generator["schedule_lag_us"] = nullptr;
  }
  j["generator"] = generator;
  j["histogram"] = latency.ToJson();

  const LoadScenario scenario = settings.scenario.kind;
  if (scenario == LoadScenario::kOffline) {  // every request intended at the start: no arrivals
    j["arrival"] = nullptr;
    j["target_rate"] = nullptr;
  }
  if (scenario == LoadScenario::kSingleStream || scenario == LoadScenario::kMultiStream) {
    j["query_latency_us"] = servebench::ToJson(SummarizeMicros(query_latency));
    j["query_histogram"] = query_latency.ToJson();
  }
  if (scenario != LoadScenario::kNone) j["scenario"] = LoadScenarioJson(*this);
  return j;
}

}  // namespace servebench
