// Copyright servebench authors.
//
// Arrival schedules for open-loop load: the intended send time of every request, fixed by the
// schedule alone and never by when earlier requests complete (that is what keeps open-loop
// latency free of coordinated omission). Times are nanosecond offsets from the start of the run.
//
// A schedule is generated lazily, one intended time per Next() call, but it is a pure function of
// its parameters (rate, seed, trace): generating it up front would give the same times. Each gap
// is anchored on the previous *intended* time.

#ifndef SERVEBENCH_CORE_ARRIVAL_SCHEDULE_H_
#define SERVEBENCH_CORE_ARRIVAL_SCHEDULE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace servebench {

class ArrivalSchedule {
 public:
  virtual ~ArrivalSchedule() = default;

  // Stores the next intended send time (ns from the run's start, non-decreasing) in *offset_ns and
  // returns true, or returns false once the schedule is exhausted (only a trace ends).
  virtual bool Next(int64_t* offset_ns) = 0;
};

// Evenly spaced: phase_ns, phase_ns + 1/rate, phase_ns + 2/rate, ... computed as
// phase + round(k * 1e9 / rate) so that rounding never accumulates. rate > 0.
std::unique_ptr<ArrivalSchedule> NewConstantSchedule(double rate_per_second, int64_t phase_ns = 0);

// Poisson process: exponential gaps with mean 1/rate drawn from a generator seeded with `seed`
// (same seed, same times), each added to the previous intended time; the first arrival is one
// gap after 0. rate > 0.
std::unique_ptr<ArrivalSchedule> NewPoissonSchedule(double rate_per_second, uint64_t seed);

// A parsed trace: intended send times in ns from the trace's start, non-decreasing.
struct Trace {
  std::vector<int64_t> offsets_ns;
};

// Parses a trace file's text. Format, one entry per line:
//   - blank lines and lines starting with '#' are ignored, except the directive lines
//     "#! intervals" (the default) and "#! timestamps", which must come before the first entry;
//   - an entry is a non-negative decimal number with an optional unit suffix ns, us, ms or s;
//     without a suffix the number is in microseconds (as perf_analyzer's request-intervals file);
//   - intervals: each entry is the gap after the previous request (the first after time 0);
//     timestamps: each entry is the request's time from the trace's start, non-decreasing.
// On error returns false with "<source_name>:<line>: <what is wrong>" in *error.
bool ParseTrace(const std::string& text, const std::string& source_name, Trace* out,
                std::string* error);
// Reads and parses a trace file; an unreadable file is an error naming the path.
bool LoadTraceFile(const std::string& path, Trace* out, std::string* error);

// Replays every stride-th entry of `trace` starting at entry `first` (so that T threads with
// first = 0..T-1 and stride T together replay the whole trace exactly once). stride >= 1.
std::unique_ptr<ArrivalSchedule> NewTraceSchedule(std::shared_ptr<const Trace> trace, size_t first,
                                                  size_t stride);

}  // namespace servebench

#endif  // SERVEBENCH_CORE_ARRIVAL_SCHEDULE_H_
