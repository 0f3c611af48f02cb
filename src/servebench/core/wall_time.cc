// Copyright servebench authors.

#include "servebench/core/wall_time.h"

#include <ctime>

namespace servebench {
namespace {

std::string FormatUtcNow(const char* format) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, format, &utc);
  return text;
}

}  // namespace

std::string UtcNowIso8601() { return FormatUtcNow("%Y-%m-%dT%H:%M:%SZ"); }

std::string UtcNowCompact() { return FormatUtcNow("%Y%m%d-%H%M%S"); }

}  // namespace servebench
