// Copyright servebench authors.

#include "servebench/report/number_format.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace servebench {

namespace {

std::string Printf(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

}  // namespace

std::string FormatSignificant(double value, int significant) {
  if (!std::isfinite(value)) return kMissing;
  if (value == 0) return "0";
  const int magnitude = static_cast<int>(std::floor(std::log10(std::fabs(value))));
  const int decimals = std::max(0, significant - 1 - magnitude);
  char format[16];
  std::snprintf(format, sizeof(format), "%%.%df", decimals);
  return Printf(format, value);
}

std::string FormatMillisFromMicros(std::optional<double> us) {
  return us ? FormatSignificant(*us / 1000.0) : kMissing;
}

std::string FormatRate(std::optional<double> per_second) {
  if (!per_second) return kMissing;
  // Whole requests per second above 100: more digits would be noise between runs.
  return *per_second >= 100 ? Printf("%.0f", *per_second) : FormatSignificant(*per_second);
}

std::string FormatSeconds(std::optional<double> s) { return s ? FormatSignificant(*s) : kMissing; }

std::string FormatPercent(std::optional<double> percent) {
  return percent ? Printf("%.1f", *percent) : kMissing;
}

std::string FormatMebibytes(std::optional<double> bytes) {
  return bytes ? Printf("%.1f", *bytes / (1024.0 * 1024.0)) : kMissing;
}

std::string FormatCost(std::optional<double> cost) {
  return cost ? FormatSignificant(*cost) : kMissing;
}

std::string FormatAccuracy(std::optional<double> fraction) {
  return fraction ? Printf("%.2f %%", *fraction * 100.0) : kMissing;
}

std::string FormatCount(std::optional<double> count) {
  if (!count) return kMissing;
  const std::string digits = Printf("%.0f", std::fabs(*count));
  std::string out = *count < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string FormatSize(std::optional<double> bytes) {
  if (!bytes) return kMissing;
  if (*bytes < 1024) return Printf("%.0f B", *bytes);
  if (*bytes < 1024.0 * 1024.0) return Printf("%.1f KiB", *bytes / 1024.0);
  if (*bytes < 1024.0 * 1024.0 * 1024.0) return Printf("%.1f MiB", *bytes / (1024.0 * 1024.0));
  return Printf("%.2f GiB", *bytes / (1024.0 * 1024.0 * 1024.0));
}

}  // namespace servebench
