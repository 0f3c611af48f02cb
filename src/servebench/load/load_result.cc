// Copyright servebench authors.

#include "servebench/load/load_result.h"

#include "servebench/load/load_record.h"

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
}

std::string DescribeErrors(const LoadResult& result) {
  const ErrorCounts& e = result.counters.errors;
  std::string out;
  auto add = [&out](int64_t n, const std::string& what) {
    if (n == 0) return;
    if (!out.empty()) out += ", ";
    out += std::to_string(n) + " " + what;
  };
  add(e.timeout, "timeouts (no complete response within " +
                     std::to_string(result.settings.timeout_ns / kNanosPerMilli) + " ms)");
  add(e.connect, "connection errors (refused, or closed or reset before a complete response)");
  std::string statuses;
  for (size_t code = 0; code < result.counters.status_codes.size(); ++code) {
    const int64_t n = result.counters.status_codes[code];
    if (n == 0 || (code >= 200 && code < 300)) continue;
    statuses += (statuses.empty() ? "" : ", ") + std::to_string(n) + " x " +
                (code == 0 ? std::string("other") : std::to_string(code));
  }
  add(e.http_status, "HTTP status errors (" + statuses + ")");
  add(e.protocol, "protocol errors (bytes that are not a valid HTTP/1.1 response)");
  add(e.validation, "validation errors (" +
                        (result.first_validation_error.empty() ? std::string("wrong responses")
                                                               : result.first_validation_error) +
                        ")");
  return out;
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

double LoadResult::throughput_rps() const {
  return window_s > 0 ? counters.ok_in_window / window_s : 0;
}

double LoadResult::late_fraction() const {
  return counters.sent > 0 ? static_cast<double>(counters.late) / counters.sent : 0;
}

double LoadResult::queued_fraction() const {
  return counters.sent > 0 ? static_cast<double>(counters.queued) / counters.sent : 0;
}

nlohmann::json LoadResult::ToJson() const { return LoadRecord::Of(*this).ToJson(); }

}  // namespace servebench
