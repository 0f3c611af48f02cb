// Copyright servebench authors.

#include "servebench/bench/runner.h"

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>

#include "servebench/bench/cell_runner.h"
#include "servebench/bench/cell_summary.h"
#include "servebench/bench/config.h"
#include "servebench/bench/environment.h"
#include "servebench/bench/journal.h"
#include "servebench/bench/matrix.h"
#include "servebench/bench/results_store.h"
#include "servebench/core/clock.h"
#include "servebench/core/file.h"
#include "servebench/core/wall_time.h"
#include "servebench/report/result_writer.h"

namespace servebench {

namespace fs = std::filesystem;
using nlohmann::json;

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

std::string FormatSeconds(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  char text[32];
  if (s >= 60) {
    std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(text, sizeof text, "%lds", s);
  }
  return text;
}

// The servers' and the generator's cores. Without configured sets the machine is split in two
// (on 2 cores: server on core 1, generator on core 0), so that they never fight for a core.
struct CpuPlan {
  std::vector<int> server;
  std::vector<int> generator;
};

CpuPlan PlanCpus(const ExperimentConfig& config) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
    }
  }
  CpuPlan plan;
  if (cpus.size() >= 2) {
    const size_t half = cpus.size() / 2;
    plan.generator.assign(cpus.begin(), cpus.begin() + half);
    plan.server.assign(cpus.begin() + half, cpus.end());
  }
  if (!config.generator.cpus.empty()) plan.generator = config.generator.cpus;
  return plan;
}

bool PinThisThread(const std::vector<int>& cpus, std::string* error) {
  if (cpus.empty()) return true;
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus) CPU_SET(c, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    *error = std::string("cannot pin the load generator: ") + std::strerror(errno);
    return false;
  }
  return true;
}

// One line that shows where the run is: the cell, done/total and an ETA from the estimates of
// the cells left, scaled by how the finished cells compared with their estimates.
class ProgressLine {
 public:
  ProgressLine(std::ostream& err, const ExperimentConfig& config, const std::vector<Cell>& todo)
      : err_(err), config_(config), tty_(isatty(STDERR_FILENO)), total_(todo.size()) {
    for (const Cell& c : todo) remaining_estimate_ += EstimateCellSeconds(config, c);
    start_ns_ = MonotonicNanos();
  }

  void StartCell(const Cell& cell) {
    cell_ = &cell;
    cell_start_ns_ = MonotonicNanos();
    cell_estimate_ = EstimateCellSeconds(config_, cell);
    status_.clear();
    if (!tty_) err_ << Prefix() << cell.id << "\n" << std::flush;
    Draw();
  }

  void Status(const std::string& status) {
    status_ = status;
    Draw();
  }

  void FinishCell(const json& record) {
    const std::string prefix = Prefix();
    ++done_;
    const double took = (MonotonicNanos() - cell_start_ns_) / 1e9;
    estimated_done_ += cell_estimate_;
    actual_done_ += took;
    remaining_estimate_ -= cell_estimate_;
    std::string line =
        prefix + cell_->id + ": " + record.value("status", "?") + " in " + FormatSeconds(took);
    if (record.value("status", "") != "ok" && record["failure"].is_object()) {
      line += " (" + record["failure"].value("message", "") + ")";
    }
    if (tty_) err_ << "\r\033[K";
    err_ << line << "\n" << std::flush;
  }

  void Clear() {
    if (tty_) err_ << "\r\033[K" << std::flush;
  }

 private:
  std::string Prefix() const {
    char text[48];  // snprintf: GCC 12 warns falsely (-Wrestrict) on chains of string +
    std::snprintf(text, sizeof text, "[%zu/%zu] ", std::min(done_ + 1, total_), total_);
    return text;
  }

  void Draw() {
    if (!tty_ || cell_ == nullptr) return;
    const double elapsed = (MonotonicNanos() - start_ns_) / 1e9;
    const double scale = estimated_done_ > 0 ? actual_done_ / estimated_done_ : 1.0;
    const double in_cell = (MonotonicNanos() - cell_start_ns_) / 1e9;
    const double eta = std::max(0.0, remaining_estimate_ * scale - in_cell);
    err_ << "\r\033[K" << Prefix() << cell_->id << (status_.empty() ? "" : ": " + status_)
         << "  elapsed " << FormatSeconds(elapsed) << ", ETA " << FormatSeconds(eta) << std::flush;
  }

  std::ostream& err_;
  const ExperimentConfig& config_;
  const bool tty_;
  const size_t total_;
  size_t done_ = 0;
  const Cell* cell_ = nullptr;
  std::string status_;
  int64_t start_ns_ = 0;
  int64_t cell_start_ns_ = 0;
  double cell_estimate_ = 0;
  double remaining_estimate_ = 0;
  double estimated_done_ = 0;
  double actual_done_ = 0;
};

// Runs models/prepare.py into the default repository; its output goes to `err`'s terminal.
bool PrepareZoo(const std::string& source_dir, const std::string& repository, bool quick,
                std::ostream& err, std::string* error) {
  const std::string script = (fs::path(source_dir) / "models" / "prepare.py").string();
  if (!fs::exists(script)) {
    *error = "cannot prepare the model zoo: " + script + " not found";
    return false;
  }
  err << "preparing the model zoo in " << repository
      << " (first run only; several minutes on 2 cores)\n"
      << std::flush;
  const std::string command = "/usr/bin/python3 " + ShellQuote(script) + " --out " +
                              ShellQuote(repository) + (quick ? " --quick" : "") + " 1>&2";
  const int status = std::system(command.c_str());
  if (status != 0) {
    *error = "preparing the model zoo failed (" + command + " exited with " +
             std::to_string(WEXITSTATUS(status)) + ")";
    return false;
  }
  return true;
}

struct RunState {
  std::string run_dir;
  json run;                 // the run record
  json environment;         // the machine it ran on (journaled after the run record)
  std::vector<json> cells;  // finished cell records, latest per cell id
  std::set<std::string> ok_cells;
};

void KeepCell(RunState* state, const json& record) {
  const std::string id = record.value("cell_id", "");
  auto same = [&](const json& r) { return r.value("cell_id", "") == id; };
  state->cells.erase(std::remove_if(state->cells.begin(), state->cells.end(), same),
                     state->cells.end());
  state->cells.push_back(record);
  if (record.value("status", "") == "ok") state->ok_cells.insert(id);
}

bool ReadResumeState(const std::string& run_dir, RunState* state, std::string* error) {
  std::vector<json> records;
  if (!Journal::Read(run_dir, &records, error)) return false;
  state->run_dir = run_dir;
  for (const json& r : records) {
    if (r.value("record", "") == "run") {
      state->run = r;
    } else if (r.value("record", "") == "environment") {
      state->environment = r["environment"];
    } else if (r.value("record", "") == "cell") {
      KeepCell(state, r);
    }
  }
  if (!state->run.is_object()) {
    *error = run_dir + "/journal.jsonl holds no run record: not a servebench run folder";
    return false;
  }
  return true;
}

// Writes results.json, results.csv and summary.md; false when one could not be written.
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

}  // namespace

int ReportRun(const std::string& run_dir, std::ostream& out, std::ostream& err) {
  RunState state;
  std::string error;
  if (!ReadResumeState(run_dir, &state, &error)) {
    err << "servebench report: " << error << "\n";
    return kRunBadInput;
  }
  // Summaries are derived from the levels: computed anew, they follow the current definitions.
  CostSettings cost;
  if (state.run.contains("cost") && state.run["cost"].is_object()) {
    cost.hourly_price = state.run["cost"].value("hourly_price", 0.0);
    cost.hourly_price_per_core = state.run["cost"].value("hourly_price_per_core", 0.0);
  }
  for (json& cell : state.cells) {
    const size_t cores = cell.contains("server_cpus") ? cell["server_cpus"].size() : 0;
    cell["summary"] =
        SummarizeCell(cell, HourlyPrice(cost, static_cast<int>(std::max<size_t>(1, cores))));
  }
  if (!WriteOutputs(state, err)) return kRunOutputFailed;
  out << FormatTerminalSummary(state.run, state.cells) << "\n";
  out << "results: " << run_dir << "/summary.md, results.json, results.csv\n";
  return kRunOk;
}

void ApplyQuick(ExperimentConfig* config) {
  if (config->models.variants.size() > 2) config->models.variants.resize(2);
  for (Scenario& s : config->scenarios) {
    s.repeats = std::min(s.repeats, 1);
    if (s.concurrency.size() > 2) s.concurrency = {s.concurrency.front(), s.concurrency.back()};
    if (s.rates.size() > 3) s.rates = {s.rates[0], s.rates[s.rates.size() / 2], s.rates.back()};
    s.max_levels = std::min(s.max_levels, 3);
  }
  MeasurementSettings& m = config->measurement;
  m.warmup_ns = std::min<int64_t>(m.warmup_ns, 250 * kNanosPerMilli);
  m.window_ns = std::min<int64_t>(m.window_ns, 250 * kNanosPerMilli);
  m.min_duration_ns = std::min<int64_t>(m.min_duration_ns, 750 * kNanosPerMilli);
  m.min_requests = std::min<int64_t>(m.min_requests, 50);
  m.max_duration_ns = std::min<int64_t>(m.max_duration_ns, 2 * kNanosPerSecond);
}

int RunExperiment(const RunOptions& options, std::ostream& out, std::ostream& err) {
  std::string error;
  RunState state;
  const bool resuming = !options.resume_dir.empty();
  RunOptions o = options;

  // The experiment: a file, the embedded default, or the one of the run being resumed.
  ExperimentConfig config;
  if (resuming) {
    if (!ReadResumeState(o.resume_dir, &state, &error)) {
      err << "servebench run: --resume: " << error << "\n";
      return kRunBadInput;
    }
    o.quick = state.run.value("quick", false);
    o.filter = state.run.value("filter", "");
    if (!ParseConfig(state.run.value("config", ""), state.run.value("config_source", ""),
                     state.run.value("config_base_dir", "."), &config, &error)) {
      err << "servebench run: --resume: " << error << "\n";
      return kRunBadInput;
    }
  } else if (o.config_path.empty()) {
    if (!ParseConfig(DefaultConfigYaml(), "<embedded default>", fs::current_path().string(),
                     &config, &error)) {
      err << "servebench run: " << error << "\n";
      return kRunBadInput;
    }
  } else if (!LoadConfigFile(o.config_path, &config, &error)) {
    err << "servebench run: " << error << "\n";
    return kRunBadInput;
  }
  if (o.quick) ApplyQuick(&config);
  if (!o.out_dir.empty()) config.output.directory = o.out_dir;

  std::vector<Cell> cells;
  if (!ExpandMatrix(config, o.filter, &cells, &error)) {
    err << "servebench run: --filter: " << error << "\n";
    return kRunBadInput;
  }
  if (o.dry_run) {
    out << FormatPlan(config, cells) << std::flush;
    return kRunOk;
  }

  // The default zoo is prepared on first use.
  if (config.models.repository.empty()) {
    const std::string repository = DefaultModelRepository();
    if (!fs::exists(fs::path(repository) / "zoo.json")) {
      if (!PrepareZoo(o.source_dir, repository, /*quick=*/false, err, &error)) {
        err << "servebench run: " << error << "\n";
        return kRunBadInput;
      }
    }
  }
  if (!ValidateEnvironment(config, o.binary_dir, o.source_dir, &error)) {
    err << "servebench run: " << error << "\n";
    return kRunBadInput;
  }

  // The run folder, its journal and its database.
  if (!resuming) {
    const std::string run_id = NewRunId();
    state.run_dir = (fs::path(config.output.directory) / run_id).string();
    // The experiment's text goes into the run record, so that --resume runs the same one.
    std::string config_text = DefaultConfigYaml();
    if (!o.config_path.empty() && !ReadWholeFile(o.config_path, &config_text, &error)) {
      err << "servebench run: " << error << "\n";
      return kRunBadInput;
    }
    state.run = {
        {"record", "run"},
        {"run_id", run_id},
        {"name", config.name},
        {"config_source", config.source},
        {"config_base_dir", o.config_path.empty()
                                ? fs::current_path().string()
                                : fs::absolute(o.config_path).parent_path().string()},
        {"config", config_text},
        {"started_at", UtcNowIso8601()},
        {"finished_at", nullptr},
        {"servebench_version", "0.1.0"},
        {"quick", o.quick},
        {"filter", o.filter},
        {"slo", {{"percentile", config.slo.percentile}, {"bound_us", config.slo.bound_ns / 1e3}}},
        {"cost",
         {{"hourly_price", config.cost.hourly_price},
          {"hourly_price_per_core", config.cost.hourly_price_per_core},
          {"currency", config.cost.currency}}}};
  }
  std::error_code ec;
  const std::string log_dir = (fs::path(state.run_dir) / "logs").string();
  const std::string work_dir = (fs::path(state.run_dir) / "work").string();
  fs::create_directories(log_dir, ec);
  fs::create_directories(work_dir, ec);
  if (ec) {
    err << "servebench run: cannot create " << log_dir << ": " << ec.message() << "\n";
    return kRunBadInput;
  }
  Journal journal;
  if (!Journal::Open(state.run_dir, &journal, &error) ||
      (!resuming && !journal.Append(state.run, &error))) {
    err << "servebench run: " << error << "\n";
    return kRunBadInput;
  }
  if (!resuming) {
    state.environment = CollectEnvironment();
    if (!journal.Append({{"record", "environment"}, {"environment", state.environment}}, &error)) {
      err << "servebench run: " << error << "\n";
      return kRunBadInput;
    }
  }
  std::unique_ptr<ResultsStore> store =
      ResultsStore::Open((fs::path(state.run_dir) / "results.db").string(), &error);
  const json& environment = state.environment;
  if (!store || !store->PutRun(state.run, environment, &error)) {
    err << "servebench run: results.db: " << error << "\n";
    return kRunBadInput;
  }
  // The journal is the record of what finished: a run killed between journaling a cell and
  // storing it left the database one cell short, so a resumed run stores them all again.
  for (const json& cell : state.cells) {
    if (!store->PutCell(cell, &error)) {
      err << "servebench run: results.db: " << error << "\n";
      return kRunBadInput;
    }
  }

  const CpuPlan cpus = PlanCpus(config);
  if (!PinThisThread(cpus.generator, &error)) err << "servebench run: " << error << "\n";

  std::vector<Cell> todo;
  for (const Cell& c : cells) {
    if (!state.ok_cells.count(c.id)) todo.push_back(c);
  }
  err << "servebench run " << state.run.value("run_id", "") << ": " << todo.size() << " cells"
      << (resuming ? " left" : "") << " (estimated " << FormatSeconds([&] {
           double s = 0;
           for (const Cell& c : todo) s += EstimateCellSeconds(config, c);
           return s;
         }())
      << "), results in " << state.run_dir << "\n";

  ProgressLine progress(err, config, todo);
  CellEnvironment env;
  env.config = &config;
  env.run_id = state.run.value("run_id", "");
  env.log_dir = log_dir;
  env.work_dir = work_dir;
  env.binary_dir = o.binary_dir;
  env.source_dir = o.source_dir;
  env.server_cpus = cpus.server;
  env.interrupt = o.interrupt;
  env.status = [&progress](const std::string& s) { progress.Status(s); };

  bool interrupted = false;
  for (const Cell& cell : todo) {
    if (o.interrupt != nullptr && o.interrupt->load()) {
      interrupted = true;
      break;
    }
    progress.StartCell(cell);
    CellOutcome outcome = RunCell(cell, env);
    if (outcome.interrupted) {
      interrupted = true;
      break;
    }
    if (!journal.Append(outcome.record, &error) || !store->PutCell(outcome.record, &error)) {
      progress.Clear();
      err << "servebench run: cannot record " << cell.id << ": " << error << "\n";
      return kRunBadInput;
    }
    KeepCell(&state, outcome.record);
    progress.FinishCell(outcome.record);
  }
  progress.Clear();

  bool written = true;
  if (!interrupted) {
    state.run["finished_at"] = UtcNowIso8601();
    if (!store->PutRun(state.run, environment, &error)) {
      err << "servebench run: results.db: " << error << "\n";
      written = false;
    }
  }
  written = WriteOutputs(state, err) && written;

  out << "\n" << FormatTerminalSummary(state.run, state.cells) << "\n";
  int failed = 0;
  for (const json& c : state.cells) failed += c.value("status", "") != "ok";
  if (written) {
    out << "results: " << state.run_dir << "/summary.md, results.json, results.csv, results.db\n";
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
        << " failed; see summary.md and " << log_dir << "\n";
    return kRunCellsFailed;
  }
  return kRunOk;
}

}  // namespace servebench
