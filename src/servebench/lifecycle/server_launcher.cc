// Copyright servebench authors.

#include "servebench/lifecycle/server_launcher.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "servebench/lifecycle/launchers.h"

namespace servebench {

std::unique_ptr<ServerLauncher> NewLauncher(const std::string& kind, const std::string& binary_dir,
                                            const std::string& source_dir) {
  if (kind == "torchscript") return NewTorchScriptLauncher(binary_dir);
  if (kind == "fastapi") return NewFastApiLauncher(source_dir);
  if (kind == "external") return NewExternalLauncher();
  return nullptr;
}

std::vector<std::string> LauncherKinds() { return {"torchscript", "fastapi", "external"}; }

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

}  // namespace servebench
