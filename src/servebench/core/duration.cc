// Copyright servebench authors.

#include "servebench/core/duration.h"

#include <cstdio>
#include <iterator>
#include <limits>

#include "servebench/core/clock.h"

namespace servebench {

namespace {

using u128 = unsigned __int128;

bool IsDurationSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

// Decimal arithmetic on the digits themselves rather than through double: "0.1s" must be exactly
// 100000000 ns, and a 20-digit nanosecond count must not lose its low digits.
bool ParseDuration(const std::string& text, int64_t* nanos, std::string* error) {
  size_t begin = 0, end = text.size();
  while (begin < end && IsDurationSpace(text[begin])) ++begin;
  while (end > begin && IsDurationSpace(text[end - 1])) --end;
  const std::string quoted = "'" + text + "'";
  if (begin == end) {
    *error = "empty duration";
    return false;
  }
  if (text[begin] == '-') {
    *error = "negative duration " + quoted;
    return false;
  }
  size_t pos = begin;
  u128 integer = 0;
  bool any_digit = false;
  constexpr u128 kLimit = std::numeric_limits<int64_t>::max();
  for (; pos < end && IsDigit(text[pos]); ++pos) {
    any_digit = true;
    integer = integer * 10 + static_cast<u128>(text[pos] - '0');
    if (integer > kLimit) {
      *error = "duration " + quoted + " is too large";
      return false;
    }
  }
  // Up to 19 fractional digits are kept (more cannot change a nanosecond count for any unit here
  // except by rounding a tie, which we ignore).
  u128 fraction = 0, fraction_scale = 1;
  if (pos < end && text[pos] == '.') {
    ++pos;
    for (; pos < end && IsDigit(text[pos]); ++pos) {
      any_digit = true;
      if (fraction_scale < u128{10000000000000000000ULL}) {
        fraction = fraction * 10 + static_cast<u128>(text[pos] - '0');
        fraction_scale *= 10;
      }
    }
  }
  if (!any_digit) {
    *error = "duration " + quoted + " does not start with a number";
    return false;
  }
  while (pos < end && IsDurationSpace(text[pos])) ++pos;
  const std::string unit = text.substr(pos, end - pos);
  int64_t unit_nanos;
  if (unit.empty() || unit == "s") {
    unit_nanos = kNanosPerSecond;
  } else if (unit == "ns") {
    unit_nanos = 1;
  } else if (unit == "us") {
    unit_nanos = kNanosPerMicro;
  } else if (unit == "ms") {
    unit_nanos = kNanosPerMilli;
  } else if (unit == "m") {
    unit_nanos = 60 * kNanosPerSecond;
  } else if (unit == "h") {
    unit_nanos = 3600 * kNanosPerSecond;
  } else {
    *error = "duration " + quoted + " has unknown unit '" + unit + "' (use ns, us, ms, s, m or h)";
    return false;
  }
  // integer <= 2^63 and unit < 2^42, fraction < 10^19 < 2^64: both products fit in 128 bits.
  const u128 whole = integer * static_cast<u128>(unit_nanos);
  const u128 part = (fraction * static_cast<u128>(unit_nanos) * 2 + fraction_scale) /
                    (2 * fraction_scale);  // rounded half up
  const u128 total = whole + part;
  if (total > kLimit) {
    *error = "duration " + quoted + " is too large";
    return false;
  }
  *nanos = static_cast<int64_t>(total);
  return true;
}

std::string FormatDuration(int64_t nanos) {
  const bool negative = nanos < 0;
  // Magnitude in uint64 so that INT64_MIN does not overflow.
  const uint64_t magnitude =
      negative ? ~static_cast<uint64_t>(nanos) + 1 : static_cast<uint64_t>(nanos);
  const std::string sign = negative ? "-" : "";
  if (magnitude < 1000) return sign + std::to_string(magnitude) + " ns";

  struct Unit {
    double nanos;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{1e3, "us"}, {1e6, "ms"}, {1e9, "s"}};
  // Three significant digits; the unit is chosen after rounding so that 999.96 us prints as
  // "1.00 ms", never "1000 us".
  size_t u = 0;
  while (u + 1 < std::size(kUnits) && static_cast<double>(magnitude) >= kUnits[u + 1].nanos) ++u;
  double value = static_cast<double>(magnitude) / kUnits[u].nanos;
  if (value >= 999.5 && u + 1 < std::size(kUnits)) {
    ++u;
    value = static_cast<double>(magnitude) / kUnits[u].nanos;
  }
  const int decimals = value < 9.995 ? 2 : value < 99.95 ? 1 : 0;
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%s%.*f %s", sign.c_str(), decimals, value, kUnits[u].name);
  return buffer;
}

}  // namespace servebench
