// Copyright servebench authors.

#include "servebench/load/load_record.h"

#include <string>

#include "servebench/core/histogram.h"

namespace servebench {

using nlohmann::json;

namespace {

constexpr int kMaxStatusCode = 599;

// The enum whose name (LoopModeName, ArrivalName) is `name`; false when none is.
template <typename Enum, typename NameOf>
bool EnumNamed(const std::string& name, std::initializer_list<Enum> values, NameOf name_of,
               Enum* out) {
  for (Enum v : values) {
    if (name == name_of(v)) {
      *out = v;
      return true;
    }
  }
  return false;
}

}  // namespace

void ErrorCounts::Read(JsonReader* in) {
  in->Field("connect", &connect);
  in->Field("timeout", &timeout);
  in->Field("http_status", &http_status);
  in->Field("protocol", &protocol);
  in->Field("validation", &validation);
}

json ToJson(const LatencySummary& s) {
  return {{"p50", s.p50},       {"p90", s.p90},     {"p95", s.p95}, {"p99", s.p99},
          {"p999", s.p999},     {"p9999", s.p9999}, {"max", s.max}, {"mean", s.mean},
          {"stddev", s.stddev}, {"count", s.count}};
}

void LatencySummary::Read(JsonReader* in) {
  in->Field("p50", &p50);
  in->Field("p90", &p90);
  in->Field("p95", &p95);
  in->Field("p99", &p99);
  in->Field("p999", &p999);
  in->Field("p9999", &p9999);
  in->Field("max", &max);
  in->Field("mean", &mean);
  in->Field("stddev", &stddev);
  in->Field("count", &count);
}

void WindowStats::Read(JsonReader* in) {
  in->Field("seconds", &seconds);
  in->Field("ok", &ok);
  in->Field("throughput_rps", &throughput_rps);
  in->Field("mean_latency_us", &mean_latency_us);
}

json RequestCounts::ToJson() const {
  json j = {{"sent", sent}, {"completed", completed}, {"ok", ok}};
  if (scheduled) j["scheduled"] = *scheduled;
  j["errors"] = {{"connect", errors.connect},
                 {"timeout", errors.timeout},
                 {"http_status", errors.http_status},
                 {"protocol", errors.protocol},
                 {"validation", errors.validation}};
  if (first_validation_error) j["first_validation_error"] = *first_validation_error;
  json codes = json::object();
  for (const auto& [code, count] : status_codes) {
    codes[code == 0 ? "other" : std::to_string(code)] = count;
  }
  j["status_codes"] = codes;
  return j;
}

void RequestCounts::Read(JsonReader* in) {
  in->Field("sent", &sent);
  in->Field("completed", &completed);
  in->Field("ok", &ok);
  in->Field("scheduled", &scheduled);
  in->Field("errors", &errors);
  in->Field("first_validation_error", &first_validation_error);
  std::map<std::string, int64_t> codes;
  in->Field("status_codes", &codes);
  status_codes.clear();
  for (const auto& [name, count] : codes) {
    if (name == "other") {
      status_codes[0] = count;
      continue;
    }
    size_t used = 0;
    int code = 0;
    try {
      code = std::stoi(name, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != name.size() || code < 1 || code > kMaxStatusCode) {
      in->Fail("status_codes", "\"" + name + "\" is neither an HTTP status nor \"other\"");
      return;
    }
    status_codes[code] = count;
  }
}

void GeneratorRecord::Lag::Read(JsonReader* in) {
  in->Field("p50", &p50);
  in->Field("p99", &p99);
  in->Field("max", &max);
}

json GeneratorRecord::ToJson() const {
  json j = {{"late_fraction", late_fraction},
            {"late_threshold_us", late_threshold_us},
            {"behind", behind},
            {"cpu_seconds", cpu_seconds},
            {"cpu_utilization", cpu_utilization},
            {"wall_seconds", wall_seconds},
            {"reconnects", reconnects},
            {"connect_failures", connect_failures},
            {"stale_retries", stale_retries}};
  if (queued_fraction) j["queued_fraction"] = *queued_fraction;
  j["schedule_lag_us"] = schedule_lag_us ? json{{"p50", schedule_lag_us->p50},
                                                {"p99", schedule_lag_us->p99},
                                                {"max", schedule_lag_us->max}}
                                         : json(nullptr);
  if (send_spin_us) j["send_spin_us"] = *send_spin_us;
  if (send_spin_paused_fraction) j["send_spin_paused_fraction"] = *send_spin_paused_fraction;
  return j;
}

void GeneratorRecord::Read(JsonReader* in) {
  in->Field("late_fraction", &late_fraction);
  in->Field("late_threshold_us", &late_threshold_us);
  in->Field("behind", &behind);
  in->Field("cpu_seconds", &cpu_seconds);
  in->Field("cpu_utilization", &cpu_utilization);
  in->Field("wall_seconds", &wall_seconds);
  in->Field("reconnects", &reconnects);
  in->Field("connect_failures", &connect_failures);
  in->Field("stale_retries", &stale_retries);
  in->Field("queued_fraction", &queued_fraction);
  in->Field("schedule_lag_us", &schedule_lag_us);
  in->Field("send_spin_us", &send_spin_us);
  in->Field("send_spin_paused_fraction", &send_spin_paused_fraction);
}

LoadRecord LoadRecord::Of(const LoadResult& r) {
  const LoadSettings& s = r.settings;
  const bool open = s.mode == LoopMode::kOpen;
  LoadRecord record;
  record.mode = s.mode;
  if (open) {
    record.arrival = s.arrival;
    if (s.arrival != Arrival::kTrace) record.target_rate = s.rate;
  } else {
    record.concurrency = s.concurrency;
  }
  record.connections = s.connections;
  record.threads = s.threads;
  record.duration_s = r.window_s;
  record.warmup_s = s.warmup_ns / 1e9;
  record.timeout_s = s.timeout_ns / 1e9;
  record.interrupted = r.interrupted;
  record.windows = r.windows;

  const LoadCounters& c = r.counters;
  record.requests.sent = c.sent;
  record.requests.completed = c.completed;
  record.requests.ok = c.ok;
  if (open) record.requests.scheduled = c.scheduled;
  record.requests.errors = c.errors;
  if (!r.first_validation_error.empty()) {
    record.requests.first_validation_error = r.first_validation_error;
  }
  for (size_t code = 0; code < c.status_codes.size(); ++code) {
    if (c.status_codes[code] != 0)
      record.requests.status_codes[static_cast<int>(code)] = c.status_codes[code];
  }

  record.throughput_rps = r.throughput_rps();
  record.latency_us = SummarizeMicros(r.latency);
  record.service_time_us = SummarizeMicros(r.service_time);

  GeneratorRecord& g = record.generator;
  g.late_fraction = r.late_fraction();
  g.late_threshold_us = s.late_threshold_ns / 1e3;
  g.behind = r.generator_behind();
  g.cpu_seconds = r.cpu_seconds;
  g.cpu_utilization = r.cpu_utilization;
  g.wall_seconds = r.wall_seconds;
  g.reconnects = c.reconnects;
  g.connect_failures = c.connect_failures;
  g.stale_retries = c.stale_retries;
  if (open) {
    g.queued_fraction = r.queued_fraction();
    const LatencySummary lag = SummarizeMicros(r.schedule_lag);
    g.schedule_lag_us = GeneratorRecord::Lag{lag.p50, lag.p99, lag.max};
    g.send_spin_us = s.send_spin_ns / 1e3;
    g.send_spin_paused_fraction = r.wall_seconds > 0 && s.send_spin_ns > 0
                                      ? c.send_spin_paused_ns / (r.wall_seconds * 1e9 * s.threads)
                                      : 0.0;
  }
  record.histogram = r.latency.ToJson();

  const LoadScenario scenario = s.scenario.kind;
  if (scenario == LoadScenario::kOffline) {  // every request intended at the start: no arrivals
    record.arrival.reset();
    record.target_rate.reset();
  }
  if (scenario == LoadScenario::kSingleStream || scenario == LoadScenario::kMultiStream) {
    record.query_latency_us = SummarizeMicros(r.query_latency);
    record.query_histogram = r.query_latency.ToJson();
  }
  if (scenario != LoadScenario::kNone) record.scenario = ScenarioRecord::Of(r);
  return record;
}

json LoadRecord::ToJson() const {
  json j;
  j["mode"] = LoopModeName(mode);
  j["arrival"] = arrival ? json(ArrivalName(*arrival)) : json(nullptr);
  j["target_rate"] = target_rate ? json(*target_rate) : json(nullptr);
  j["concurrency"] = concurrency ? json(*concurrency) : json(nullptr);
  j["connections"] = connections;
  j["threads"] = threads;
  j["duration_s"] = duration_s;
  j["warmup_s"] = warmup_s;
  j["timeout_s"] = timeout_s;
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
  j["requests"] = requests.ToJson();
  j["throughput_rps"] = throughput_rps;
  j["latency_us"] = servebench::ToJson(latency_us);
  j["service_time_us"] = servebench::ToJson(service_time_us);
  j["generator"] = generator.ToJson();
  j["histogram"] = histogram;
  if (query_latency_us) j["query_latency_us"] = servebench::ToJson(*query_latency_us);
  if (query_histogram) j["query_histogram"] = *query_histogram;
  if (scenario) j["scenario"] = scenario->ToJson();
  return j;
}

void LoadRecord::Read(JsonReader* in) {
  std::string mode_name;
  in->Field("mode", &mode_name);
  if (in->ok() &&
      !EnumNamed(mode_name, {LoopMode::kClosed, LoopMode::kOpen}, LoopModeName, &mode)) {
    in->Fail("mode", "expected \"open\" or \"closed\", got \"" + mode_name + "\"");
  }
  std::optional<std::string> arrival_name;
  in->Field("arrival", &arrival_name);
  arrival.reset();
  if (in->ok() && arrival_name) {
    Arrival a = Arrival::kPoisson;
    if (EnumNamed(*arrival_name, {Arrival::kConstant, Arrival::kPoisson, Arrival::kTrace},
                  ArrivalName, &a)) {
      arrival = a;
    } else {
      in->Fail("arrival", "unknown arrival \"" + *arrival_name + "\"");
    }
  }
  in->Field("target_rate", &target_rate);
  in->Field("concurrency", &concurrency);
  in->Field("connections", &connections);
  in->Field("threads", &threads);
  in->Field("duration_s", &duration_s);
  in->Field("warmup_s", &warmup_s);
  in->Field("timeout_s", &timeout_s);
  in->Field("interrupted", &interrupted);
  std::optional<std::vector<WindowStats>> window_list;
  in->Field("windows", &window_list);
  windows = window_list.value_or(std::vector<WindowStats>());
  for (size_t i = 0; i < windows.size(); ++i) windows[i].index = static_cast<int>(i);
  in->Field("requests", &requests);
  in->Field("throughput_rps", &throughput_rps);
  in->Field("latency_us", &latency_us);
  in->Field("service_time_us", &service_time_us);
  in->Field("generator", &generator);
  in->Field("histogram", &histogram);
  if (in->ok()) {
    Histogram check = Histogram::ForLatency();
    std::string error;
    if (!Histogram::FromJson(histogram, &check, &error)) in->Fail("histogram", error);
  }
  in->Field("query_latency_us", &query_latency_us);
  in->Field("query_histogram", &query_histogram);
  if (in->ok() && query_histogram) {
    Histogram check = Histogram::ForLatency();
    std::string error;
    if (!Histogram::FromJson(*query_histogram, &check, &error)) in->Fail("query_histogram", error);
  }
  in->Field("scenario", &scenario);
}

}  // namespace servebench
