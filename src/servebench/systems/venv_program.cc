// Copyright servebench authors.

#include "servebench/systems/venv_program.h"

#include <filesystem>

#include "servebench/core/file.h"
#include "servebench/lifecycle/program.h"

namespace servebench {

namespace fs = std::filesystem;

std::string VenvDir(const SystemContext& context, const std::string& system) {
  return (fs::path(context.binary_dir) / "venv" / system).string();
}

bool FindSystemProgram(const std::string& binary, const std::string& program,
                       const SystemContext& context, const std::string& system, std::string* path,
                       std::string* error) {
  const bool from_venv = binary.empty();
  const std::string wanted =
      from_venv ? (fs::path(VenvDir(context, system)) / "bin" / program).string() : binary;
  std::string found;
  if (!ResolveProgram(wanted, &found, error)) {
    if (!from_venv) return false;
    const std::string missing = VenvDir(context, system) + ".missing";
    std::string reason, ignored;
    if (ReadWholeFile(missing, &reason, &ignored)) {
      while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
      *error += " (" + system + " is not installed; scripts/setup recorded in " + missing + ": " +
                reason + ")";
    } else {
      *error +=
          " (" + system + " is installed by scripts/setup into " + VenvDir(context, system) + ")";
    }
    return false;
  }
  std::error_code ec;
  const fs::path absolute = fs::absolute(found, ec);
  *path = ec ? found : absolute.lexically_normal().string();
  return true;
}

}  // namespace servebench
