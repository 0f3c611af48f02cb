// Copyright servebench authors.
//
// Runs one cell of the matrix: starts its server as its configuration says, measures the
// scenario (cold starts, or a sweep of load levels with resource sampling and server-side
// metrics around each: explicit levels, or a search of the SLO's capacity), repeated on a fresh
// server as the scenario's `repeats` say, stops the server (or leaves it running for an accuracy
// pass on the same server and variant that comes next: ServerLeftRunning), and returns the record
// (docs/results.md). Each level is judged against the variant's SLO (its own, its family's or
// the global one). A cell that fails (its server would not start, died, answered wrongly) comes
// back marked failed with what is known, and the run goes on.

#ifndef SERVEBENCH_BENCH_CELL_RUNNER_H_
#define SERVEBENCH_BENCH_CELL_RUNNER_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "servebench/bench/experiment.h"
#include "servebench/protocols/protocol_adapter.h"
#include "servebench/records/cell_record.h"

namespace servebench {

// The inference requests that the cells of one run learned from their servers (from the model's
// metadata, and answered by a first response that passed the check), by server configuration
// name and variant name. A request holds no address, so a later server of the same configuration
// takes it as it is.
using LearnedInferCalls = std::map<std::pair<std::string, std::string>, HttpCall>;

// A server that a cell left running for the next cell, which takes it only when that cell is an
// accuracy pass on the same server configuration and variant: a pass measures answers, not
// time, so what the load left in the server cannot shape it, and it saves a start and a stop (a
// real serving system takes seconds for each). Any other next cell stops it first.
class RunningServer;  // cell_runner.cc
struct ServerLeftRunning {
  std::string server_name;  // the server configuration's name
  std::string variant_name;
  std::string log_path;  // where the server's output goes: the cell that started it
  std::shared_ptr<RunningServer> server;  // stopped when the last holder lets it go
};

struct CellEnvironment {
  const ExperimentConfig* config = nullptr;
  std::string run_id;
  std::string log_dir;   // the server's output goes to <log_dir>/<cell slug>.log
  std::string work_dir;  // derived model repositories and other scratch files
  std::string binary_dir;
  std::string source_dir;
  std::vector<int> server_cpus;     // the server's CPU set when its config names none
  std::vector<int> generator_cpus;  // the load generator's (empty: not pinned)
  const std::atomic<bool>* interrupt = nullptr;
  // Told what the cell is doing ("level 16 (3/4)"), for the progress line. May be empty.
  std::function<void(const std::string&)> status;
  // Shared by the cells of a run, in turn (may be null). Cells put the requests they learn; a
  // cold-start cell that finds its own skips the extra server start that would learn it.
  LearnedInferCalls* learned_calls = nullptr;
  // Shared by the cells of a run, in turn (may be null: every cell starts and stops its own
  // servers). The cell after this one, if any: a cell leaves its server here when that cell
  // can take it.
  ServerLeftRunning* left_running = nullptr;
  const Cell* next_cell = nullptr;
};

// The outcome of RunCell: the record, and whether the user interrupted it (then the record is
// incomplete and must not be journaled).
struct CellOutcome {
  CellRecord record;
  bool interrupted = false;
};

CellOutcome RunCell(const Cell& cell, const CellEnvironment& env);

// "cold_start" | "concurrency_sweep" | "rate_sweep" | "accuracy": the record's scenario_kind.
const char* ScenarioKindName(const Scenario& scenario);

// "digits-mlp/torchscript/concurrency" -> "digits-mlp_torchscript_concurrency": a file name.
std::string CellSlug(const std::string& cell_id);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_CELL_RUNNER_H_
