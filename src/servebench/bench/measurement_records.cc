// Copyright servebench authors.

#include "servebench/bench/measurement_records.h"

namespace servebench {

namespace {

MeanMax ToRecord(const Extremes& e) { return {e.mean, e.max}; }

}  // namespace

ResourceRecord ToRecord(const ResourceStats& stats) {
  ResourceRecord r;
  r.samples = stats.samples;
  r.period_s = stats.period_s;
  r.cpu_percent = ToRecord(stats.cpu_percent);
  r.rss_bytes = ToRecord(stats.rss_bytes);
  r.pss_bytes = ToRecord(stats.pss_bytes);
  r.threads = ToRecord(stats.threads);
  r.processes_max = stats.processes_max;
  if (stats.gpu) {
    GpuRecord gpu;
    gpu.devices = stats.gpu->devices;
    gpu.utilization_percent = ToRecord(stats.gpu->utilization_percent);
    gpu.memory_used_bytes = ToRecord(stats.gpu->memory_used_bytes);
    gpu.power_watts = ToRecord(stats.gpu->power_watts);
    r.gpu = gpu;
  }
  return r;
}

ServerSideRecord ToRecord(const ServerSideSplit& split) {
  ServerSideRecord r;
  r.requests = split.requests;
  r.inferences = split.inferences;
  r.executions = split.executions;
  r.queue_us_per_request = split.queue_us_per_request;
  r.compute_us_per_request = split.compute_us_per_request;
  r.request_us_per_request = split.request_us_per_request;
  return r;
}

ColdStartTimes ToRecord(const ColdStartSample& sample) {
  ColdStartTimes t;
  t.spawn_to_ready_s = sample.spawn_to_ready_s;
  t.ready_to_first_inference_s = sample.ready_to_first_inference_s;
  t.spawn_to_first_inference_s = sample.spawn_to_first_inference_s;
  t.model_load_s = sample.model_load_s;
  return t;
}

}  // namespace servebench
