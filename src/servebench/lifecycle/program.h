// Copyright servebench authors.
//
// Finding the program a server runs. One rule everywhere (the config check, the launchers, the
// process start): a name with a '/' is a path; a bare name is looked up on PATH as execvp would.

#ifndef SERVEBENCH_LIFECYCLE_PROGRAM_H_
#define SERVEBENCH_LIFECYCLE_PROGRAM_H_

#include <string>

namespace servebench {

// The executable `program` names: itself when it holds a '/', otherwise the first executable
// file of that name in a PATH folder. False with *error naming the program (and PATH for a bare
// name) when there is none.
bool ResolveProgram(const std::string& program, std::string* path, std::string* error);

// Whether `path` names an executable regular file; explains why not.
bool IsExecutableFile(const std::string& path, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_LIFECYCLE_PROGRAM_H_
