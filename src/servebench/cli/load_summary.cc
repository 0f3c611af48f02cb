// Copyright servebench authors.

#include "servebench/cli/load_summary.h"

#include <cstdio>
#include <string>

#include "servebench/load/grpc_status.h"

namespace servebench {
namespace {

std::string Printf(const char* format, auto... args) {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, format, args...);
  return buffer;
}

std::string Count(int64_t n) {  // 1234567 -> "1,234,567"
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string Percent(double fraction) { return Printf("%.2f%%", fraction * 100); }

}  // namespace

std::string FormatMicros(double us) {
  if (us < 1000) return Printf(us < 100 ? "%.1f us" : "%.0f us", us);
  if (us < 1e6) return Printf(us < 1e5 ? "%.2f ms" : "%.1f ms", us / 1e3);
  return Printf("%.2f s", us / 1e6);
}

std::string FormatLoadSummary(const LoadResult& r) {
  const LoadSettings& s = r.settings;
  const bool open = s.mode == LoopMode::kOpen;
  const LoadCounters& c = r.counters;
  std::string out;

  // What ran.
  std::string loop;
  if (open) {
    loop = s.arrival == Arrival::kTrace
               ? "open loop, trace replay"
               : Printf("open loop, %s arrivals at %.1f req/s", ArrivalName(s.arrival), s.rate);
  } else {
    loop = Printf("closed loop, concurrency %d", s.concurrency);
  }
  out += Printf("servebench load %s %s\n", s.method.c_str(), s.url.target.c_str());
  out += Printf("  %s:%u, %s, %d connection%s on %d thread%s\n", s.url.host.c_str(), s.url.port,
                loop.c_str(), s.connections, s.connections == 1 ? "" : "s", s.threads,
                s.threads == 1 ? "" : "s");
  if (s.response_check) out += "  checking    " + s.response_check->Describe() + "\n";
  out += Printf("  window %.2f s after %.2f s of warm-up%s\n\n", r.window_s, s.warmup_ns / 1e9,
                r.interrupted ? " (interrupted: the window ended early)" : "");

  // Requests and throughput.
  out += "  Requests    " + Count(c.sent) + " sent, " + Count(c.completed) + " completed, " +
         Count(c.ok) + " ok";
  if (open) out += " (of " + Count(c.scheduled) + " scheduled)";
  out += "\n";
  const ErrorCounts& e = c.errors;
  if (e.total() == 0) {
    out += "  Errors      none\n";
  } else {
    out += "  Errors      " + Count(e.total()) + ": connect " + Count(e.connect) + ", timeout " +
           Count(e.timeout) + ", http status " + Count(e.http_status) + ", protocol " +
           Count(e.protocol) + ", validation " + Count(e.validation) + "\n";
    std::string codes;
    for (size_t code = 300; code < c.status_codes.size(); ++code) {
      if (c.status_codes[code] > 0) {
        codes +=
            (codes.empty() ? "" : ", ") + std::to_string(code) + " x" + Count(c.status_codes[code]);
      }
    }
    if (!codes.empty()) out += "              statuses: " + codes + "\n";
    std::string grpc_codes;
    for (int code = 1; code < kGrpcStatusCount; ++code) {
      if (c.grpc_status_codes[code] > 0) {
        if (!grpc_codes.empty()) grpc_codes += ", ";
        grpc_codes += std::string(GrpcStatusName(code)) + " x" + Count(c.grpc_status_codes[code]);
      }
    }
    if (!grpc_codes.empty()) out += "              gRPC statuses: " + grpc_codes + "\n";
    if (!r.first_validation_error.empty()) {
      out += "              first validation error: " + r.first_validation_error + "\n";
    }
  }
  out += Printf("  Throughput  %.1f successful req/s over the window\n\n", r.throughput_rps());

  // Percentile table.
  const LatencySummary lat = SummarizeMicros(r.latency);
  const LatencySummary svc = SummarizeMicros(r.service_time);
  if (lat.count == 0) {
    out += "  Latency     no successful request in the window\n";
  } else {
    if (open) {
      out +=
          "  Latency     from intended send time (corrected) | from actual send (service time)\n";
    } else {
      out += "  Latency     from send to complete response (closed loop: hides queueing)\n";
    }
    const struct {
      const char* name;
      double LatencySummary::*field;
    } rows[] = {{"p50", &LatencySummary::p50},      {"p90", &LatencySummary::p90},
                {"p95", &LatencySummary::p95},      {"p99", &LatencySummary::p99},
                {"p99.9", &LatencySummary::p999},   {"p99.99", &LatencySummary::p9999},
                {"max", &LatencySummary::max},      {"mean", &LatencySummary::mean},
                {"stddev", &LatencySummary::stddev}};
    for (const auto& row : rows) {
      out += Printf("    %-8s %12s", row.name, FormatMicros(lat.*row.field).c_str());
      if (open) out += Printf("   %12s", FormatMicros(svc.*row.field).c_str());
      out += "\n";
    }
    out += Printf("    (%s successful requests)\n", Count(lat.count).c_str());
  }
  out += "\n";

  // The generator's own health.
  out += Printf("  Generator   CPU %.2f s (%.0f%% of %d thread%s)", r.cpu_seconds,
                r.cpu_utilization * 100, s.threads, s.threads == 1 ? "" : "s");
  if (open) {
    const LatencySummary lag = SummarizeMicros(r.schedule_lag);
    out += ", late sends " + Percent(r.late_fraction()) + ", schedule lag p50 " +
           FormatMicros(lag.p50) + " p99 " + FormatMicros(lag.p99) + " max " +
           FormatMicros(lag.max);
  }
  out += "\n";
  if (r.generator_behind()) {
    out += "  WARNING     the generator could not keep up: " + Percent(r.late_fraction()) +
           " of requests went out more than " + FormatMicros(s.late_threshold_ns / 1e3) +
           " after they could have. Latencies include that delay; use more --threads, fewer "
           "connections per thread, or a lower rate.\n";
  }
  if (open && r.queued_fraction() > 0.01) {
    out += "  NOTE        " + Percent(r.queued_fraction()) +
           " of requests found every connection busy at their intended time and waited for "
           "one: the server could not keep up with the offered rate, or --connections is too "
           "low. The wait counts in their latency.\n";
  }
  if (c.connect_failures > 0) {
    out += "  NOTE        " + Count(c.connect_failures) +
           " attempts to re-open a connection failed during the run.\n";
  }
  return out;
}

}  // namespace servebench
