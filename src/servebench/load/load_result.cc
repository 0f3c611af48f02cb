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
  for (size_t i = 0; i < grpc_status_codes.size(); ++i) {
    grpc_status_codes[i] += o.grpc_status_codes[i];
  }
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
