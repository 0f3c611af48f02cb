// Copyright servebench authors.
//
// `servebench status RUN_DIR`, and the two commands the jobs of `servebench run --slurm` run on
// their nodes: `slurm-task RUN_DIR` (one cell) and `slurm-merge RUN_DIR` (the results); and
// `generator SPEC RESULT`, one of a level's several generator processes.

#ifndef SERVEBENCH_CLI_SLURM_COMMAND_H_
#define SERVEBENCH_CLI_SLURM_COMMAND_H_

#include <CLI/CLI.hpp>

namespace servebench {

void AddStatusCommand(CLI::App* app, int* exit_code);
void AddSlurmJobCommands(CLI::App* app, int* exit_code);

}  // namespace servebench

#endif  // SERVEBENCH_CLI_SLURM_COMMAND_H_
