// Copyright servebench authors.
//
// `servebench run [CONFIG.yaml] ...`: the automatic benchmark, on bench/runner; and
// `servebench report RUN_DIR`, which writes a run's outputs anew.

#ifndef SERVEBENCH_CLI_RUN_COMMAND_H_
#define SERVEBENCH_CLI_RUN_COMMAND_H_

#include <CLI/CLI.hpp>

namespace servebench {

// Adds the `run` subcommand to `app`; when chosen, its callback runs the experiment and sets
// *exit_code (see bench/runner.h).
void AddRunCommand(CLI::App* app, int* exit_code);

// Adds `report RUN_DIR`: the outputs of a run written anew from its journal.
void AddReportCommand(CLI::App* app, int* exit_code);

}  // namespace servebench

#endif  // SERVEBENCH_CLI_RUN_COMMAND_H_
