// Copyright servebench authors.

#include "servebench/bench/cell_runner.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>

#include "servebench/bench/accuracy_pass.h"
#include "servebench/bench/cell_summary.h"
#include "servebench/bench/concurrency_search.h"
#include "servebench/bench/generator_group.h"
#include "servebench/bench/level_verdict.h"
#include "servebench/bench/matrix.h"
#include "servebench/bench/server_observation.h"
#include "servebench/bench/slo_search.h"
#include "servebench/bench/slurm_scheduler.h"
#include "servebench/bench/stability_rule.h"
#include "servebench/core/clock.h"
#include "servebench/core/early_stopping.h"
#include "servebench/core/file.h"
#include "servebench/core/wall_time.h"
#include "servebench/lifecycle/cold_start.h"
#include "servebench/lifecycle/server_process.h"
#include "servebench/load/load_engine.h"
#include "servebench/load/load_scenario.h"
#include "servebench/protocols/http_client.h"
#include "servebench/protocols/protocol_adapter.h"
#include "servebench/systems/serving_system.h"

namespace servebench {

namespace fs = std::filesystem;
using nlohmann::json;

// A server started for a cell, stopped when this goes out of scope.
class RunningServer {
 public:
  RunningServer(const LaunchPlan& plan, std::unique_ptr<ServerProcess> process, int64_t grace_ns)
      : plan_(plan), process_(std::move(process)), grace_ns_(grace_ns) {}
  ~RunningServer() {
    if (process_) process_->Stop(grace_ns_);
  }
  const LaunchPlan& plan() const { return plan_; }
  ServerProcess* process() { return process_.get(); }  // null for an external server
  bool Alive() { return !process_ || process_->Alive(); }

 private:
  LaunchPlan plan_;
  std::unique_ptr<ServerProcess> process_;
  int64_t grace_ns_;
};

namespace {

// Connections an open-loop level keeps: enough that the pool is not what limits a server that
// keeps up, few enough not to swamp one that does not (its requests then wait, and the wait is
// in their latency).
constexpr int kOpenLoopConnections = 64;
// How often a started server is asked whether its model is ready.
constexpr int64_t kModelReadyPollNs = 5 * kNanosPerMilli;

// The model's card.json, or null: a model without a card has nothing to show beside its numbers.
json ReadCard(const ModelVariant& variant) {
  std::string text, ignored;
  if (!ReadWholeFile((fs::path(variant.repository) / variant.name / "card.json").string(), &text,
                     &ignored)) {
    return nullptr;
  }
  json card = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return card.is_discarded() ? json(nullptr) : card;
}

// The SLO search's outcome of a level judged by JudgeLevel.
ProbeOutcome OutcomeOf(const LevelRecord& level) {
  if (level.slo_verdict == "met") return ProbeOutcome::kMet;
  if (level.slo_verdict == "not_met") return ProbeOutcome::kNotMet;
  return ProbeOutcome::kInconclusive;
}

// The request an earlier cell of the run learned for this cell's server and variant, or null.
const HttpCall* FindLearnedCall(const CellEnvironment& env, const Cell& cell) {
  if (env.learned_calls == nullptr) return nullptr;
  const auto it = env.learned_calls->find({cell.server.name, cell.variant.name});
  return it == env.learned_calls->end() ? nullptr : &it->second;
}

// "repeat 2/3: " when the cell is measured more than once.
std::string RepeatPrefix(int repeat, int repeats) {
  if (repeats <= 1) return "";
  return "repeat " + std::to_string(repeat + 1) + "/" + std::to_string(repeats) + ": ";
}

class CellRun {
 public:
  CellRun(const Cell& cell, const CellEnvironment& env)
      : cell_(cell),
        env_(env),
        config_(*env.config),
        slug_(CellSlug(cell.id)),
        log_path_((fs::path(env.log_dir) / (slug_ + ".log")).string()),
        work_dir_((fs::path(env.work_dir) / slug_).string()),
        cpus_(cell.server.cpus.empty() ? env.server_cpus : cell.server.cpus),
        context_{env.binary_dir, env.source_dir} {}

  CellOutcome Run();

 private:
  bool Failed(const std::string& message, ServerProcess* process);
  void Status(const std::string& text) {
    if (env_.status) env_.status(text);
  }

  // Plans a start of the cell's server and makes the adapter of the protocol the plan speaks.
  bool PlanServer(const ServingSystem& system, LaunchPlan* plan);
  std::unique_ptr<RunningServer> StartServer(const ServingSystem& system);
  // Takes, or stops, the server the previous cell left running (ServerLeftRunning).
  void TakeOrStopLeftServer();
  // Leaves `server` running for the next cell when that cell can take it; else it stops here.
  void LeaveRunningForNext(std::shared_ptr<RunningServer> server);
  bool PrepareInferCall(const LaunchPlan& plan, HttpCall* call);
  // The time of one inference on an idle server, from a few probes; 0 when none succeeded.
  int64_t ProbeNs(const LaunchPlan& plan, const HttpCall& call, int probes);
  // After a level that left work behind in the server (timeouts, overload), waits until a
  // probe inference is as fast as on the idle server again, so that the next level does not
  // start on a server still busy with the abandoned requests. Returns the seconds waited.
  double WaitUntilIdle(const LaunchPlan& plan, const HttpCall& call);
  // Whether one probe inference is about as fast as on the idle server.
  bool AnswersAsWhenIdle(const LaunchPlan& plan, const HttpCall& call);
  void RunColdStart(const ServingSystem& system);
  // One pass over the variant's test split through the server (bench/accuracy_pass.h); skipped,
  // not failed, for a variant without test data.
  void RunAccuracy(const ServingSystem& system);
  // An MLPerf scenario: per repeat, starts a fresh server, checks its answer, and runs the
  // scenario once, as one level whose load record carries the scenario's outcome.
  void RunMlperf(const ServingSystem& system);
  bool RunMlperfOnce(RunningServer* server);
  // The scenario's settings for this cell: a Server scenario without a bound of its own takes
  // the variant's SLO constraint (Scenario::bound_from_slo).
  LoadScenarioSettings MlperfSettings() const;
  // A load scenario: per repeat, starts a fresh server, checks its answer, and measures the
  // scenario's levels.
  void RunSweep(const ServingSystem& system);
  // One repeat of the sweep on a started server; false when the cell cannot go on.
  bool RunSweepOnce(RunningServer* server);
  bool RunConcurrencyList(RunningServer* server, const LoadSettings& base);
  bool RunConcurrencySearch(RunningServer* server, const LoadSettings& base);
  bool RunRateList(RunningServer* server, const LoadSettings& base);
  bool RunRateSearch(RunningServer* server, const LoadSettings& base);
  // The lowest rate at which a level can hold enough requests, within max_duration, for early
  // stopping to show every constraint of the SLO met: below it every level is inconclusive.
  double LowestJudgeableRate() const;
  // One closed-loop level at concurrency n / one open-loop level at `rate`; `label` says where
  // in the sweep it is ("3/4", "probe 5").
  bool RunConcurrency(RunningServer* server, const LoadSettings& base, int n,
                      const std::string& label, LevelRecord* measured);
  bool RunRate(RunningServer* server, const LoadSettings& base, double rate, int index,
               const std::string& label, LevelRecord* measured);
  // How this cell's generator processes start (a scenario with `generators` > 1).
  GeneratorLaunch GeneratorLaunchFor(const LaunchPlan& plan) const {
    GeneratorLaunch launch;
    launch.servebench = (fs::path(env_.binary_dir) / "servebench").string();
    launch.work_dir = (fs::path(work_dir_) / "generators").string();
    launch.protocol = plan.protocol;
    launch.reference_response = reference_response_;
    launch.srun = InSlurmJob();
    launch.interrupt = env_.interrupt;
    return launch;
  }
  // Measures one level; false when the cell cannot go on (failed or interrupted).
  bool RunLevel(RunningServer* server, const LevelPoint& level, LoadSettings settings,
                LevelRecord* measured);

  const Cell& cell_;
  const CellEnvironment& env_;
  const ExperimentConfig& config_;
  const std::string slug_;
  const std::string log_path_;
  const std::string work_dir_;
  const std::vector<int> cpus_;
  const SystemContext context_;
  std::unique_ptr<ProtocolAdapter> adapter_;  // the protocol of the last plan
  // The server the previous cell left running, when this cell takes it (an accuracy pass).
  std::shared_ptr<RunningServer> taken_server_;
  std::string taken_log_path_;
  CellRecord record_;
  bool interrupted_ = false;
  HttpCall call_;  // the checked inference request
  // Built from the first response to it: every response of the load is checked against it.
  std::shared_ptr<const ResponseCheck> response_check_;
  int64_t idle_inference_ns_ = 0;
  std::string reference_response_;  // the checked first response (for generator processes)
  Slo slo_;                         // the variant's SLO
  int repeat_ = 0;                  // the repeat being measured
};

CellOutcome CellRun::Run() {
  const int64_t start_ns = MonotonicNanos();
  record_ = CellRecord();
  record_.run_id = env_.run_id;
  record_.cell_id = cell_.id;
  record_.variant = cell_.variant.name;
  record_.server = cell_.server.name;
  record_.server_kind = cell_.server.kind;
  record_.scenario = cell_.scenario.name;
  record_.scenario_kind = ScenarioKindName(cell_.scenario);
  record_.started_at = UtcNowIso8601();
  record_.model_card = ReadCard(cell_.variant);
  std::string family, slo_source;
  if (record_.model_card.is_object() && record_.model_card.contains("family") &&
      record_.model_card["family"].is_string()) {
    family = record_.model_card["family"].get<std::string>();
  }
  slo_ = config_.slo.For(cell_.variant.name, family, &slo_source);
  record_.slo = ToRecord(slo_, slo_source);
  record_.repeats = cell_.scenario.repeats;
  record_.server_cpus = cpus_;
  record_.log = log_path_;
  std::error_code ec;
  fs::create_directories(work_dir_, ec);

  TakeOrStopLeftServer();
  const ServingSystem* system = FindServingSystem(cell_.server.kind);
  std::string error;
  if (system == nullptr) {
    Failed("no serving system of kind '" + cell_.server.kind + "'", nullptr);
  } else if (!system->Available(cell_.server, context_, &error)) {
    Failed(error, nullptr);
  } else if (cell_.scenario.kind == ScenarioKind::kColdStart) {
    RunColdStart(*system);
  } else if (cell_.scenario.kind == ScenarioKind::kAccuracy) {
    RunAccuracy(*system);
  } else if (cell_.scenario.kind == ScenarioKind::kMlperf) {
    RunMlperf(*system);
  } else {
    RunSweep(*system);
  }

  if (interrupted_) {
    // Journaled as such, so that the run folder says which cell the user stopped and how far
    // it got; --resume measures it again.
    record_.status = CellStatus::kInterrupted;
    record_.failure = CellFailure{"interrupted (SIGINT or SIGTERM) after " +
                                      std::to_string(record_.levels.size()) + " finished levels",
                                  std::nullopt,
                                  {}};
  }
  record_.finished_at = UtcNowIso8601();
  record_.duration_s = (MonotonicNanos() - start_ns) / 1e9;
  const int cores = static_cast<int>(std::max<size_t>(1, cpus_.size()));
  record_.summary = SummarizeCell(record_, HourlyPrice(config_.cost, cores));
  return {record_, interrupted_};
}

bool CellRun::Failed(const std::string& message, ServerProcess* process) {
  CellFailure failure;
  failure.message = message;
  if (process != nullptr) {
    if (!process->Alive()) failure.exit = process->ExitDescription();
    failure.log_tail = process->LogTail(kLogTailLines);
  }
  record_.status = CellStatus::kFailed;
  record_.failure = failure;
  return false;
}

bool CellRun::PlanServer(const ServingSystem& system, LaunchPlan* plan) {
  std::string error;
  if (!system.Plan(cell_.server, cell_.variant, context_, work_dir_, plan, &error)) {
    return Failed("cannot plan the server: " + error, nullptr);
  }
  adapter_ = NewProtocolAdapter(plan->protocol, plan->protocol_options, &error);
  if (!adapter_) return Failed("the plan's protocol: " + error, nullptr);
  return true;
}

void CellRun::TakeOrStopLeftServer() {
  if (env_.left_running == nullptr || !env_.left_running->server) return;
  ServerLeftRunning& left = *env_.left_running;
  std::shared_ptr<RunningServer> server = std::move(left.server);
  if (cell_.scenario.kind == ScenarioKind::kAccuracy && left.server_name == cell_.server.name &&
      left.variant_name == cell_.variant.name && server->Alive()) {
    taken_server_ = std::move(server);
    taken_log_path_ = left.log_path;
  }
  // Otherwise `server` stops here, before this cell starts anything.
}

void CellRun::LeaveRunningForNext(std::shared_ptr<RunningServer> server) {
  const Cell* next = env_.next_cell;
  if (env_.left_running == nullptr || next == nullptr || !TakesServerOf(*next, cell_) ||
      interrupted_ || record_.status != CellStatus::kOk || server->process() == nullptr ||
      !server->Alive()) {
    return;
  }
  // A server still working off requests the load abandoned (WaitUntilIdle gives up after 30 s)
  // would time the pass's requests out: the next cell starts a fresh one instead.
  if (idle_inference_ns_ > 0 && !AnswersAsWhenIdle(server->plan(), call_)) return;
  ServerLeftRunning& left = *env_.left_running;
  left.server_name = cell_.server.name;
  left.variant_name = cell_.variant.name;
  left.log_path = record_.log;  // this cell's, or the log of the cell that started the server
  left.server = std::move(server);
}

std::unique_ptr<RunningServer> CellRun::StartServer(const ServingSystem& system) {
  LaunchPlan plan;
  if (!PlanServer(system, &plan)) return nullptr;
  Status("starting " + cell_.server.name);
  const ServerTimeouts timeouts = config_.measurement.server_timeouts();
  const HttpCall model_ready = adapter_->ModelReadyCall(plan.model);
  std::string error;
  int64_t ready_ns = 0;
  if (plan.argv.empty()) {  // an external server: someone else runs it, so it must be ready now
    if (!PollUntilOk(nullptr, "external server " + plan.base_url + " model ready", plan.base_url,
                     model_ready, timeouts.request_ns, timeouts.request_ns, kModelReadyPollNs,
                     &ready_ns, &error, adapter_.get())) {
      Failed(error, nullptr);
      return nullptr;
    }
    return std::make_unique<RunningServer>(plan, nullptr, 0);
  }
  // In a Slurm job the server is a job step of its own (srun), on this node and still on
  // loopback: Slurm accounts its CPU and memory apart from the generator's, and ending the job
  // ends it. (A cold start's server is started directly: srun's step creation, a call to the
  // controller, is no part of a server's start-up time.)
  std::vector<std::string> prefix;
  if (InSlurmJob()) {
    prefix = SrunStepPrefix("servebench-server", cpus_);
    Status("starting " + cell_.server.name + " as a Slurm job step");
  }
  std::unique_ptr<ServerProcess> process =
      ServerProcess::Start(plan, cpus_, log_path_, &error, prefix);
  if (!process) {
    Failed("cannot start the server: " + error, nullptr);
    return nullptr;
  }
  const int64_t start_ns = process->spawn_ns();
  if (!process->WaitReady(*adapter_, timeouts.ready_ns, &ready_ns, &error, env_.interrupt) ||
      !PollUntilOk(process.get(), "model ready", plan.base_url, model_ready, timeouts.request_ns,
                   timeouts.ready_ns - (MonotonicNanos() - start_ns), kModelReadyPollNs, &ready_ns,
                   &error, adapter_.get(), env_.interrupt)) {
    if (env_.interrupt != nullptr && env_.interrupt->load()) {
      interrupted_ = true;
    } else {
      Failed("the server did not become ready: " + error, process.get());
    }
    process->Stop(timeouts.stop_grace_ns);
    return nullptr;
  }
  return std::make_unique<RunningServer>(plan, std::move(process), timeouts.stop_grace_ns);
}

// Builds the inference request from the model's metadata and checks that the server answers it
// correctly before any load: a server that answers wrongly would otherwise be timed.
bool CellRun::PrepareInferCall(const LaunchPlan& plan, HttpCall* call) {
  std::string error;
  if (!adapter_->BuildInferCall(plan.base_url, plan.model, 1, call, &error)) {
    return Failed("cannot build an inference request: " + error, nullptr);
  }
  HttpReply reply;
  if (!HttpFetch(call->method, plan.base_url + call->path, call->headers, call->body,
                 config_.measurement.request_timeout_ns, &reply, &error)) {
    return Failed("the first inference failed: " + error, nullptr);
  }
  if (reply.status != 200) {
    return Failed("the first inference answered " + std::to_string(reply.status) + ": " +
                      reply.body.substr(0, 300),
                  nullptr);
  }
  if (!adapter_->CheckInferResponse(reply.body, 1, &error)) {
    return Failed("the first inference's response is wrong: " + error, nullptr);
  }
  reference_response_ = reply.body;
  // Every response of the load must have this one's outputs, or it is a validation error.
  response_check_ =
      adapter_->NewResponseCheck(reply.body, "the first inference's response", &error);
  if (!response_check_) return Failed("cannot check responses: " + error, nullptr);
  call_ = *call;
  if (env_.learned_calls != nullptr) {
    (*env_.learned_calls)[{cell_.server.name, cell_.variant.name}] = *call;
  }
  idle_inference_ns_ = ProbeNs(plan, *call, 3);
  return true;
}

int64_t CellRun::ProbeNs(const LaunchPlan& plan, const HttpCall& call, int probes) {
  int64_t best = 0;
  for (int i = 0; i < probes; ++i) {
    HttpReply reply;
    std::string error;
    const int64_t start = MonotonicNanos();
    const bool ok = HttpFetch(call.method, plan.base_url + call.path, call.headers, call.body,
                              config_.measurement.request_timeout_ns, &reply, &error) &&
                    reply.status == 200;
    const int64_t took = MonotonicNanos() - start;
    if (ok && (best == 0 || took < best)) best = took;
  }
  return best;
}

bool CellRun::AnswersAsWhenIdle(const LaunchPlan& plan, const HttpCall& call) {
  // Idle: within 3x the idle inference time (a new connection's cost is in both), or 5 ms
  // more, whichever is larger.
  const int64_t idle_bound =
      std::max(3 * idle_inference_ns_, idle_inference_ns_ + 5 * kNanosPerMilli);
  const int64_t probe = ProbeNs(plan, call, 1);
  return probe > 0 && probe <= idle_bound;
}

double CellRun::WaitUntilIdle(const LaunchPlan& plan, const HttpCall& call) {
  // Gives up after 30 s and goes on.
  constexpr int64_t kMaxWaitNs = 30 * kNanosPerSecond;
  const int64_t start = MonotonicNanos();
  while (MonotonicNanos() - start < kMaxWaitNs) {
    if (env_.interrupt != nullptr && env_.interrupt->load()) break;
    if (AnswersAsWhenIdle(plan, call)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return (MonotonicNanos() - start) / 1e9;
}

void CellRun::RunColdStart(const ServingSystem& system) {
  constexpr const char* kExternal =
      "cold start needs a server that servebench starts; an external server is already running";
  // The request comes from the model's metadata. When an earlier cell of this run learned it
  // from a server of the same configuration and variant (the default experiment measures cold
  // start after the load), that cell's starts also brought the server's programs and model files
  // into the page cache. Otherwise one start first learns it and warms the cache, so that every
  // measured start finds the files as a restarted server would.
  HttpCall call;
  if (const HttpCall* learned = FindLearnedCall(env_, cell_)) {
    call = *learned;
  } else {
    std::unique_ptr<RunningServer> server = StartServer(system);
    if (!server) return;
    if (server->process() == nullptr) {
      Failed(kExternal, nullptr);
      return;
    }
    if (!PrepareInferCall(server->plan(), &call)) {
      record_.failure->log_tail = server->process()->LogTail(kLogTailLines);
      return;
    }
  }
  ColdStartRecord cold_start;
  std::vector<ColdStartTimes> samples;
  for (int r = 0; r < cell_.scenario.repeats; ++r) {
    if (env_.interrupt != nullptr && env_.interrupt->load()) {
      interrupted_ = true;
      return;
    }
    Status("cold start " + std::to_string(r + 1) + "/" + std::to_string(cell_.scenario.repeats));
    LaunchPlan plan;
    if (!PlanServer(system, &plan)) return;
    if (plan.argv.empty()) {
      Failed(kExternal, nullptr);
      return;
    }
    ColdStartTimes sample;
    std::string error;
    if (!MeasureColdStart(plan, *adapter_, cpus_, call, config_.measurement.server_timeouts(),
                          log_path_, &sample, &error)) {
      Failed("cold start " + std::to_string(r + 1) + " failed: " + error, nullptr);
      break;
    }
    samples.push_back(sample);
    cold_start.repeats.push_back(sample);
  }
  if (samples.empty()) return;
  cold_start.mean = MeanColdStart(samples);
  record_.cold_start = cold_start;
}

void CellRun::RunAccuracy(const ServingSystem& system) {
  TestData data;
  std::string message;
  const TestDataStatus found = LoadTestData(cell_.variant, record_.model_card, &data, &message);
  if (found == TestDataStatus::kNone) {
    AccuracyRecord skipped;
    skipped.skipped = true;
    skipped.reason = message;
    skipped.batch = cell_.scenario.batch;
    record_.accuracy = skipped;
    return;
  }
  if (found == TestDataStatus::kInvalid) {
    Failed("bad test data: " + message, nullptr);
    return;
  }
  std::shared_ptr<RunningServer> server = std::move(taken_server_);
  if (server) {
    // The previous cell's server, still running the same configuration and variant.
    std::string error;
    adapter_ = NewProtocolAdapter(server->plan().protocol, server->plan().protocol_options, &error);
    if (!adapter_) {
      Failed("the plan's protocol: " + error, nullptr);
      return;
    }
    record_.log = taken_log_path_;
  } else {
    server = StartServer(system);
    if (!server) return;
  }
  Status("accuracy: " + std::to_string(data.samples()) + " test samples");
  AccuracyCount count;
  if (!RunAccuracyPass(*adapter_, server->plan().base_url, server->plan().model, data,
                       cell_.scenario.batch, config_.measurement.request_timeout_ns, env_.interrupt,
                       &count, &message)) {
    interrupted_ = count.interrupted;
    if (!interrupted_) Failed("accuracy pass: " + message, server->process());
    return;
  }
  record_.accuracy = JudgeAccuracy(count, record_.model_card, cell_.scenario.batch, data.header);
  LeaveRunningForNext(std::move(server));
}

void CellRun::RunSweep(const ServingSystem& system) {
  for (repeat_ = 0; repeat_ < cell_.scenario.repeats; ++repeat_) {
    if (env_.interrupt != nullptr && env_.interrupt->load()) {
      interrupted_ = true;
      return;
    }
    // A fresh server for every repeat: what one repeat leaves behind (caches, a queue of
    // abandoned requests, a fragmented heap) must not shape the next.
    std::unique_ptr<RunningServer> server = StartServer(system);
    if (!server || !RunSweepOnce(server.get())) return;
    if (repeat_ + 1 == cell_.scenario.repeats) LeaveRunningForNext(std::move(server));
  }
}

bool CellRun::RunSweepOnce(RunningServer* server) {
  HttpCall call;
  if (!PrepareInferCall(server->plan(), &call)) {
    if (server->process() != nullptr) {
      record_.failure->log_tail = server->process()->LogTail(kLogTailLines);
    }
    return false;
  }
  LoadSettings base;
  std::string error;
  if (!ParseUrl(server->plan().base_url + call.path, &base.url, &error)) {
    return Failed("bad server URL: " + error, nullptr);
  }
  base.method = call.method;
  base.headers = call.headers;
  base.body = call.body;
  base.response_check = response_check_;
  const MeasurementSettings& m = config_.measurement;
  base.warmup_ns = m.warmup_ns;
  base.duration_ns = m.max_duration_ns;
  base.window_ns = m.window_ns;
  base.timeout_ns = m.request_timeout_ns;
  base.threads = std::max(1, config_.generator.threads);

  const Scenario& sc = cell_.scenario;
  if (sc.kind == ScenarioKind::kConcurrencySweep) {
    return sc.saturate ? RunConcurrencySearch(server, base) : RunConcurrencyList(server, base);
  }
  return sc.saturate ? RunRateSearch(server, base) : RunRateList(server, base);
}

void CellRun::RunMlperf(const ServingSystem& system) {
  for (repeat_ = 0; repeat_ < cell_.scenario.repeats; ++repeat_) {
    if (env_.interrupt != nullptr && env_.interrupt->load()) {
      interrupted_ = true;
      return;
    }
    std::unique_ptr<RunningServer> server = StartServer(system);
    if (!server || !RunMlperfOnce(server.get())) return;
    if (repeat_ + 1 == cell_.scenario.repeats) LeaveRunningForNext(std::move(server));
  }
}

LoadScenarioSettings CellRun::MlperfSettings() const {
  LoadScenarioSettings sc = cell_.scenario.mlperf;
  if (!cell_.scenario.bound_from_slo || slo_.constraints.empty()) return sc;
  const SloConstraint* chosen = nullptr;
  for (const SloConstraint& c : slo_.constraints) {
    if (cell_.scenario.percentile_given) {
      if (c.percentile == sc.percentile) chosen = &c;
    } else if (chosen == nullptr || c.percentile > chosen->percentile) {
      chosen = &c;
    }
  }
  if (chosen == nullptr) return sc;  // no constraint at its percentile: judged INVALID, unbounded
  if (!cell_.scenario.percentile_given && chosen->percentile != sc.percentile) {
    sc.percentile = chosen->percentile;
    EarlyStoppingSettings es;
    es.percentile = sc.percentile;
    sc.min_queries = std::max(sc.min_queries, MinQueriesForEarlyStopping(1, es));
  }
  sc.latency_bound_ns = chosen->bound_ns;
  return sc;
}

// Starts the resource sampling when the scenario's window starts; never ends it early (the
// scenario's own rules do).
class WindowStartObserver : public MeasurementObserver {
 public:
  explicit WindowStartObserver(ServerObservation* observation) : observation_(observation) {}
  void OnMeasurementStart() override { observation_->Start(); }
  bool OnWindow(const std::vector<WindowStats>&) override { return false; }

 private:
  ServerObservation* observation_;
};

bool CellRun::RunMlperfOnce(RunningServer* server) {
  HttpCall call;
  if (!PrepareInferCall(server->plan(), &call)) {
    if (server->process() != nullptr) {
      record_.failure->log_tail = server->process()->LogTail(kLogTailLines);
    }
    return false;
  }
  const LoadScenarioSettings sc = MlperfSettings();
  const MeasurementSettings& m = config_.measurement;
  const std::string& base_url = server->plan().base_url;
  std::shared_ptr<const ResponseCheck> check = response_check_;
  if (sc.kind == LoadScenario::kOffline && sc.samples_per_request > 1) {
    // Offline's requests carry samples_per_request samples each: a request of that batch,
    // checked as the single one was.
    std::string error;
    if (!adapter_->BuildInferCall(base_url, server->plan().model, sc.samples_per_request, &call,
                                  &error)) {
      return Failed("cannot build a request of " + std::to_string(sc.samples_per_request) +
                        " samples: " + error,
                    nullptr);
    }
    HttpReply reply;
    if (!HttpFetch(call.method, base_url + call.path, call.headers, call.body, m.request_timeout_ns,
                   &reply, &error) ||
        reply.status != 200 ||
        !adapter_->CheckInferResponse(reply.body, sc.samples_per_request, &error)) {
      return Failed("the first request of " + std::to_string(sc.samples_per_request) +
                        " samples was not answered correctly: " +
                        (error.empty() ? "status " + std::to_string(reply.status) : error),
                    server->process());
    }
    check = adapter_->NewResponseCheck(reply.body, "the first batched response", &error);
    if (!check) return Failed("cannot check responses: " + error, nullptr);
  }

  LoadSettings s;
  std::string error;
  if (!ParseUrl(base_url + call.path, &s.url, &error)) {
    return Failed("bad server URL: " + error, nullptr);
  }
  s.method = call.method;
  s.headers = call.headers;
  s.body = call.body;
  s.response_check = check;
  s.warmup_ns = sc.kind == LoadScenario::kOffline ? 0 : m.warmup_ns;
  s.timeout_ns = m.request_timeout_ns;
  s.threads = std::max(1, config_.generator.threads);
  s.connections = std::max(kOpenLoopConnections, s.threads);
  if (!ApplyLoadScenario(sc, &s, &error)) return Failed("scenario: " + error, nullptr);

  Status(RepeatPrefix(repeat_, cell_.scenario.repeats) + LoadScenarioName(sc.kind));
  std::vector<int> watched = cpus_;
  watched.insert(watched.end(), env_.generator_cpus.begin(), env_.generator_cpus.end());
  if (cpus_.empty() || env_.generator_cpus.empty()) watched.clear();  // unpinned: all cores
  ServerObservation observation(server->plan(), server->process(), m, watched);
  WindowStartObserver observer(&observation);
  LoadHooks hooks;
  hooks.interrupt = env_.interrupt;
  hooks.observer = &observer;
  LoadResult result;
  const bool ran = RunLoad(s, hooks, &result, &error);

  LevelRecord measured;
  observation.Finish(&measured);
  if (!ran) return Failed("load failed: " + error, server->process());
  if (result.interrupted) {
    interrupted_ = true;
    return false;
  }
  // The level: the closed loop of a stream (1 or samples_per_query outstanding), the Server's
  // rate, or Offline's connections (as many requests in flight as they allow).
  switch (sc.kind) {
    case LoadScenario::kServer:
      measured.level = LevelPoint::Rate(sc.target_rate, ArrivalName(Arrival::kPoisson));
      break;
    case LoadScenario::kSingleStream:
    case LoadScenario::kMultiStream:
      measured.level = LevelPoint::Concurrency(s.concurrency);
      break;
    case LoadScenario::kOffline:
    case LoadScenario::kNone:
      measured.level = LevelPoint::Concurrency(s.connections);
      break;
  }
  measured.repeat = repeat_;
  measured.windows = static_cast<int>(result.windows.size());
  // A scenario has no windows to agree: it ends on its minimums, or at its max duration.
  measured.stable = false;
  measured.overloaded = false;
  measured.max_duration_reached = result.window_s * 1e9 >= static_cast<double>(sc.max_duration_ns);
  measured.load = LoadRecord::Of(result);
  JudgeLevel(result, slo_, &measured);
  Status(measured.load.scenario ? measured.load.scenario->summary : std::string());
  if (!server->Alive()) {
    record_.levels.push_back(measured);
    return Failed("the server died during the scenario", server->process());
  }
  if (result.counters.errors.timeout > 0) {
    Status("waiting for the server to work off abandoned requests");
    measured.recovery_s = WaitUntilIdle(server->plan(), call_);
  }
  record_.levels.push_back(measured);
  return true;
}

bool CellRun::RunConcurrencyList(RunningServer* server, const LoadSettings& base) {
  const std::vector<int>& levels = cell_.scenario.concurrency;
  for (size_t i = 0; i < levels.size(); ++i) {
    LevelRecord measured;
    const std::string label = std::to_string(i + 1) + "/" + std::to_string(levels.size());
    if (!RunConcurrency(server, base, levels[i], label, &measured)) return false;
  }
  return true;
}

bool CellRun::RunConcurrencySearch(RunningServer* server, const LoadSettings& base) {
  const Scenario& sc = cell_.scenario;
  ConcurrencySearchSettings settings;
  settings.max_concurrency = sc.max_concurrency;
  settings.tolerance = sc.tolerance;
  settings.max_probes = sc.max_levels;
  ConcurrencySearch search(settings);
  SearchRecord found;
  found.repeat = repeat_;
  found.kind = "concurrency";
  found.tolerance = sc.tolerance;
  bool went_on = true;
  while (!search.done()) {
    LevelRecord measured;
    const std::string label = "probe " + std::to_string(search.probes().size() + 1);
    went_on = RunConcurrency(server, base, search.Next(), label, &measured);
    if (!went_on) break;
    found.probes.push_back(static_cast<int>(record_.levels.size()) - 1);
    search.Record(OutcomeOf(measured), measured.load.throughput_rps);
  }
  found.end = went_on ? search.end() : "failed";
  if (auto best = search.best()) found.found = best->concurrency;
  if (auto upper = search.upper()) found.upper = *upper;
  if (!interrupted_) record_.searches.push_back(found);
  return went_on;
}

bool CellRun::RunRateList(RunningServer* server, const LoadSettings& base) {
  const std::vector<double>& rates = cell_.scenario.rates;
  for (size_t i = 0; i < rates.size(); ++i) {
    LevelRecord measured;
    const std::string label = std::to_string(i + 1) + "/" + std::to_string(rates.size());
    if (!RunRate(server, base, rates[i], static_cast<int>(i), label, &measured)) return false;
  }
  return true;
}

double CellRun::LowestJudgeableRate() const {
  int64_t most = 1;
  for (const SloConstraint& c : slo_.constraints) {
    EarlyStoppingSettings es;
    es.percentile = c.percentile;
    es.confidence = kSloConfidence;
    most = std::max(most, MinQueriesForEarlyStopping(0, es));
  }
  // The rate whose expected count in max_duration exceeds the requests needed by three standard
  // deviations of a Poisson count: at exactly m / max_duration, half the levels would fall short.
  const double needed = static_cast<double>(most) + 3 * std::sqrt(static_cast<double>(most));
  return needed / (config_.measurement.max_duration_ns / 1e9);
}

// The SLO search (slo_search.h): the highest rate whose levels meet the SLO, each probe a full
// level judged with early stopping. It starts at start_rate, or at the lowest rate a level can
// be judged at when that is higher.
bool CellRun::RunRateSearch(RunningServer* server, const LoadSettings& base) {
  const Scenario& sc = cell_.scenario;
  SloSearchSettings settings;
  settings.min_rate = LowestJudgeableRate();
  // Without a start rate, the rate the idle server serves one request at a time: the bracket
  // then starts near the capacity of a server without parallelism.
  double start = sc.start_rate;
  if (start <= 0) start = idle_inference_ns_ > 0 ? 1e9 / idle_inference_ns_ : 100;
  settings.initial_rate = std::max(start, settings.min_rate);
  settings.growth = sc.growth;
  settings.tolerance = sc.tolerance;
  settings.max_probes = sc.max_levels;
  std::string error;
  if (!ValidateSloSearchSettings(settings, &error)) return Failed(error, nullptr);
  SloSearch search(settings);
  SearchRecord found;
  found.repeat = repeat_;
  found.kind = "rate";
  found.tolerance = sc.tolerance;
  bool went_on = true;
  while (!search.done()) {
    LevelRecord measured;
    const int index = static_cast<int>(search.probes().size());
    const double rate = search.NextRate();
    went_on = RunRate(server, base, rate, index, "probe " + std::to_string(index + 1), &measured);
    if (!went_on) break;
    found.probes.push_back(static_cast<int>(record_.levels.size()) - 1);
    if (!search.Record(rate, OutcomeOf(measured), measured.load.throughput_rps, &error)) {
      return Failed(error, nullptr);
    }
  }
  found.end = went_on ? SloSearchEndName(search.end()) : "failed";
  if (search.found()) found.found = search.best_rate();
  if (std::isfinite(search.upper_rate())) found.upper = search.upper_rate();
  if (!interrupted_) record_.searches.push_back(found);
  return went_on;
}

bool CellRun::RunConcurrency(RunningServer* server, const LoadSettings& base, int n,
                             const std::string& label, LevelRecord* measured) {
  Status(RepeatPrefix(repeat_, cell_.scenario.repeats) + "concurrency " + std::to_string(n) + " (" +
         label + ")");
  LoadSettings s = base;
  s.mode = LoopMode::kClosed;
  s.concurrency = n;
  s.connections = n;
  s.threads = std::min(s.threads, n);
  return RunLevel(server, LevelPoint::Concurrency(n), s, measured);
}

bool CellRun::RunRate(RunningServer* server, const LoadSettings& base, double rate, int index,
                      const std::string& label, LevelRecord* measured) {
  const Scenario& sc = cell_.scenario;
  char text[96];
  std::snprintf(text, sizeof text, "%s %.4g req/s (%s)", ArrivalName(sc.arrival), rate,
                label.c_str());
  Status(RepeatPrefix(repeat_, sc.repeats) + text);
  LoadSettings s = base;
  s.mode = LoopMode::kOpen;
  s.arrival = sc.arrival;
  s.rate = rate;
  // Each level and each repeat draws its own arrivals.
  s.seed = 1 + static_cast<uint64_t>(index) + 1000 * static_cast<uint64_t>(repeat_);
  s.connections = std::max(kOpenLoopConnections, s.threads);
  return RunLevel(server, LevelPoint::Rate(rate, ArrivalName(sc.arrival)), s, measured);
}

bool CellRun::RunLevel(RunningServer* server, const LevelPoint& level, LoadSettings settings,
                       LevelRecord* measured) {
  const LaunchPlan& plan = server->plan();
  ServerProcess* process = server->process();
  const MeasurementSettings& m = config_.measurement;

  std::vector<int> watched = cpus_;
  watched.insert(watched.end(), env_.generator_cpus.begin(), env_.generator_cpus.end());
  if (cpus_.empty() || env_.generator_cpus.empty()) watched.clear();  // unpinned: all cores
  ServerObservation observation(plan, process, m, watched);
  // An open-loop level is offered its arrival rate: one that delivers far less ends early as
  // overloaded instead of running to the maximum duration.
  const double offered_rps = settings.mode == LoopMode::kOpen ? settings.rate : 0;
  // The windows count the requests above each of the SLO's bounds, so that the level goes on
  // until early stopping can judge it.
  settings.window_bounds_ns = WindowBounds(slo_);
  StabilityRule rule(
      m, [server] { return server->Alive(); }, [&observation] { observation.Start(); }, offered_rps,
      &slo_);
  LoadHooks hooks;
  hooks.interrupt = env_.interrupt;
  hooks.observer = &rule;
  LoadResult result;
  std::string error;
  // Several generator processes measure a fixed window of min_duration from a common barrier
  // (the stability rule watches one process's windows); their merged windows are judged after.
  // A closed-loop level below the generator count (a search's first probes) uses fewer.
  const int generators = settings.mode == LoopMode::kClosed
                             ? std::min(cell_.scenario.generators, settings.concurrency)
                             : cell_.scenario.generators;
  std::vector<GeneratorRecord> each;
  bool ran = false;
  if (generators > 1) {
    settings.duration_ns = m.min_duration_ns;
    observation.Start();
    GeneratorGroupResult group;
    ran = RunGeneratorGroup(settings, generators, GeneratorLaunchFor(plan), &group, &error);
    if (ran) {
      result = group.merged;
      for (const LoadResult& r : group.each) each.push_back(LoadRecord::Of(r).generator);
    }
  } else {
    ran = RunLoad(settings, hooks, &result, &error);
  }

  *measured = LevelRecord();
  observation.Finish(measured);
  if (!ran) return Failed("load failed: " + error, process);
  if (result.interrupted) {
    interrupted_ = true;
    return false;
  }
  measured->level = level;
  measured->repeat = repeat_;
  measured->windows = static_cast<int>(result.windows.size());
  measured->stable = rule.stable();
  measured->overloaded = rule.overloaded();
  measured->max_duration_reached =
      !rule.stable() && !rule.server_died() && !rule.overloaded() && !rule.slo_exceeded();
  measured->load = LoadRecord::Of(result);
  // Nothing but timeouts from a server that answered this cell's earlier levels is overload
  // (a search's probe far above the capacity, whose queue outlasts every request's timeout),
  // a finding about that level, not a broken server.
  const bool nothing_answered = result.counters.ok == 0 && result.counters.errors.total() > 0;
  const bool only_timeouts = result.counters.errors.total() == result.counters.errors.timeout;
  const bool answered_before =
      std::any_of(record_.levels.begin(), record_.levels.end(),
                  [](const LevelRecord& l) { return l.load.requests.ok > 0; });
  const bool overload_not_failure = nothing_answered && only_timeouts && answered_before;
  if (overload_not_failure) measured->overloaded = true;
  JudgeLevel(result, slo_, measured);
  if (generators > 1) {
    measured->stable = LastThreeWindowsAgree(result.windows, m.stability_tolerance);
    measured->max_duration_reached = false;
    measured->load.generator = WorstGenerator(each);
    measured->generators = each;
  }
  if (!server->Alive()) {
    record_.levels.push_back(*measured);
    return Failed("the server died during the level " + level.ToJson().dump(), process);
  }
  // Not one success, and not the overload above: the level measured nothing but the failure, and
  // the levels after it would only repeat it (each up to its maximum duration, then a wait for a
  // recovery that does not come). The cell fails saying how the requests failed; the run goes on.
  if (nothing_answered && !overload_not_failure) {
    record_.levels.push_back(*measured);
    return Failed("every request of the level " + level.ToJson().dump() +
                      " failed: " + DescribeErrors(result),
                  process);
  }
  if (measured->overloaded || result.counters.errors.timeout > 0) {
    Status("waiting for the server to work off abandoned requests");
    measured->recovery_s = WaitUntilIdle(plan, call_);
  }
  record_.levels.push_back(*measured);
  return true;
}

}  // namespace

const char* ScenarioKindName(const Scenario& scenario) {
  switch (scenario.kind) {
    case ScenarioKind::kMlperf:
      switch (scenario.mlperf.kind) {
        case LoadScenario::kSingleStream:
          return "single_stream";
        case LoadScenario::kMultiStream:
          return "multi_stream";
        case LoadScenario::kServer:
          return "server";
        case LoadScenario::kOffline:
          return "offline";
        case LoadScenario::kNone:
          break;
      }
      return "?";
    case ScenarioKind::kColdStart:
      return "cold_start";
    case ScenarioKind::kConcurrencySweep:
      return "concurrency_sweep";
    case ScenarioKind::kRateSweep:
      return "rate_sweep";
    case ScenarioKind::kAccuracy:
      return "accuracy";
  }
  return "?";
}

std::string CellSlug(const std::string& cell_id) {
  std::string slug = cell_id;
  for (char& c : slug) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) c = '_';
  }
  return slug;
}

CellOutcome RunCell(const Cell& cell, const CellEnvironment& env) {
  return CellRun(cell, env).Run();
}

}  // namespace servebench
