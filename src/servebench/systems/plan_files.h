// Copyright servebench authors.
//
// The files a plan writes under its work folder (systems/serving_system.h: Plan), with errors
// that name the path. Writing them in the plan keeps their cost out of the cold start, which
// starts at spawn.

#ifndef SERVEBENCH_SYSTEMS_PLAN_FILES_H_
#define SERVEBENCH_SYSTEMS_PLAN_FILES_H_

#include <string>

namespace servebench {

// Removes `path` with everything in it, if present, and creates it empty (parents included).
bool FreshFolder(const std::string& path, std::string* error);

// Writes `text` to `path`, replacing it.
bool WriteTextFile(const std::string& path, const std::string& text, std::string* error);

// Creates a symbolic link at `link` to `target` (an absolute path), replacing an earlier link.
bool LinkTo(const std::string& target, const std::string& link, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_SYSTEMS_PLAN_FILES_H_
