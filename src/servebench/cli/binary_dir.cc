// Copyright servebench authors.

#include "servebench/cli/binary_dir.h"

#include <filesystem>
#include <system_error>

namespace servebench {

std::string BinaryDir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : exe.parent_path().string();
}

}  // namespace servebench
