// Copyright servebench authors.

#include "servebench/cli/slurm_command.h"

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "servebench/bench/generator_group.h"
#include "servebench/bench/slurm_jobs.h"
#include "servebench/bench/slurm_status.h"
#include "servebench/cli/binary_dir.h"
#include "servebench/cli/interrupt.h"

namespace servebench {

void AddStatusCommand(CLI::App* app, int* exit_code) {
  auto run_dir = std::make_shared<std::string>();
  CLI::App* cmd = app->add_subcommand(
      "status",
      "Where each cell of a run stands: done, failed (why, and its log), running (on which "
      "node), pending (and why), or not started; for a run with --slurm from its folder and "
      "from Slurm (squeue, then sacct, sacct --completion or scontrol)");
  cmd->add_option("RUN_DIR", *run_dir, "A run folder made by servebench run")->required();
  cmd->callback([run_dir, exit_code] { *exit_code = ShowStatus(*run_dir, std::cout, std::cerr); });
}

void AddSlurmJobCommands(CLI::App* app, int* exit_code) {
  auto task = std::make_shared<SlurmTaskOptions>();
  CLI::App* task_cmd = app->add_subcommand(
      "slurm-task",
      "(Run by the job array of servebench run --slurm) measure one cell of RUN_DIR into its "
      "task journal");
  task_cmd->group("");  // not for users: hidden from --help
  task_cmd->add_option("RUN_DIR", task->run_dir, "The run folder")->required();
  task_cmd->add_option("--index", task->index,
                       "The cell's index in slurm/cells.json (default: $SLURM_ARRAY_TASK_ID)");
  task_cmd->callback([task, exit_code] {
    SlurmTaskOptions o = *task;
    o.binary_dir = BinaryDir();
    o.source_dir = SERVEBENCH_SOURCE_DIR;
    InterruptFlag interrupt;
    o.interrupt = interrupt.flag();
    *exit_code = RunSlurmTask(o, std::cout, std::cerr);
  });

  auto merge_dir = std::make_shared<std::string>();
  auto array_job = std::make_shared<std::string>();
  CLI::App* merge_cmd = app->add_subcommand(
      "slurm-merge",
      "(Run by the dependent job of servebench run --slurm) merge the tasks' journals of RUN_DIR "
      "and write its results and reports");
  merge_cmd->group("");
  merge_cmd->add_option("RUN_DIR", *merge_dir, "The run folder")->required();
  merge_cmd->add_option("--array-job", *array_job,
                        "The job array whose cells to settle (default: the last submitted)");
  merge_cmd->callback([merge_dir, array_job, exit_code] {
    *exit_code = MergeSlurmRun(*merge_dir, *array_job, std::cout, std::cerr);
  });

  auto spec = std::make_shared<std::string>();
  auto result = std::make_shared<std::string>();
  CLI::App* generator_cmd = app->add_subcommand(
      "generator",
      "(Run by a cell whose scenario has several generators) one generator process: read SPEC, "
      "say ready, wait for the barrier on stdin, measure, write RESULT");
  generator_cmd->group("");
  generator_cmd->add_option("SPEC", *spec, "The generator's load, as JSON")->required();
  generator_cmd->add_option("RESULT", *result, "Where its result goes, as JSON")->required();
  generator_cmd->callback([spec, result, exit_code] {
    InterruptFlag interrupt;
    *exit_code =
        RunGeneratorProcess(*spec, *result, interrupt.flag(), std::cin, std::cout, std::cerr);
  });
}

}  // namespace servebench
