// Copyright servebench authors.
//
// What one load run measured, merged over its threads. Its stable JSON form is LoadRecord
// (load_record.h), which also holds the JSON reading of the small structs below.

#ifndef SERVEBENCH_LOAD_LOAD_RESULT_H_
#define SERVEBENCH_LOAD_LOAD_RESULT_H_

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "servebench/core/histogram.h"
#include "servebench/load/load_settings.h"

namespace servebench {

class JsonReader;

struct ErrorCounts {
  int64_t connect = 0;      // no connection for the request, or it was lost before the response
  int64_t timeout = 0;      // no complete response within the timeout
  int64_t http_status = 0;  // a complete response whose status was not 2xx
  int64_t protocol = 0;     // a response that is not valid HTTP/1.1
  int64_t validation = 0;   // a 2xx response that the response check rejected (LoadSettings)

  int64_t total() const { return connect + timeout + http_status + protocol + validation; }
  void Add(const ErrorCounts& o);
  void Read(JsonReader* in);  // load_record.cc
};

// Percentiles and moments of a nanosecond histogram, in microseconds.
struct LatencySummary {
  double p50 = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0, p9999 = 0, max = 0, mean = 0, stddev = 0;
  int64_t count = 0;

  void Read(JsonReader* in);  // load_record.cc
};
LatencySummary SummarizeMicros(const Histogram& nanos);
nlohmann::json ToJson(const LatencySummary& s);  // load_record.cc

// Counters one worker thread keeps; merged after the run. Only requests that belong to the
// measurement window are counted (see docs/metrics.md), except where a name says otherwise.
struct LoadCounters {
  int64_t scheduled = 0;  // open loop: intended send times inside the window
  int64_t sent = 0;       // requests written to a connection
  int64_t completed = 0;  // complete HTTP responses received (any status)
  int64_t ok = 0;         // 2xx responses (that passed the response check, when there is one)
  ErrorCounts errors;
  int64_t ok_in_window = 0;  // ok responses whose completion fell inside the window (any request)
  int64_t late = 0;          // sends the generator itself made late (late_threshold)
  int64_t queued = 0;        // open loop: requests that found no free connection at their time
  int64_t reconnects = 0;    // attempts to re-open a connection during the run (any request)
  int64_t connect_failures = 0;  // of those, attempts that failed
  int64_t stale_retries = 0;     // requests re-sent once because a kept-alive connection had closed
  std::array<int64_t, 600> status_codes{};  // by HTTP status; index 0 counts codes outside 1..599

  void Add(const LoadCounters& o);
};

// One window of the measurement, tallied by completion time as the run goes (for stopping
// rules; the result's histograms cover the whole measured span).
struct WindowStats {
  int index = 0;
  double seconds = 0;          // the window's length
  int64_t ok = 0;              // 2xx responses completed in the window
  double throughput_rps = 0;   // ok / seconds
  double mean_latency_us = 0;  // mean latency of those responses
  // With LoadSettings::window_bounds_ns, for observers only (not in the JSON form): of those
  // responses, the ones to requests of the measured span (as in the latency histogram), and how
  // many of those had a latency above each bound.
  int64_t measured_ok = 0;
  std::vector<int64_t> over_bound;

  void Read(JsonReader* in);  // load_record.cc; index is the caller's
};

struct LoadResult {
  LoadSettings settings;
  double window_s = 0;       // measured window: from the end of warm-up to the end (or interrupt)
  bool interrupted = false;  // stopped early by the user
  std::vector<WindowStats> windows;  // the windows of the measured span, when windowed
  LoadCounters counters;
  Histogram latency = Histogram::ForLatency();       // open: completion - intended send
  Histogram service_time = Histogram::ForLatency();  // completion - actual send
  Histogram schedule_lag = Histogram::ForLatency();  // open: actual send - intended send
  double cpu_seconds = 0;      // generator process user + system CPU over the run
  double wall_seconds = 0;     // the run's elapsed time: connect, warm-up, window and drain
  double cpu_utilization = 0;  // cpu_seconds / (wall_seconds * threads)
  // What the response check found wrong in the first response it rejected; empty: none.
  std::string first_validation_error;

  double throughput_rps() const;
  double late_fraction() const;
  double queued_fraction() const;
  // True when the generator could not keep up: over 1% of sends were late.
  bool generator_behind() const { return late_fraction() > 0.01; }

  nlohmann::json ToJson() const;  // LoadRecord::Of(*this).ToJson()
};

// The errors of `result` in words, by kind, e.g. "12 timeouts (no complete response within
// 300 ms), 3 protocol errors (bytes that are not a valid HTTP/1.1 response)"; empty when none.
std::string DescribeErrors(const LoadResult& result);

}  // namespace servebench

#endif  // SERVEBENCH_LOAD_LOAD_RESULT_H_
