// Copyright servebench authors.
//
// The wall clock, for saying when something happened in records people read; never for a
// duration (core/clock.h is for those).

#ifndef SERVEBENCH_CORE_WALL_TIME_H_
#define SERVEBENCH_CORE_WALL_TIME_H_

#include <string>

namespace servebench {

// Now in UTC as ISO 8601 to the second: "2026-11-27T01:30:00Z".
std::string UtcNowIso8601();

// Now in UTC as a compact sortable stamp: "20261127-013000".
std::string UtcNowCompact();

}  // namespace servebench

#endif  // SERVEBENCH_CORE_WALL_TIME_H_
