// Copyright servebench authors.
//
// Human durations on the command line and in configs: "30s", "500ms", "250us", "2m", "1h",
// "1.5s", or a bare number of seconds.

#ifndef SERVEBENCH_CORE_DURATION_H_
#define SERVEBENCH_CORE_DURATION_H_

#include <cstdint>
#include <string>

namespace servebench {

// Parses `text` into nanoseconds. Accepts a non-negative decimal number followed by an optional
// unit (ns, us, ms, s, m, h; none means seconds). On error returns false and explains in *error.
bool ParseDuration(const std::string& text, int64_t* nanos, std::string* error);

// Formats nanoseconds for people: "1.50 s", "250 ms", "12.3 us".
std::string FormatDuration(int64_t nanos);

}  // namespace servebench

#endif  // SERVEBENCH_CORE_DURATION_H_
