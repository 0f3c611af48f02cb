// Copyright servebench authors.
//
// The launchers NewLauncher knows, one file each; declared here so that server_launcher.cc can
// register them without their classes being visible anywhere else.

#ifndef SERVEBENCH_LIFECYCLE_LAUNCHERS_H_
#define SERVEBENCH_LIFECYCLE_LAUNCHERS_H_

#include <memory>
#include <string>

#include "servebench/lifecycle/server_launcher.h"

namespace servebench {

// servebench-torchscript from `binary_dir`.
std::unique_ptr<ServerLauncher> NewTorchScriptLauncher(const std::string& binary_dir);
// servers/fastapi/launch from `source_dir`.
std::unique_ptr<ServerLauncher> NewFastApiLauncher(const std::string& source_dir);
// A server someone else runs at ServerConfig::url; servebench neither starts nor stops it.
std::unique_ptr<ServerLauncher> NewExternalLauncher();

// Whether `path` names an executable file; explains why not.
bool IsExecutableFile(const std::string& path, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_LIFECYCLE_LAUNCHERS_H_
