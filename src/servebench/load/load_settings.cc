// Copyright servebench authors.

#include "servebench/load/load_settings.h"

#include <algorithm>

namespace servebench {

const char* LoopModeName(LoopMode mode) { return mode == LoopMode::kClosed ? "closed" : "open"; }

const char* ArrivalName(Arrival arrival) {
  switch (arrival) {
    case Arrival::kConstant:
      return "constant";
    case Arrival::kPoisson:
      return "poisson";
    case Arrival::kTrace:
      return "trace";
  }
  return "?";
}

bool ParseRateArrival(const std::string& name, Arrival* arrival) {
  for (Arrival a : {Arrival::kPoisson, Arrival::kConstant}) {
    if (name == ArrivalName(a)) {
      *arrival = a;
      return true;
    }
  }
  return false;
}

bool ValidateLoadSettings(const LoadSettings& s, std::string* error) {
  if (s.threads < 1) {
    *error = "threads must be at least 1";
    return false;
  }
  if (s.mode == LoopMode::kClosed) {
    if (s.concurrency < 1) {
      *error = "concurrency must be at least 1";
      return false;
    }
    if (s.connections != s.concurrency) {
      *error = "in closed loop each outstanding request needs its own connection: connections (" +
               std::to_string(s.connections) + ") must equal concurrency (" +
               std::to_string(s.concurrency) + ")";
      return false;
    }
  } else {
    if (s.arrival == Arrival::kTrace) {
      if (!s.trace || s.trace->offsets_ns.empty()) {
        *error = "trace replay needs a non-empty trace";
        return false;
      }
    } else if (!(s.rate > 0) || s.rate > 1e8) {
      *error = "rate must be a positive number of requests per second (at most 1e8)";
      return false;
    }
  }
  if (s.connections < 1) {
    *error = "connections must be at least 1";
    return false;
  }
  if (s.connections < s.threads) {
    *error = "every thread needs at least one connection: threads (" + std::to_string(s.threads) +
             ") exceeds connections (" + std::to_string(s.connections) + ")";
    return false;
  }
  if (s.duration_ns <= 0) {
    *error = "duration must be positive";
    return false;
  }
  if (s.warmup_ns < 0) {
    *error = "warm-up must not be negative";
    return false;
  }
  if (s.window_ns < 0 || (s.window_ns > 0 && s.window_ns < 50 * kNanosPerMilli) ||
      (s.window_ns > 0 && s.duration_ns / s.window_ns > 100000)) {
    *error = "window must be at least 50 ms, and the duration at most 100,000 windows long";
    return false;
  }
  if (s.window_bounds_ns.size() > 8 ||
      std::any_of(s.window_bounds_ns.begin(), s.window_bounds_ns.end(),
                  [](int64_t b) { return b <= 0; })) {
    *error = "window bounds: at most 8, each above 0";
    return false;
  }
  if (s.response_check && s.method == "HEAD") {
    *error = "a response check needs response bodies, and HEAD responses have none";
    return false;
  }
  if (s.timeout_ns <= 0) {
    *error = "timeout must be positive";
    return false;
  }
  return true;
}

}  // namespace servebench
