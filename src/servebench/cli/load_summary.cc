// Copyright servebench authors.

#include "servebench/cli/load_summary.h"

#include <cstdio>
#include <string>

#include "servebench/load/load_scenario_result.h"

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

std::string Seconds(double s) { return Printf("%.2f s", s); }

// The scenario's lines: its settings, its metric, the figures behind it and its minimums.
std::string FormatScenario(const LoadResult& r) {
  const LoadScenarioSettings& sc = r.settings.scenario;
  const LoadScenarioOutcome o = SummarizeLoadScenario(r);
  std::string out;
  std::string what;
  switch (sc.kind) {
    case LoadScenario::kNone:
      return out;
    case LoadScenario::kSingleStream:
      what = "one query of one sample at a time";
      break;
    case LoadScenario::kMultiStream:
      what = Printf("queries of %d samples sent together", sc.samples_per_query);
      break;
    case LoadScenario::kServer:
      what = Printf("Poisson arrivals at %.1f queries/s, seed %llu", sc.target_rate,
                    static_cast<unsigned long long>(sc.seed));
      break;
    case LoadScenario::kOffline:
      what = Count(sc.total_samples) + " samples at the start, " +
             std::to_string(sc.samples_per_request) + " per request";
      break;
  }
  out += "  Scenario    " + std::string(LoadScenarioName(sc.kind)) + ": " + what + "\n";
  const double run_s = sc.kind == LoadScenario::kOffline ? r.last_completion_s : r.window_s;
  out += "  Minimums    duration " + Seconds(run_s) + (o.min_duration_met ? " >= " : " < ") +
         Seconds(sc.min_duration_ns / 1e9) + (o.min_duration_met ? " (met)" : " (NOT met)") +
         ", queries " + Count(o.queries) + (o.min_queries_met ? " >= " : " < ") +
         Count(sc.min_queries) + (o.min_queries_met ? " (met)" : " (NOT met)") + "; max " +
         Seconds(sc.max_duration_ns / 1e9) + "\n";

  const EarlyStoppingEstimate& e = o.estimate;
  const std::string pct = Printf("p%g", sc.percentile);
  auto estimate_text = [&]() -> std::string {
    if (!e.defined) {
      return "undefined: " + Count(e.queries) + " successful queries, " + Count(e.min_queries) +
             " needed at " + pct;
    }
    return FormatMicros(e.value / 1e3) + " (early-stopping estimate: rank " + Count(e.rank) +
           " of " + Count(e.queries) + ", " + Count(e.discarded) + " highest discarded)";
  };
  switch (sc.kind) {
    case LoadScenario::kNone:
      break;
    case LoadScenario::kSingleStream:
    case LoadScenario::kMultiStream: {
      out += "  Metric      " + pct +
             (sc.kind == LoadScenario::kSingleStream ? " latency " : " query latency ") +
             estimate_text() + "\n";
      const LatencySummary q = SummarizeMicros(r.query_latency);
      out += "  Queries     " + Count(r.counters.queries) + " in the window, " +
             Count(r.counters.queries_ok) + " ok, " + Count(r.counters.queries_failed) +
             " with a failed request";
      if (q.count > 0) {
        out += "; query latency p50 " + FormatMicros(q.p50) + ", p90 " + FormatMicros(q.p90) +
               ", p99 " + FormatMicros(q.p99) + ", max " + FormatMicros(q.max);
      }
      out += "\n";
      break;
    }
    case LoadScenario::kServer:
      out += Printf("  Metric      target rate %.1f queries/s (scheduled %.1f/s in the window)\n",
                    sc.target_rate, o.scheduled_rate);
      out += "              " + pct + " latency " + estimate_text() + "\n";
      break;
    case LoadScenario::kOffline:
      if (o.metric_defined) {
        out += Printf("  Metric      %.1f samples/s: ", o.metric) + Count(o.ok_samples) +
               " successful samples in " + Seconds(r.last_completion_s) +
               " from the start to the last completion\n";
      } else {
        out += "  Metric      undefined: no request completed\n";
      }
      break;
  }
  if (o.bound_judged) {
    out += "  Bound       " + pct + " <= " + FormatMicros(sc.latency_bound_ns / 1e3) + ": " +
           BoundVerdictName(o.bound.verdict) + " (" + Count(o.bound.overruns) + " of " +
           Count(o.bound.queries) + " over the bound; " + Count(o.bound.min_queries) +
           " queries needed to pass with that many)\n";
  }
  if (sc.kind == LoadScenario::kServer) {
    out += Printf("  Lag         schedule lag p99 %s = %.1f%% of the %s latency (limit %.0f%%)",
                  FormatMicros(o.lag_p99_us).c_str(), o.lag_share * 100, pct.c_str(),
                  kScenarioLagShareLimit * 100);
    if (r.queued_fraction() > kScenarioQueuedShareLimit) {
      out += "; not the generator's: " + Percent(r.queued_fraction()) +
             " of requests waited for a connection";
    }
    out += "\n";
  }
  // MLPerf's way: the verdict, then each rule that failed and what to change.
  out += std::string("  Result      ") + (o.valid ? "VALID" : "INVALID") + "\n";
  for (const ScenarioRuleFailure& f : o.failures) {
    out += "    " + f.rule + ": " + f.detail + "\n      recommendation: " + f.recommendation + "\n";
  }
  return out;
}

}  // namespace

std::string FormatMicros(double us) {
  if (us < 1000) return Printf(us < 100 ? "%.1f us" : "%.0f us", us);
  if (us < 1e6) return Printf(us < 1e5 ? "%.2f ms" : "%.1f ms", us / 1e3);
  return Printf("%.2f s", us / 1e6);
}

std::string FormatLoadSummary(const LoadResult& r) {
  const LoadSettings& s = r.settings;
  const bool open = s.mode == LoopMode::kOpen;
  const bool queries = s.scenario.kind == LoadScenario::kSingleStream ||
                       s.scenario.kind == LoadScenario::kMultiStream;
  const LoadCounters& c = r.counters;
  std::string out;

  // What ran.
  std::string loop;
  if (s.scenario.kind == LoadScenario::kOffline) {
    loop = "open loop, every request intended at the start";
  } else if (open) {
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
  out += Printf("  window %.2f s after %.2f s of warm-up%s\n", r.window_s, s.warmup_ns / 1e9,
                r.interrupted ? " (interrupted: the window ended early)" : "");
  out += FormatScenario(r);
  out += "\n";

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
    } else if (queries) {
      out += "  Latency     per request, from its query's issue | from its own send\n";
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
      if (open || queries) out += Printf("   %12s", FormatMicros(svc.*row.field).c_str());
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
