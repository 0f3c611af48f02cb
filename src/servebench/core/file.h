// Copyright servebench authors.
//
// Reading a whole file: the one way servebench reads configs, traces and request bodies.

#ifndef SERVEBENCH_CORE_FILE_H_
#define SERVEBENCH_CORE_FILE_H_

#include <string>

namespace servebench {

// Reads the file at `path` into *contents. On failure returns false with
// "cannot read '<path>': <reason>" in *error.
bool ReadWholeFile(const std::string& path, std::string* contents, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_CORE_FILE_H_
