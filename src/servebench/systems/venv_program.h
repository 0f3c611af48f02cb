// Copyright servebench authors.
//
// The programs of the serving systems scripts/setup installs into virtual environments under the
// build tree (scripts/requirements/install.py): <binary_dir>/venv/<system>/bin/<program>. When
// setup could not install a system it removes that environment and leaves the reason in
// <binary_dir>/venv/<system>.missing, which an error about the missing program quotes, so that a
// config asking for the system is rejected up front saying why it is not here.

#ifndef SERVEBENCH_SYSTEMS_VENV_PROGRAM_H_
#define SERVEBENCH_SYSTEMS_VENV_PROGRAM_H_

#include <string>

#include "servebench/systems/serving_system.h"

namespace servebench {

// <context.binary_dir>/venv/<system>: the environment setup installs `system` into.
std::string VenvDir(const SystemContext& context, const std::string& system);

// Finds a program of `system`: `binary` when the config gave one (a path, or a bare name looked
// up on PATH, as lifecycle/program.h does), otherwise `program` in the system's environment.
// Stores its absolute path in *path. When it is missing, *error names it and, for the
// environment's program, adds what setup recorded in <system>.missing (or that scripts/setup
// installs it).
bool FindSystemProgram(const std::string& binary, const std::string& program,
                       const SystemContext& context, const std::string& system, std::string* path,
                       std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_SYSTEMS_VENV_PROGRAM_H_
