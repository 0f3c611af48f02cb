// Copyright servebench authors.

#include "servebench/core/arrival_schedule.h"

#include "servebench/core/file.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "servebench/core/clock.h"
#include "servebench/core/duration.h"

namespace servebench {

namespace {

// 2^63 as a long double: any time at or above it does not fit the int64 offsets.
constexpr long double kTimeLimit = 9223372036854775808.0L;

void CheckRate(double rate_per_second, const char* what) {
  if (!(rate_per_second > 0) || !std::isfinite(rate_per_second)) {
    throw std::invalid_argument(std::string(what) + ": rate must be positive and finite");
  }
}

class ConstantSchedule final : public ArrivalSchedule {
 public:
  ConstantSchedule(double rate_per_second, int64_t phase_ns)
      : rate_(rate_per_second), phase_ns_(phase_ns) {}

  bool Next(int64_t* offset_ns) override {
    // From k each time, never by adding a rounded period, so rounding cannot accumulate. k * 1e9
    // is exact in a 64-bit-mantissa long double up to k = 1.8e10, and the one division rounds
    // relative 2^-64, far from moving a result across a .5 boundary in any realistic run.
    const long double t =
        std::round(static_cast<long double>(k_) * kNanosPerSecond / rate_) + phase_ns_;
    if (!(t < kTimeLimit)) return false;
    *offset_ns = static_cast<int64_t>(t);
    ++k_;
    return true;
  }

 private:
  const long double rate_;
  const int64_t phase_ns_;
  uint64_t k_ = 0;
};

// xoshiro256** seeded through splitmix64: fast, 256 bits of state, and unlike the standard
// library's distributions its output is the same on every platform and compiler, so a seed names
// one schedule everywhere.
class Xoshiro256 {
 public:
  explicit Xoshiro256(uint64_t seed) {
    for (uint64_t& word : state_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
  }

  uint64_t operator()() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

class PoissonSchedule final : public ArrivalSchedule {
 public:
  PoissonSchedule(double rate_per_second, uint64_t seed)
      : mean_gap_ns_(static_cast<long double>(kNanosPerSecond) / rate_per_second), rng_(seed) {}

  bool Next(int64_t* offset_ns) override {
    // Inverse CDF: for U uniform in [0, 1) (53 random bits), -ln(1 - U) is exponential with mean
    // 1; 1 - U is in (0, 1], so the log is finite (at most 53 ln 2, about 36.7 mean gaps).
    const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    time_ns_ += -std::log1p(-u) * mean_gap_ns_;
    // The running time stays unrounded; only the reported offset is rounded, so rounding never
    // accumulates and the offsets are non-decreasing.
    const long double t = std::round(time_ns_);
    if (!(t < kTimeLimit)) return false;
    *offset_ns = static_cast<int64_t>(t);
    return true;
  }

 private:
  const long double mean_gap_ns_;
  Xoshiro256 rng_;
  long double time_ns_ = 0;
};

class TraceSchedule final : public ArrivalSchedule {
 public:
  TraceSchedule(std::shared_ptr<const Trace> trace, size_t first, size_t stride)
      : trace_(std::move(trace)), next_(first), stride_(stride) {}

  bool Next(int64_t* offset_ns) override {
    const size_t size = trace_->offsets_ns.size();
    if (next_ >= size) return false;
    *offset_ns = trace_->offsets_ns[next_];
    next_ = stride_ > size - next_ ? size : next_ + stride_;
    return true;
  }

 private:
  const std::shared_ptr<const Trace> trace_;
  size_t next_;
  const size_t stride_;
};

bool IsTraceSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string Trim(const std::string& s) {
  size_t begin = 0, end = s.size();
  while (begin < end && IsTraceSpace(s[begin])) ++begin;
  while (end > begin && IsTraceSpace(s[end - 1])) --end;
  return s.substr(begin, end - begin);
}

}  // namespace

std::unique_ptr<ArrivalSchedule> NewConstantSchedule(double rate_per_second, int64_t phase_ns) {
  CheckRate(rate_per_second, "NewConstantSchedule");
  return std::make_unique<ConstantSchedule>(rate_per_second, phase_ns);
}

std::unique_ptr<ArrivalSchedule> NewPoissonSchedule(double rate_per_second, uint64_t seed) {
  CheckRate(rate_per_second, "NewPoissonSchedule");
  return std::make_unique<PoissonSchedule>(rate_per_second, seed);
}

std::unique_ptr<ArrivalSchedule> NewTraceSchedule(std::shared_ptr<const Trace> trace, size_t first,
                                                  size_t stride) {
  if (trace == nullptr) throw std::invalid_argument("NewTraceSchedule: null trace");
  if (stride < 1) throw std::invalid_argument("NewTraceSchedule: stride must be >= 1");
  return std::make_unique<TraceSchedule>(std::move(trace), first, stride);
}

bool ParseTrace(const std::string& text, const std::string& source_name, Trace* out,
                std::string* error) {
  bool timestamps = false;
  Trace trace;
  int64_t previous = 0;  // previous timestamp, or the running sum of intervals
  std::istringstream in(text);
  std::string raw;
  int line_number = 0;
  auto fail = [&](const std::string& what) {
    *error = source_name + ":" + std::to_string(line_number) + ": " + what;
    return false;
  };
  while (std::getline(in, raw)) {
    ++line_number;
    const std::string line = Trim(raw);
    if (line.empty()) continue;
    if (line.rfind("#!", 0) == 0) {
      const std::string directive = Trim(line.substr(2));
      if (directive != "intervals" && directive != "timestamps") {
        return fail("unknown directive '" + line + "' (use '#! intervals' or '#! timestamps')");
      }
      if (!trace.offsets_ns.empty()) {
        return fail("directive '" + line + "' after the first entry");
      }
      timestamps = directive == "timestamps";
      continue;
    }
    if (line[0] == '#') continue;

    // An entry: a number with an optional ns/us/ms/s suffix, microseconds without one. The number
    // and unit are parsed by ParseDuration (exact decimal arithmetic) once the unit is explicit.
    size_t unit_begin = line.size();
    while (unit_begin > 0 && std::isalpha(static_cast<unsigned char>(line[unit_begin - 1]))) {
      --unit_begin;
    }
    if (unit_begin == 0) return fail("entry '" + line + "' is not a number");
    const std::string unit = line.substr(unit_begin);
    if (!unit.empty() && unit != "ns" && unit != "us" && unit != "ms" && unit != "s") {
      return fail("entry '" + line + "' has unknown unit '" + unit + "' (use ns, us, ms or s)");
    }
    if (line[0] == '-') return fail("negative entry '" + line + "'");
    int64_t value;
    std::string duration_error;
    if (!ParseDuration(unit.empty() ? line + "us" : line, &value, &duration_error)) {
      return fail("entry '" + line + "' is not a non-negative number with an optional unit");
    }
    if (timestamps) {
      if (value < previous) {
        return fail("timestamp '" + line + "' is before the previous entry (" +
                    FormatDuration(value) + " < " + FormatDuration(previous) + ")");
      }
      previous = value;
    } else if (__builtin_add_overflow(previous, value, &previous)) {
      return fail("the sum of intervals overflows 64-bit nanoseconds");
    }
    trace.offsets_ns.push_back(previous);
  }
  if (trace.offsets_ns.empty()) {
    line_number = std::max(line_number, 1);
    return fail("the trace has no entries");
  }
  *out = std::move(trace);
  return true;
}

bool LoadTraceFile(const std::string& path, Trace* out, std::string* error) {
  std::string contents;
  if (!ReadWholeFile(path, &contents, error)) {
    *error = "trace file: " + *error;
    return false;
  }
  return ParseTrace(contents, path, out, error);
}

}  // namespace servebench
