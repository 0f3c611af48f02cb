// Copyright servebench authors.

#include "servebench/cli/run_command.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "servebench/bench/runner.h"
#include "servebench/cli/binary_dir.h"
#include "servebench/cli/interrupt.h"

namespace servebench {
void AddRunCommand(CLI::App* app, int* exit_code) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* cmd = app->add_subcommand(
      "run",
      "Run a benchmark experiment from YAML (docs/config.md): every model variant on every "
      "server configuration under every scenario, with cold starts, load sweeps, resources, SLO "
      "and cost; results go to a run folder (journal, results.db, results.json, results.csv, "
      "summary.md). Without CONFIG, the embedded default experiment.");
  cmd->add_option("CONFIG", options->config_path, "Experiment YAML (default: the embedded one)");
  cmd->add_flag("--quick", options->quick,
                "A short smoke run: the first two variants, one cold start, the first and last "
                "levels, short windows");
  cmd->add_option("--filter", options->filter,
                  "Only the cells that match, e.g. 'server=torchscript*,scenario!=cold_start' "
                  "or a glob on the cell id");
  cmd->add_option("--repeat", options->repeat,
                  "Measure every cell N times, each on a fresh server, and report each headline "
                  "figure with its spread and a confidence interval across the repeats")
      ->check(CLI::Range(1, 1000));
  cmd->add_flag("--dry-run", options->dry_run, "Print the plan and its estimated duration only");
  cmd->add_option("--resume", options->resume_dir,
                  "Go on with the run in RUN_DIR, skipping the cells it finished");
  cmd->add_option("--out", options->out_dir, "Folder for run folders (default: output.directory)");
  SlurmOptions& slurm = options->slurm;
  cmd->add_flag("--slurm", slurm.enabled,
                "Run the cells as a Slurm job array, one node per cell, and the results by a "
                "dependent job (docs/distributed.md); follow with servebench status RUN_DIR");
  cmd->add_option("--partition", slurm.partition, "--slurm: the partition (sbatch --partition)");
  cmd->add_option("--account", slurm.account, "--slurm: the account (sbatch --account)");
  cmd->add_option("--time", slurm.time_limit,
                  "--slurm: each cell's time limit, as sbatch --time takes it (e.g. 30:00)");
  cmd->add_option("--max-parallel", slurm.max_parallel,
                  "--slurm: at most N cells at once (the array's %N)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--sbatch-arg", slurm.sbatch_args,
                  "--slurm: a further sbatch option for the cells, e.g. --sbatch-arg=--gres=gpu:1 "
                  "(repeatable)")
      ->allow_extra_args(false);
  cmd->callback([options, exit_code] {
    if (!options->resume_dir.empty() && !options->config_path.empty()) {
      std::cerr << "servebench run: --resume takes the experiment of the run; give no CONFIG\n";
      *exit_code = kRunBadInput;
      return;
    }
    if (!options->resume_dir.empty() && options->repeat > 0) {
      std::cerr << "servebench run: --resume takes the --repeat of the run; give no --repeat\n";
      *exit_code = kRunBadInput;
      return;
    }
    const SlurmOptions& s = options->slurm;
    if (!s.enabled && (!s.partition.empty() || !s.account.empty() || !s.time_limit.empty() ||
                       s.max_parallel > 0 || !s.sbatch_args.empty())) {
      std::cerr << "servebench run: --partition, --account, --time, --max-parallel and "
                   "--sbatch-arg are options of --slurm; add --slurm or leave them out\n";
      *exit_code = kRunBadInput;
      return;
    }
    RunOptions o = *options;
    o.binary_dir = BinaryDir();
    o.source_dir = SERVEBENCH_SOURCE_DIR;
    InterruptFlag interrupt;
    o.interrupt = interrupt.flag();
    *exit_code = RunExperiment(o, std::cout, std::cerr);
  });
}

void AddReportCommand(CLI::App* app, int* exit_code) {
  auto run_dir = std::make_shared<std::string>();
  CLI::App* cmd = app->add_subcommand(
      "report",
      "Write results.json, results.csv and summary.md of a run folder anew from its journal "
      "(also for a run that was interrupted) and print the summary table.");
  cmd->add_option("RUN_DIR", *run_dir, "A run folder made by servebench run")->required();
  cmd->callback([run_dir, exit_code] { *exit_code = ReportRun(*run_dir, std::cout, std::cerr); });
}

}  // namespace servebench
