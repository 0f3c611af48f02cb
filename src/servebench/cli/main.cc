// Copyright servebench authors.
//
// The servebench command: one subcommand per job, each with --help.

#include <CLI/CLI.hpp>
#include <iostream>

#include "servebench/cli/compare_command.h"
#include "servebench/cli/load_command.h"
#include "servebench/cli/run_command.h"
#include "servebench/cli/slurm_command.h"
#include "servebench/core/version.h"

int main(int argc, char** argv) {
  CLI::App app{
      "servebench: benchmarks deep-learning inference serving systems side by side: latency "
      "percentiles to the tail, throughput, errors and the load generator's own health."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("servebench ") + servebench::kServebenchVersion);
  int exit_code = 0;
  servebench::AddLoadCommand(&app, &exit_code);
  servebench::AddRunCommand(&app, &exit_code);
  servebench::AddReportCommand(&app, &exit_code);
  servebench::AddCompareCommand(&app, &exit_code);
  servebench::AddStatusCommand(&app, &exit_code);
  servebench::AddSlurmJobCommands(&app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  return exit_code;
}
