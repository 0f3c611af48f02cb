// Copyright servebench authors.
//
// Replacing an output file so that a reader (or a run killed half-way) sees either the old file
// or the new one, never a torn mixture.

#ifndef SERVEBENCH_REPORT_FILE_OUTPUT_H_
#define SERVEBENCH_REPORT_FILE_OUTPUT_H_

#include <string>

namespace servebench {

// Writes `content` to a temporary beside `path`, fsyncs it and renames it over `path`.
bool ReplaceFile(const std::string& path, const std::string& content, std::string* error);

// `dir` + "/" + `name` (no doubled slash).
std::string JoinPath(const std::string& dir, const std::string& name);

}  // namespace servebench

#endif  // SERVEBENCH_REPORT_FILE_OUTPUT_H_
