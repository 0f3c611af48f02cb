// Copyright servebench authors.

#include "servebench/lifecycle/program.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace servebench {

bool IsExecutableFile(const std::string& path, std::string* error) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    *error = path + ": " + std::strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode) || access(path.c_str(), X_OK) != 0) {
    *error = path + ": not an executable file";
    return false;
  }
  return true;
}

bool ResolveProgram(const std::string& program, std::string* path, std::string* error) {
  if (program.find('/') != std::string::npos) {
    if (!IsExecutableFile(program, error)) return false;
    *path = program;
    return true;
  }
  // execvp's default when PATH is unset.
  const char* env = std::getenv("PATH");
  const std::string folders_text = env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin";
  std::stringstream folders(folders_text);
  std::string folder, ignored;
  while (std::getline(folders, folder, ':')) {
    const std::string candidate = (folder.empty() ? "." : folder) + "/" + program;
    if (IsExecutableFile(candidate, &ignored)) {
      *path = candidate;
      return true;
    }
  }
  *error = program + ": no executable of that name on PATH (" + folders_text + ")";
  return false;
}

}  // namespace servebench
