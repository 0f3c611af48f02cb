// Copyright servebench authors.
//
// `servebench load URL ...`: the ad-hoc load tool, like wrk, on the load engine.

#ifndef SERVEBENCH_CLI_LOAD_COMMAND_H_
#define SERVEBENCH_CLI_LOAD_COMMAND_H_

#include <CLI/CLI.hpp>

namespace servebench {

// Adds the `load` subcommand to `app`; when it is chosen, the callback runs the load and sets
// *exit_code (0 done, 1 the run could not happen, 2 bad input).
void AddLoadCommand(CLI::App* app, int* exit_code);

}  // namespace servebench

#endif  // SERVEBENCH_CLI_LOAD_COMMAND_H_
