// Copyright servebench authors.
//
// Reads a server's Prometheus text endpoint before and after a window and turns the difference
// of Triton's counters (nv_inference_*) into the server's own view of a request: time queued and
// time computing, beside the client-side latency. Triton and servebench-torchscript export the
// same names.

#ifndef SERVEBENCH_LIFECYCLE_PROMETHEUS_H_
#define SERVEBENCH_LIFECYCLE_PROMETHEUS_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "servebench/records/server_side_record.h"

namespace servebench {

// Metric samples keyed by "name{label="value",...}" exactly as exposed (labels sorted).
using MetricSamples = std::map<std::string, double>;

// Parses Prometheus text exposition format. Comment and type lines are skipped; a malformed
// sample line is an error naming its line number.
bool ParsePrometheusText(const std::string& text, MetricSamples* out, std::string* error);

// GETs `url` and parses it.
bool ScrapePrometheus(const std::string& url, int64_t timeout_ns, MetricSamples* out,
                      std::string* error);

// The split of a level between two scrapes, from Triton's nv_inference_* counters: the deltas of
// nv_inference_request_success (requests), nv_inference_count (inferences) and
// nv_inference_exec_count (executions), and the queue, compute and request durations
// (nv_inference_queue_duration_us, _compute_infer_duration_us, _request_duration_us) per request.

// The split for `model` (summed over its versions) between two scrapes; absent when the
// counters are missing or no request succeeded in between.
std::optional<ServerSideRecord> SplitBetween(const MetricSamples& before,
                                             const MetricSamples& after, const std::string& model);

}  // namespace servebench

#endif  // SERVEBENCH_LIFECYCLE_PROMETHEUS_H_
