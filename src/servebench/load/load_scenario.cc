// Copyright servebench authors.

#include "servebench/load/load_scenario.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <queue>
#include <utility>
#include <vector>

#include "servebench/core/early_stopping.h"
#include "servebench/load/load_settings.h"
#include "servebench/load/thread_schedule.h"

namespace servebench {

namespace {

bool Fail(std::string* error, const std::string& message) {
  *error = message;
  return false;
}

std::string Name(const LoadScenarioSettings& s) { return LoadScenarioName(s.kind); }

// Server: the shortest window that lasts min_duration_ns and holds min_queries intended send
// times of the settings' schedules, capped at max_duration_ns. The schedules are pure functions
// of the settings, so replaying them here gives the times the run will use.
int64_t ServerWindowNs(const LoadSettings& settings) {
  const LoadScenarioSettings& sc = settings.scenario;
  int64_t window_ns = std::min(sc.min_duration_ns, sc.max_duration_ns);
  if (sc.min_queries <= 0) return std::max<int64_t>(window_ns, 1);
  // When the minimum duration holds min_queries arrivals by a margin of 10 standard deviations
  // of the Poisson count (a shortfall has odds below 1e-23), it decides without a replay, which
  // at high rates would generate every arrival of the warm-up and the window.
  const double expected = sc.target_rate * (window_ns / 1e9);
  if (expected - 10 * std::sqrt(expected) >= static_cast<double>(sc.min_queries)) {
    return std::max<int64_t>(window_ns, 1);
  }
  const int64_t cap_ns = settings.warmup_ns + sc.max_duration_ns;
  std::vector<std::unique_ptr<ArrivalSchedule>> schedules;
  using Head = std::pair<int64_t, int>;  // next offset, thread
  std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heads;
  for (int t = 0; t < settings.threads; ++t) {
    schedules.push_back(ScheduleForThread(settings, t));
    int64_t offset = 0;
    if (schedules.back()->Next(&offset)) heads.emplace(offset, t);
  }
  int64_t counted = 0;
  while (!heads.empty()) {
    const auto [offset, t] = heads.top();
    heads.pop();
    if (offset >= cap_ns) return sc.max_duration_ns;  // the cap comes first
    if (offset >= settings.warmup_ns && ++counted == sc.min_queries) {
      // The window [t0, t0 + w) holds an intended time at t0 + x when x < w.
      return std::min(std::max(window_ns, offset - settings.warmup_ns + 1), sc.max_duration_ns);
    }
    int64_t next = 0;
    if (schedules[t]->Next(&next)) heads.emplace(next, t);
  }
  return std::max<int64_t>(window_ns, 1);
}

}  // namespace

const char* LoadScenarioName(LoadScenario scenario) {
  switch (scenario) {
    case LoadScenario::kNone:
      return "none";
    case LoadScenario::kSingleStream:
      return "single-stream";
    case LoadScenario::kMultiStream:
      return "multi-stream";
    case LoadScenario::kServer:
      return "server";
    case LoadScenario::kOffline:
      return "offline";
  }
  return "?";
}

bool ParseLoadScenarioName(const std::string& text, LoadScenario* scenario) {
  for (LoadScenario s : {LoadScenario::kSingleStream, LoadScenario::kMultiStream,
                         LoadScenario::kServer, LoadScenario::kOffline}) {
    if (text == LoadScenarioName(s)) {
      *scenario = s;
      return true;
    }
  }
  return false;
}

LoadScenarioSettings DefaultLoadScenarioSettings(LoadScenario kind) {
  LoadScenarioSettings s;
  s.kind = kind;
  switch (kind) {
    case LoadScenario::kNone:
      break;
    case LoadScenario::kSingleStream:
      s.percentile = 90;
      break;
    case LoadScenario::kMultiStream:
    case LoadScenario::kServer:
      s.percentile = 99;
      break;
    case LoadScenario::kOffline:
      s.min_queries = 1;
      return s;
  }
  if (s.percentile > 0) {
    EarlyStoppingSettings es;
    es.percentile = s.percentile;
    s.min_queries = MinQueriesForEarlyStopping(1, es);  // 64 at p90, 662 at p99
  }
  return s;
}

bool ValidateLoadScenarioSettings(const LoadScenarioSettings& s, std::string* error) {
  if (s.kind == LoadScenario::kNone) return Fail(error, "no scenario chosen");
  const std::string name = Name(s);
  if (s.min_duration_ns < 0) return Fail(error, name + ": min duration must not be negative");
  if (s.max_duration_ns <= 0) return Fail(error, name + ": max duration must be positive");
  if (s.min_duration_ns > s.max_duration_ns) {
    return Fail(error, name + ": min duration exceeds max duration");
  }
  if (s.min_queries < 0) return Fail(error, name + ": min queries must not be negative");
  if (s.latency_bound_ns < 0) return Fail(error, name + ": latency bound must not be negative");
  if (s.kind != LoadScenario::kOffline) {
    if (!(s.percentile > 0 && s.percentile < 100)) {
      return Fail(error, name + ": percentile must be between 0 and 100 (exclusive)");
    }
  } else if (s.latency_bound_ns > 0) {
    return Fail(error, "offline has no latency bound: its metric is samples per second");
  }
  switch (s.kind) {
    case LoadScenario::kNone:
    case LoadScenario::kSingleStream:
      break;
    case LoadScenario::kMultiStream:
      if (s.samples_per_query < 1 || s.samples_per_query > 1024) {
        return Fail(error, name + ": samples per query must be between 1 and 1024 (one " +
                               "connection each)");
      }
      break;
    case LoadScenario::kServer:
      if (!(s.target_rate > 0) || s.target_rate > 1e8) {
        return Fail(error, name + ": target rate must be a positive number of queries per " +
                               "second (at most 1e8)");
      }
      break;
    case LoadScenario::kOffline:
      if (s.samples_per_request < 1) {
        return Fail(error, name + ": samples per request must be at least 1");
      }
      if (s.total_samples < 1) return Fail(error, name + ": total samples must be at least 1");
      if (s.total_samples % s.samples_per_request != 0) {
        return Fail(error, name + ": total samples (" + std::to_string(s.total_samples) +
                               ") must be a multiple of samples per request (" +
                               std::to_string(s.samples_per_request) +
                               "): every request carries the same body");
      }
      if (s.offline_requests() > (int64_t{1} << 32)) {
        return Fail(error, name + ": at most 2^32 requests");
      }
      if (s.offline_requests() < s.min_queries) {
        return Fail(error, name + ": " + std::to_string(s.offline_requests()) +
                               " requests (total samples / samples per request) are fewer " +
                               "than min queries (" + std::to_string(s.min_queries) + ")");
      }
      break;
  }
  return true;
}

bool ApplyLoadScenario(const LoadScenarioSettings& scenario, LoadSettings* s, std::string* error) {
  if (!ValidateLoadScenarioSettings(scenario, error)) return false;
  s->scenario = scenario;
  s->seed = scenario.seed;
  s->duration_ns = scenario.max_duration_ns;
  switch (scenario.kind) {
    case LoadScenario::kNone:
      break;
    case LoadScenario::kSingleStream:
    case LoadScenario::kMultiStream: {
      const int n = scenario.kind == LoadScenario::kMultiStream ? scenario.samples_per_query : 1;
      s->mode = LoopMode::kClosed;
      s->concurrency = n;
      s->connections = n;
      s->threads = 1;
      break;
    }
    case LoadScenario::kServer:
      s->mode = LoopMode::kOpen;
      s->arrival = Arrival::kPoisson;
      s->rate = scenario.target_rate;
      s->trace = nullptr;
      if (s->threads < 1 || s->connections < s->threads) {
        return ValidateLoadSettings(*s, error);  // explains the connections and threads
      }
      s->duration_ns = ServerWindowNs(*s);
      break;
    case LoadScenario::kOffline:
      if (s->warmup_ns != 0) {
        return Fail(error,
                    "offline issues every sample at the start of the window: it has no warm-up "
                    "(set the warm-up to 0)");
      }
      s->mode = LoopMode::kOpen;
      s->trace = nullptr;
      s->rate = 0;
      break;
  }
  return ValidateLoadSettings(*s, error);
}

bool ValidateLoadScenarioLoop(const LoadSettings& s, std::string* error) {
  const LoadScenarioSettings& sc = s.scenario;
  if (!ValidateLoadScenarioSettings(sc, error)) return false;
  const std::string name = Name(sc);
  if (s.duration_ns > sc.max_duration_ns) {
    return Fail(error, name + ": the window (duration) exceeds the scenario's max duration");
  }
  switch (sc.kind) {
    case LoadScenario::kNone:
      break;
    case LoadScenario::kSingleStream:
    case LoadScenario::kMultiStream: {
      const int n = sc.kind == LoadScenario::kMultiStream ? sc.samples_per_query : 1;
      if (s.mode != LoopMode::kClosed || s.concurrency != n || s.connections != n ||
          s.threads != 1) {
        return Fail(error, name + " runs a closed loop of queries on one thread with " +
                               std::to_string(n) + " connection" + (n == 1 ? "" : "s") +
                               " (use ApplyLoadScenario)");
      }
      break;
    }
    case LoadScenario::kServer:
      if (s.mode != LoopMode::kOpen || s.arrival != Arrival::kPoisson || s.rate != sc.target_rate) {
        return Fail(error,
                    name + " runs Poisson arrivals at the target rate (use ApplyLoadScenario)");
      }
      break;
    case LoadScenario::kOffline:
      if (s.mode != LoopMode::kOpen) {
        return Fail(error, name + " runs an open loop (use ApplyLoadScenario)");
      }
      if (s.warmup_ns != 0) {
        return Fail(error,
                    "offline issues every sample at the start of the window: it has no "
                    "warm-up (set the warm-up to 0)");
      }
      break;
  }
  return true;
}

}  // namespace servebench
