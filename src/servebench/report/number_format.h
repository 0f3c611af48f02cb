// Copyright servebench authors.
//
// How summary.md and the terminal summary print numbers: a fixed unit per column (so that a
// column compares at a glance) and about three significant digits, "–" for a missing number.

#ifndef SERVEBENCH_REPORT_NUMBER_FORMAT_H_
#define SERVEBENCH_REPORT_NUMBER_FORMAT_H_

#include <optional>
#include <string>

namespace servebench {

inline constexpr const char* kMissing = "–";

// `value` with `significant` significant digits, never in exponent form (12300, 0.0123).
std::string FormatSignificant(double value, int significant = 3);

std::string FormatMillisFromMicros(std::optional<double> us);  // "0.215", "12.3"
std::string FormatRate(std::optional<double> per_second);      // "8123", "12.5"
std::string FormatSeconds(std::optional<double> s);            // "1.23"
std::string FormatPercent(std::optional<double> percent);      // "97.3"
std::string FormatMebibytes(std::optional<double> bytes);      // "123.4"
std::string FormatCost(std::optional<double> cost);            // "0.0123"
std::string FormatAccuracy(std::optional<double> fraction);    // "97.78 %"
std::string FormatCount(std::optional<double> count);          // "85,002"
std::string FormatSize(std::optional<double> bytes);           // "341.2 KiB", "44.7 MiB"

}  // namespace servebench

#endif  // SERVEBENCH_REPORT_NUMBER_FORMAT_H_
