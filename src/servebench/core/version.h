// Copyright servebench authors.
//
// servebench's version, from project(VERSION) in the top CMakeLists.txt: the one place it is
// written. Reports and the journal record it, `servebench --version` prints it.

#ifndef SERVEBENCH_CORE_VERSION_H_
#define SERVEBENCH_CORE_VERSION_H_

namespace servebench {

inline constexpr char kServebenchVersion[] = SERVEBENCH_VERSION;

}  // namespace servebench

#endif  // SERVEBENCH_CORE_VERSION_H_
