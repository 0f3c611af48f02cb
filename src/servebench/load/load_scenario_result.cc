// Copyright servebench authors.

#include "servebench/load/load_scenario_result.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "servebench/core/duration.h"

namespace servebench {

namespace {

// 90 -> "p90", 99.9 -> "p99.9".
std::string PercentileName(double percentile) {
  char text[32];
  std::snprintf(text, sizeof text, "p%g", percentile);
  return text;
}

std::string Printf(const char* format, auto... args) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, format, args...);
  return buffer;
}

std::string Nanos(double nanos) {
  return FormatDuration(static_cast<int64_t>(std::llround(nanos)));
}

// Seconds, rounded up to a tenth (past rounding error), for a recommended duration.
std::string SecondsUp(double seconds) {
  return Printf("%.1f s", std::ceil(seconds * 10 - 1e-9) / 10);
}

// The failed rules of `o`, in the order docs/metrics.md lists them.
std::vector<ScenarioRuleFailure> JudgeRules(const LoadResult& r, const LoadScenarioOutcome& o) {
  const LoadScenarioSettings& sc = r.settings.scenario;
  const LoadCounters& c = r.counters;
  const bool server = sc.kind == LoadScenario::kServer;
  const bool offline = sc.kind == LoadScenario::kOffline;
  const std::string pct = PercentileName(sc.percentile);
  std::vector<ScenarioRuleFailure> out;
  auto fail = [&out](const char* rule, std::string detail, std::string recommendation) {
    out.push_back({rule, std::move(detail), std::move(recommendation)});
  };

  if (r.interrupted) {
    fail("interrupted", "the run was interrupted before its end", "let the run finish");
  }
  const int64_t failed = c.errors.total();
  if (failed > 0) {
    const ErrorCounts& e = c.errors;
    std::string detail = std::to_string(failed) + " request" + (failed == 1 ? "" : "s") +
                         " of the window failed (connect " + std::to_string(e.connect) +
                         ", timeout " + std::to_string(e.timeout) + ", http status " +
                         std::to_string(e.http_status) + ", protocol " +
                         std::to_string(e.protocol) + ", validation " +
                         std::to_string(e.validation) + ")";
    std::string recommendation;
    if (e.timeout == failed) {
      recommendation = server    ? "lower the target rate, or raise the timeout"
                       : offline ? "raise the max duration or the timeout, or send fewer samples"
                                 : "raise the timeout";
    } else {
      recommendation = "make the server answer every request (see the errors)";
    }
    fail("errors", detail, recommendation);
  }

  // The rate at which this run issued queries: how long a longer run would take.
  const double run_s = offline ? r.last_completion_s : r.window_s;
  if (!o.min_duration_met) {
    std::string recommendation;
    if (offline && o.metric_defined && o.metric > 0) {
      // Samples that last the minimum duration at the measured rate, in whole requests.
      const double samples = o.metric * (sc.min_duration_ns / 1e9);
      const int64_t requests =
          static_cast<int64_t>(std::ceil(samples / sc.samples_per_request * 1.1));
      recommendation = Printf("send more samples: about %lld at the measured %.1f samples/s",
                              static_cast<long long>(requests * sc.samples_per_request), o.metric);
    } else if (r.interrupted) {
      recommendation = "let the run finish";
    } else {
      recommendation = "raise the max duration above the min duration";
    }
    fail("min_duration",
         Printf("the %s lasted %.2f s, less than the min duration %s",
                offline ? "run (to its last completion)" : "window", run_s,
                FormatDuration(sc.min_duration_ns).c_str()),
         recommendation);
  }
  if (!o.min_queries_met) {
    std::string recommendation;
    if (server) {
      recommendation = "raise the max duration to at least " +
                       SecondsUp(1.1 * sc.min_queries / sc.target_rate) +
                       ", or lower the min queries";
    } else if (o.queries > 0 && run_s > 0) {
      recommendation = "raise the max duration to at least " +
                       SecondsUp(1.1 * run_s * sc.min_queries / o.queries) +
                       Printf(" (%.1f queries/s were issued)", o.queries / run_s);
    } else {
      recommendation = "raise the max duration";
    }
    fail("min_queries",
         std::to_string(o.queries) + " queries, fewer than the min queries " +
             std::to_string(sc.min_queries),
         recommendation);
  }

  const bool estimate_is_metric = sc.kind == LoadScenario::kSingleStream ||
                                  sc.kind == LoadScenario::kMultiStream ||
                                  (server && sc.latency_bound_ns <= 0);
  if (estimate_is_metric && !o.estimate.defined) {
    fail("early_stopping",
         std::to_string(o.estimate.queries) + " successful queries; the early-stopping " +
             "estimate at " + pct + " needs " + std::to_string(o.estimate.min_queries),
         "run at least " + std::to_string(o.estimate.min_queries) +
             " queries (raise the min queries to that, and the max duration to hold them)");
  }

  if (o.bound_judged) {
    const std::string bound = pct + " <= " + FormatDuration(sc.latency_bound_ns);
    const std::string counts = std::to_string(o.bound.overruns) + " of " +
                               std::to_string(o.bound.queries) + " queries over the bound";
    const std::string faster =
        server ? "lower the target rate" : "a faster server or model, or a looser latency bound";
    if (o.bound.verdict == BoundVerdict::kNotMet) {
      fail(
          "latency_bound",
          bound + " is not met: " + counts + "; early stopping shows it exceeded at 99% confidence",
          faster);
    } else if (o.bound.verdict == BoundVerdict::kUndecided) {
      fail("latency_bound",
           bound + " is undecided: " + counts + "; early stopping needs " +
               std::to_string(o.bound.min_queries) + " queries to pass with that many",
           "run at least " + std::to_string(o.bound.min_queries) +
               " queries (raise the min queries), or " + faster);
    }
  } else if (server) {
    fail("latency_bound",
         "no latency bound: a server rate is valid only when the " + pct +
             " latency is shown within a bound",
         "set a latency bound");
  }

  if (server && o.lag_share > kScenarioLagShareLimit &&
      r.queued_fraction() <= kScenarioQueuedShareLimit) {
    fail("generator_lag",
         Printf("the generator's schedule lag p99 (%s) is %.0f%% of the %s latency (%s): its own "
                "lateness is a material part of the latency",
                Nanos(o.lag_p99_us * 1e3).c_str(), o.lag_share * 100, pct.c_str(),
                Nanos(r.latency.ValueAtPercentile(sc.percentile)).c_str()),
         "give the generator more threads or a quieter machine (docs/performance.md)");
  }
  return out;
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
  if (sc.kind == LoadScenario::kServer) {
    o.lag_p99_us = r.schedule_lag.ValueAtPercentile(99) / 1e3;
    const double latency_ns =
        r.latency.count() > 0 ? r.latency.ValueAtPercentile(sc.percentile) : 0;
    o.lag_share = latency_ns > 0 ? o.lag_p99_us * 1e3 / latency_ns : 0;
  }
  o.failures = JudgeRules(r, o);
  o.valid = o.failures.empty();
  return o;
}

std::string LoadScenarioVerdictLine(const LoadResult& r) {
  const LoadScenarioSettings& sc = r.settings.scenario;
  const LoadScenarioOutcome o = SummarizeLoadScenario(r);
  std::string metric;
  switch (sc.kind) {
    case LoadScenario::kNone:
      return "";
    case LoadScenario::kSingleStream:
    case LoadScenario::kMultiStream:
      metric = PercentileName(sc.percentile) +
               (sc.kind == LoadScenario::kSingleStream ? " latency " : " query latency ") +
               (o.metric_defined ? Nanos(o.metric * 1e3) : std::string("undefined"));
      break;
    case LoadScenario::kServer:
      metric = Printf("target rate %.1f queries/s", sc.target_rate);
      break;
    case LoadScenario::kOffline:
      metric = o.metric_defined ? Printf("%.1f samples/s", o.metric) : "samples/s undefined";
      break;
  }
  std::string line = std::string(LoadScenarioName(sc.kind)) + ": " + metric + " " +
                     (o.valid ? "VALID" : "INVALID");
  for (size_t i = 0; i < o.failures.size(); ++i) {
    const ScenarioRuleFailure& f = o.failures[i];
    line += (i == 0 ? ": " : "; ") + f.rule + " (" + f.detail + ") -> " + f.recommendation;
  }
  return line;
}

}  // namespace servebench
