// Copyright servebench authors.

#include "servebench/bench/runner.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <set>

#include "servebench/bench/cell_runner.h"
#include "servebench/bench/cell_summary.h"
#include "servebench/bench/config.h"
#include "servebench/bench/cpu_plan.h"
#include "servebench/bench/environment.h"
#include "servebench/bench/journal.h"
#include "servebench/bench/level_verdict.h"
#include "servebench/bench/matrix.h"
#include "servebench/bench/progress_line.h"
#include "servebench/bench/results_store.h"
#include "servebench/bench/run_journal.h"
#include "servebench/bench/run_steps.h"
#include "servebench/bench/slurm_submit.h"
#include "servebench/core/clock.h"
#include "servebench/core/file.h"
#include "servebench/core/version.h"
#include "servebench/core/wall_time.h"
#include "servebench/report/result_writer.h"

namespace servebench {

namespace fs = std::filesystem;

namespace {

// "20261127-013000-ab12": sortable by start time, unique enough for one output folder.
std::string NewRunId() {
  std::random_device random;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", random() & 0xffff);
  return UtcNowCompact() + "-" + suffix;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The models of the default zoo that `cells` use and its repository does not hold yet: zoo.json
// does not list them, or their card is gone, or a TF Serving cell needs the SavedModel that
// models/prepare.py only exports when asked (it takes TensorFlow's import). prepare.py lists a
// model only once it is in place whole, so a preparation stopped half way leaves it unlisted.
std::vector<std::string> ZooModelsToPrepare(const std::vector<Cell>& cells,
                                            const std::string& repository, bool* savedmodels) {
  *savedmodels = false;
  std::set<std::string> listed;
  std::string text, ignored;
  if (ReadWholeFile((fs::path(repository) / "zoo.json").string(), &text, &ignored)) {
    const nlohmann::json index = nlohmann::json::parse(text, nullptr, false);
    if (index.is_object() && index.contains("models") && index["models"].is_object()) {
      for (const auto& [name, entry] : index["models"].items()) listed.insert(name);
    }
  }
  std::vector<std::string> missing;
  for (const Cell& cell : cells) {
    const std::string& name = cell.variant.name;
    if (cell.variant.repository != repository ||
        std::find(missing.begin(), missing.end(), name) != missing.end()) {
      continue;
    }
    const fs::path dir = fs::path(repository) / name;
    if (!listed.count(name) || !fs::exists(dir / "card.json") ||
        (cell.server.kind == "tfserving" &&
         !fs::exists(dir / "1" / "model.savedmodel" / "saved_model.pb"))) {
      missing.push_back(name);
    }
  }
  for (const Cell& cell : cells) {
    if (cell.server.kind == "tfserving" &&
        std::find(missing.begin(), missing.end(), cell.variant.name) != missing.end()) {
      *savedmodels = true;
    }
  }
  return missing;
}

// Runs models/prepare.py for `models` (and their families' base models) into the default
// repository, which keeps the rest of what it holds; its output goes to `err`'s terminal.
bool PrepareZoo(const std::string& source_dir, const std::string& repository,
                const std::vector<std::string>& models, bool savedmodels, std::ostream& err,
                std::string* error) {
  const std::string script = (fs::path(source_dir) / "models" / "prepare.py").string();
  if (!fs::exists(script)) {
    *error = "cannot prepare the model zoo: " + script + " not found";
    return false;
  }
  std::string names;
  for (const std::string& model : models) names += (names.empty() ? "" : ",") + model;
  err << "preparing " << names << " in the model zoo at " << repository
      << " (once: later runs reuse them)\n"
      << std::flush;
  const std::string command = "/usr/bin/python3 " + ShellQuote(script) + " --out " +
                              ShellQuote(repository) + " --models " + ShellQuote(names) +
                              (savedmodels ? "" : " --no-savedmodels") + " 1>&2";
  const int status = std::system(command.c_str());
  if (status != 0) {
    *error = "preparing the model zoo failed (" + command + " exited with " +
             std::to_string(WEXITSTATUS(status)) + ")";
    return false;
  }
  return true;
}

}  // namespace

bool WriteOutputs(const RunState& state, std::ostream& err) {
  bool ok = true;
  for (const auto& writer : AllResultWriters()) {
    std::string error;
    if (!writer->Write(state.run, state.environment, state.cells, state.run_dir, &error)) {
      err << "servebench: cannot write " << writer->file_name() << ": " << error << "\n";
      ok = false;
    }
  }
  return ok;
}

bool LoadExperiment(const RunOptions& o, RunState* resumed, Experiment* e, std::string* error) {
  e->quick = o.quick;
  e->filter = o.filter;
  e->repeat = o.repeat;
  if (!o.resume_dir.empty()) {
    if (!ReadRunJournal(o.resume_dir, resumed, error)) {
      *error = "--resume: " + *error;
      return false;
    }
    const RunRecord& run = resumed->run;
    e->quick = run.quick;
    e->filter = run.filter;
    e->repeat = run.repeat.value_or(0);
    if (!ParseConfig(run.config, run.config_source, run.config_base_dir, &e->config, error)) {
      *error = "--resume: " + *error;
      return false;
    }
  } else if (o.config_path.empty()) {
    if (!ParseConfig(DefaultConfigYaml(), "<embedded default>", fs::current_path().string(),
                     &e->config, error)) {
      return false;
    }
  } else if (!LoadConfigFile(o.config_path, &e->config, error)) {
    return false;
  }
  if (e->quick) ApplyQuick(&e->config);
  if (e->repeat > 0) ApplyRepeat(e->repeat, &e->config);
  if (!o.out_dir.empty()) e->config.output.directory = o.out_dir;
  if (!ExpandMatrix(e->config, e->filter, &e->cells, error)) {
    *error = "--filter: " + *error;
    return false;
  }
  return true;
}

namespace {

// Step 2: what the cells need before any runs: the models of the default model zoo that they use
// (prepared on first use, only those: --quick and --filter prepare less), the servers' programs
// and the models.
bool PrepareInputs(const RunOptions& o, const Experiment& e, std::ostream& err,
                   std::string* error) {
  if (e.config.models.repository.empty()) {
    const std::string repository = DefaultModelRepository();
    bool savedmodels = false;
    const std::vector<std::string> missing = ZooModelsToPrepare(e.cells, repository, &savedmodels);
    if (!missing.empty() &&
        !PrepareZoo(o.source_dir, repository, missing, savedmodels, err, error)) {
      return false;
    }
  }
  return ValidateEnvironment(e.config, o.binary_dir, o.source_dir, error);
}

// The run record of a new run of `e`.
bool NewRunRecord(const RunOptions& o, const Experiment& e, RunRecord* run, std::string* error) {
  // The experiment's text goes into the run record, so that --resume runs the same one.
  run->config = DefaultConfigYaml();
  if (!o.config_path.empty() && !ReadWholeFile(o.config_path, &run->config, error)) return false;
  const ExperimentConfig& config = e.config;
  run->run_id = NewRunId();
  run->name = config.name;
  run->config_source = config.source;
  run->config_base_dir = o.config_path.empty() ? fs::current_path().string()
                                               : fs::absolute(o.config_path).parent_path().string();
  run->started_at = UtcNowIso8601();
  run->servebench_version = kServebenchVersion;
  run->quick = e.quick;
  run->filter = e.filter;
  run->repeat = e.repeat > 0 ? std::optional<int>(e.repeat) : std::nullopt;
  run->slo = ToRecord(config.slo.global, "global");
  run->cost = {config.cost.hourly_price, config.cost.hourly_price_per_core, config.cost.currency};
  run->accuracy_floor = config.report.accuracy_floor;
  return true;
}

}  // namespace

bool OpenRunFolder(const RunOptions& o, const Experiment& e, OpenRun* run, std::string* error) {
  const bool resuming = !o.resume_dir.empty();
  RunState& state = run->state;
  if (!resuming) {
    if (!NewRunRecord(o, e, &state.run, error)) return false;
    state.run_dir = (fs::path(e.config.output.directory) / state.run.run_id).string();
  }
  std::error_code ec;
  run->log_dir = (fs::path(state.run_dir) / "logs").string();
  run->work_dir = (fs::path(state.run_dir) / "work").string();
  fs::create_directories(run->log_dir, ec);
  fs::create_directories(run->work_dir, ec);
  if (ec) {
    *error = "cannot create " + run->log_dir + ": " + ec.message();
    return false;
  }
  if (!Journal::Open(state.run_dir, &run->journal, error)) return false;
  if (!resuming) {
    state.environment = CollectEnvironment();
    if (!run->journal.Append(state.run.ToJson(), error) ||
        !run->journal.Append(EnvironmentJournalRecord(state.environment), error)) {
      return false;
    }
  }
  run->store = ResultsStore::Open((fs::path(state.run_dir) / "results.db").string(), error);
  if (!run->store || !run->store->PutRun(state.run, state.environment, error)) {
    *error = "results.db: " + *error;
    return false;
  }
  // The journal is the record of what finished: a run killed between journaling a cell and
  // storing it left the database one cell short, so a resumed run stores them all again.
  for (const CellRecord& cell : state.cells) {
    if (!run->store->PutCell(cell, error)) {
      *error = "results.db: " + *error;
      return false;
    }
  }
  return true;
}

namespace {

enum class CellsOutcome { kFinished, kInterrupted, kNotRecorded };

// Step 4: measures every cell the run has not finished yet, journaling and storing each before
// the next.
CellsOutcome RunCells(const RunOptions& o, const Experiment& e, OpenRun* run, std::ostream& err) {
  RunState& state = run->state;
  std::string error;
  const CpuPlan cpus = PlanCpus(e.config);
  if (!PinThisThread(cpus.generator, &error)) err << "servebench run: " << error << "\n";

  std::vector<Cell> todo;
  for (const Cell& c : e.cells) {
    if (!state.ok_cells.count(c.id)) todo.push_back(c);
  }
  const std::vector<double> estimates = EstimateEachCellSeconds(e.config, todo);
  const double estimate = std::accumulate(estimates.begin(), estimates.end(), 0.0);
  err << "servebench run " << state.run.run_id << ": " << todo.size() << " cells"
      << (o.resume_dir.empty() ? "" : " left") << " (estimated " << FormatDuration(estimate)
      << "), results in " << state.run_dir << "\n";

  ProgressLine progress(err, todo, estimates);
  CellEnvironment env;
  env.config = &e.config;
  env.run_id = state.run.run_id;
  env.log_dir = run->log_dir;
  env.work_dir = run->work_dir;
  env.binary_dir = o.binary_dir;
  env.source_dir = o.source_dir;
  env.server_cpus = cpus.server;
  env.generator_cpus = cpus.generator;
  env.interrupt = o.interrupt;
  env.status = [&progress](const std::string& s) { progress.Status(s); };
  LearnedInferCalls learned_calls;
  env.learned_calls = &learned_calls;
  // A server a cell left running for the next cell: every way out of this function stops it.
  ServerLeftRunning left_running;
  env.left_running = &left_running;

  CellsOutcome result = CellsOutcome::kFinished;
  for (size_t i = 0; i < todo.size(); ++i) {
    const Cell& cell = todo[i];
    if (o.interrupt != nullptr && o.interrupt->load()) {
      result = CellsOutcome::kInterrupted;
      break;
    }
    progress.StartCell(cell);
    env.next_cell = i + 1 < todo.size() ? &todo[i + 1] : nullptr;
    CellOutcome outcome = RunCell(cell, env);
    // An interrupted cell is journaled too (status "interrupted"), so that the run folder says
    // where it stopped; --resume measures it again.
    const std::string db = (fs::path(state.run_dir) / "results.db").string();
    const bool journaled = run->journal.Append(outcome.record.ToJson(), &error);
    if (!journaled || !run->store->PutCell(outcome.record, &error)) {
      progress.Clear();
      err << "servebench run: cannot record " << cell.id << " in "
          << (journaled ? db : Journal::PathIn(state.run_dir)) << ": " << error << "\n"
          << "The journal keeps every cell finished before it. Once the cause is fixed (a full "
             "disk: free space), go on with:\n  servebench run --resume "
          << state.run_dir << "\n";
      return CellsOutcome::kNotRecorded;
    }
    state.KeepCell(outcome.record);
    if (outcome.interrupted) {
      result = CellsOutcome::kInterrupted;
      break;
    }
    progress.FinishCell(outcome.record);
  }
  left_running.server.reset();  // the last cell's, if it left one
  progress.Clear();
  return result;
}

}  // namespace

int FinishRun(bool interrupted, OpenRun* run, std::ostream& out, std::ostream& err) {
  RunState& state = run->state;
  std::string error;
  bool written = true;
  if (!interrupted) {
    state.run.finished_at = UtcNowIso8601();
    if (!run->store->PutRun(state.run, state.environment, &error)) {
      err << "servebench run: results.db: " << error << "\n";
      written = false;
    }
  }
  written = WriteOutputs(state, err) && written;

  out << "\n" << FormatTerminalSummary(state.run, state.cells) << "\n";
  int failed = 0;
  for (const CellRecord& c : state.cells) failed += c.ok() ? 0 : 1;
  if (written) {
    out << "results: " << state.run_dir
        << "/report.html, summary.md, results.json, results.csv, results.db\n";
  }
  if (interrupted) {
    err << "servebench run: interrupted; the finished cells are kept. Go on with:\n"
        << "  servebench run --resume " << state.run_dir << "\n";
    return kRunInterrupted;
  }
  if (!written) {
    err << "servebench run: the results are incomplete; the journal keeps every finished cell. "
        << "Write them again with:\n  servebench report " << state.run_dir << "\n";
    return kRunOutputFailed;
  }
  if (failed > 0) {
    err << "servebench run: " << failed << " cell" << (failed == 1 ? "" : "s")
        << " failed; see summary.md and " << run->log_dir << "\n";
    return kRunCellsFailed;
  }
  return kRunOk;
}

bool ReadRunFolder(const std::string& run_dir, RunState* state, std::string* error) {
  if (!ReadRunJournal(run_dir, state, error)) return false;
  // Summaries are derived from the levels: computed anew, they follow the current definitions.
  CostSettings cost;
  cost.hourly_price = state->run.cost.hourly_price;
  cost.hourly_price_per_core = state->run.cost.hourly_price_per_core;
  for (CellRecord& cell : state->cells) {
    const int cores = static_cast<int>(std::max<size_t>(1, cell.server_cpus.size()));
    cell.summary = SummarizeCell(cell, HourlyPrice(cost, cores));
  }
  return true;
}

int ReportRun(const std::string& run_dir, std::ostream& out, std::ostream& err) {
  RunState state;
  std::string error;
  if (!ReadRunFolder(run_dir, &state, &error)) {
    err << "servebench report: " << error << "\n";
    return kRunBadInput;
  }
  if (!WriteOutputs(state, err)) return kRunOutputFailed;
  out << FormatTerminalSummary(state.run, state.cells) << "\n";
  out << "results: " << run_dir << "/report.html, summary.md, results.json, results.csv\n";
  return kRunOk;
}

void ApplyQuick(ExperimentConfig* config) {
  // The first two variants, or only the first when two would make more than six (variant,
  // server) pairs: every pair starts its servers a few times, which a smoke run pays for.
  const size_t servers = std::max<size_t>(1, config->servers.size());
  const size_t variants = std::clamp<size_t>(6 / servers, 1, 2);
  if (config->models.variants.size() > variants) config->models.variants.resize(variants);
  for (Scenario& s : config->scenarios) {
    s.repeats = std::min(s.repeats, 1);
    if (s.concurrency.size() > 2) s.concurrency = {s.concurrency.front(), s.concurrency.back()};
    if (s.rates.size() > 3) s.rates = {s.rates[0], s.rates[s.rates.size() / 2], s.rates.back()};
    if (s.saturate) {
      s.tolerance = std::max(s.tolerance, kQuickTolerance);
      s.max_levels = std::min(s.max_levels, 6);
    }
  }
  MeasurementSettings& m = config->measurement;
  m.warmup_ns = std::min<int64_t>(m.warmup_ns, 250 * kNanosPerMilli);
  m.window_ns = std::min<int64_t>(m.window_ns, 250 * kNanosPerMilli);
  m.min_duration_ns = std::min<int64_t>(m.min_duration_ns, 750 * kNanosPerMilli);
  m.min_requests = std::min<int64_t>(m.min_requests, 50);
  m.max_duration_ns = std::min<int64_t>(m.max_duration_ns, 2 * kNanosPerSecond);
}

void ApplyRepeat(int repeat, ExperimentConfig* config) {
  for (Scenario& s : config->scenarios) s.repeats = repeat;
}

int RunExperiment(const RunOptions& options, std::ostream& out, std::ostream& err) {
  std::string error;
  OpenRun run;
  Experiment experiment;
  if (!LoadExperiment(options, &run.state, &experiment, &error)) {
    err << "servebench run: " << error << "\n";
    return kRunBadInput;
  }
  if (options.dry_run) {
    out << FormatPlan(experiment.config, experiment.cells) << std::flush;
    return kRunOk;
  }
  if (!PrepareInputs(options, experiment, err, &error) ||
      !OpenRunFolder(options, experiment, &run, &error)) {
    err << "servebench run: " << error << "\n";
    return kRunBadInput;
  }
  if (options.slurm.enabled) return SubmitToSlurm(options, experiment, &run, out, err);
  const CellsOutcome outcome = RunCells(options, experiment, &run, err);
  if (outcome == CellsOutcome::kNotRecorded) return kRunOutputFailed;
  return FinishRun(outcome == CellsOutcome::kInterrupted, &run, out, err);
}

}  // namespace servebench
