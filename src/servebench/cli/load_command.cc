// Copyright servebench authors.

#include "servebench/cli/load_command.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "servebench/cli/interrupt.h"
#include "servebench/cli/load_summary.h"
#include "servebench/cli/model_request.h"
#include "servebench/core/duration.h"
#include "servebench/core/early_stopping.h"
#include "servebench/core/file.h"
#include "servebench/load/http_request.h"
#include "servebench/load/load_engine.h"
#include "servebench/protocols/kserve_v2_response_check.h"

namespace servebench {
namespace {

struct LoadOptions {
  std::string url;
  int concurrency = 0;
  double rate = 0;
  std::string arrival = "poisson";
  std::string trace_path;
  std::string duration = "30s";
  std::string warmup = "5s";
  int connections = 0;
  int threads = 1;
  std::string method = "GET";
  std::vector<std::string> headers;
  std::string body;
  std::string timeout = "2s";
  std::string json_path;
  std::string expected_response_path;
  uint64_t seed = 1;
  bool quiet = false;
  std::string send_spin = "30us";
  // Scenarios (load/load_scenario.h).
  std::string scenario;
  int samples_per_query = 8;
  int64_t total_samples = 0;
  int samples_per_request = 1;
  std::string min_duration = "10s";
  std::string max_duration = "60s";
  int64_t min_queries = 0;
  double percentile = 0;
  std::string latency_bound;
  std::string model;       // --model: a KServe v2 inference request for it (model_request.h)
  int batch = 1;           // --batch
  std::string input_data;  // --input-data
  std::string protocol;    // --protocol (empty: the URL scheme's KServe v2 protocol)
};

// The options that only a scenario reads.
constexpr const char* kScenarioOnlyFlags[] = {
    "--samples-per-query", "--total-samples", "--samples-per-request", "--min-duration",
    "--max-duration",      "--min-queries",   "--percentile",          "--latency-bound"};

bool ParseDurationFlag(const char* flag, const std::string& text, int64_t* nanos,
                       std::string* error) {
  if (!ParseDuration(text, nanos, error)) {
    *error = std::string(flag) + ": " + *error;
    return false;
  }
  return true;
}

// The loop fields of a scenario run: checks which options apply, then ApplyLoadScenario.
bool BuildScenario(const LoadOptions& o, const CLI::App& cmd, LoadSettings* s, std::string* error) {
  LoadScenario kind;
  if (!ParseLoadScenarioName(o.scenario, &kind)) {
    *error =
        "--scenario '" + o.scenario + "': expected single-stream, multi-stream, server or offline";
    return false;
  }
  const std::string name = "--scenario " + o.scenario;
  // Options that the scenario does not read are errors, not silently ignored.
  auto reject = [&](std::initializer_list<const char*> flags, const char* why) {
    for (const char* flag : flags) {
      if (cmd.count(flag) > 0) {
        *error = std::string(flag) + " does not apply to " + name + ": " + why;
        return false;
      }
    }
    return true;
  };
  if (!reject({"--concurrency", "--trace", "--arrival"},
              "the scenario sets the loop and its arrivals") ||
      !reject({"--duration"},
              "a scenario runs for at least --min-duration and --min-queries, at most "
              "--max-duration")) {
    return false;
  }
  const bool streams = kind == LoadScenario::kSingleStream || kind == LoadScenario::kMultiStream;
  if (streams &&
      !reject({"--connections", "--threads", "--rate", "--total-samples", "--samples-per-request"},
              "it sends one query at a time on one thread, a connection per sample")) {
    return false;
  }
  if (kind == LoadScenario::kSingleStream &&
      !reject({"--samples-per-query"}, "its queries have one sample")) {
    return false;
  }
  if (kind == LoadScenario::kServer &&
      !reject({"--samples-per-query", "--total-samples", "--samples-per-request"},
              "its queries are single requests at --rate")) {
    return false;
  }
  if (kind == LoadScenario::kOffline &&
      !reject({"--rate", "--samples-per-query", "--percentile", "--latency-bound"},
              "it sends --total-samples at the start and measures samples per second")) {
    return false;
  }

  LoadScenarioSettings sc = DefaultLoadScenarioSettings(kind);
  if (!ParseDurationFlag("--min-duration", o.min_duration, &sc.min_duration_ns, error) ||
      !ParseDurationFlag("--max-duration", o.max_duration, &sc.max_duration_ns, error)) {
    return false;
  }
  if (cmd.count("--percentile") > 0) {
    if (!(o.percentile > 0 && o.percentile < 100)) {
      *error = "--percentile " + std::to_string(o.percentile) + ": expected 0 < P < 100";
      return false;
    }
    sc.percentile = o.percentile;
    // The default minimum follows the percentile: the fewest queries for the estimate.
    EarlyStoppingSettings es;
    es.percentile = o.percentile;
    sc.min_queries = MinQueriesForEarlyStopping(1, es);
  }
  if (cmd.count("--min-queries") > 0) sc.min_queries = o.min_queries;
  if (!o.latency_bound.empty() &&
      !ParseDurationFlag("--latency-bound", o.latency_bound, &sc.latency_bound_ns, error)) {
    return false;
  }
  sc.seed = o.seed;
  sc.samples_per_query = o.samples_per_query;
  sc.samples_per_request = o.samples_per_request;
  sc.total_samples = o.total_samples;
  if (kind == LoadScenario::kServer) {
    if (cmd.count("--rate") == 0) {
      *error = name + " needs --rate R: the target queries per second";
      return false;
    }
    sc.target_rate = o.rate;
  }
  if (kind == LoadScenario::kOffline) {
    if (cmd.count("--total-samples") == 0) {
      *error = name + " needs --total-samples N: the samples to send at the start";
      return false;
    }
    if (cmd.count("--warmup") == 0) s->warmup_ns = 0;  // offline has no warm-up
  }
  if (kind == LoadScenario::kServer || kind == LoadScenario::kOffline) {
    s->connections = o.connections > 0 ? o.connections : 64;
  }
  if (!ApplyLoadScenario(sc, s, error)) {
    *error = name + ": " + *error;
    return false;
  }
  return true;
}

// Turns the command line into LoadSettings; explains the first problem in *error.
bool BuildSettings(const LoadOptions& o, const CLI::App& cmd, LoadSettings* s, std::string* error) {
  if (!ParseUrl(o.url, &s->url, error)) return false;
  if (!IsValidMethod(o.method)) {
    *error = "--method '" + o.method + "' is not a valid HTTP method";
    return false;
  }
  s->method = o.method;
  for (const auto& h : o.headers) {
    std::pair<std::string, std::string> header;
    if (!ParseHeader(h, &header, error)) {
      *error = "--header: " + *error;
      return false;
    }
    s->headers.push_back(header);
  }
  if (!o.body.empty() && o.body[0] == '@') {
    if (!ReadWholeFile(o.body.substr(1), &s->body, error)) {
      *error = "--body " + o.body + ": " + *error;
      return false;
    }
  } else {
    s->body = o.body;
  }
  if (!ParseDurationFlag("--duration", o.duration, &s->duration_ns, error) ||
      !ParseDurationFlag("--warmup", o.warmup, &s->warmup_ns, error) ||
      !ParseDurationFlag("--timeout", o.timeout, &s->timeout_ns, error)) {
    return false;
  }
  s->threads = o.threads;
  s->seed = o.seed;
  if (!ParseDurationFlag("--send-spin", o.send_spin, &s->send_spin_ns, error)) return false;
  if (!o.model.empty()) {
    if (s->url.target != "/" || cmd.count("--body") || cmd.count("--method") ||
        cmd.count("--expect-kserve-response")) {
      *error =
          "--model builds the request itself: give the server's URL without a path, and no "
          "--body, --method or --expect-kserve-response";
      return false;
    }
    ModelRequestOptions request;
    request.model = o.model;
    request.batch = o.batch;
    request.input_data_path = o.input_data;
    request.protocol = o.protocol;
    request.timeout_ns = std::max(s->timeout_ns, 30 * kNanosPerSecond);
    const std::string base = s->url.scheme + "://" + s->url.host_header;
    if (!BuildModelRequest(base, request, s, error)) return false;
  } else if (cmd.count("--batch") || cmd.count("--input-data") || cmd.count("--protocol")) {
    *error = "--batch, --input-data and --protocol need --model";
    return false;
  }
  if (!o.expected_response_path.empty()) {
    std::string reference;
    if (!ReadWholeFile(o.expected_response_path, &reference, error)) {
      *error = "--expect-kserve-response: " + *error;
      return false;
    }
    s->response_check = NewKServeV2ResponseCheck(reference, o.expected_response_path, error);
    if (!s->response_check) {
      *error = "--expect-kserve-response " + *error;
      return false;
    }
  }

  if (cmd.count("--scenario") > 0) return BuildScenario(o, cmd, s, error);
  for (const char* flag : kScenarioOnlyFlags) {
    if (cmd.count(flag) > 0) {
      *error = std::string(flag) + " needs --scenario";
      return false;
    }
  }

  const bool have_rate = cmd.count("--rate") > 0;
  const bool have_trace = cmd.count("--trace") > 0;
  if (have_rate || have_trace) {
    s->mode = LoopMode::kOpen;
    s->connections = o.connections > 0 ? o.connections : 64;
    if (have_trace) {
      if (cmd.count("--arrival") > 0) {
        *error = "--arrival applies to --rate; a trace brings its own arrival times";
        return false;
      }
      auto trace = std::make_shared<Trace>();
      if (!LoadTraceFile(o.trace_path, trace.get(), error)) return false;
      s->arrival = Arrival::kTrace;
      s->trace = trace;
    } else {
      s->rate = o.rate;
      if (!ParseRateArrival(o.arrival, &s->arrival)) {
        *error = "--arrival '" + o.arrival + "': expected poisson or constant";
        return false;
      }
    }
  } else {
    if (cmd.count("--arrival") > 0) {
      *error = "--arrival needs --rate (open loop)";
      return false;
    }
    s->mode = LoopMode::kClosed;
    // wrk's habit: --connections alone sets how many requests are outstanding.
    s->concurrency = o.concurrency > 0 ? o.concurrency : (o.connections > 0 ? o.connections : 1);
    s->connections = o.connections > 0 ? o.connections : s->concurrency;
  }
  return ValidateLoadSettings(*s, error);
}

void PrintProgress(const LoadProgress& p) {
  const double remaining = std::max(0.0, p.total_s - p.elapsed_s);
  std::fprintf(stderr, "\r  %s %5.1fs / %.1fs  %10.0f req/s  %12lld done  ETA %4.0fs ",
               p.warming_up ? "warm-up" : "measure", p.elapsed_s, p.total_s, p.recent_rps,
               static_cast<long long>(p.completed), remaining);
  std::fflush(stderr);
}

int RunLoadCommand(const LoadOptions& options, const CLI::App& cmd) {
  LoadSettings settings;
  std::string error;
  if (!BuildSettings(options, cmd, &settings, &error)) {
    std::cerr << "servebench load: " << error << "\n";
    return 2;
  }

  const bool show_progress = !options.quiet && isatty(STDERR_FILENO);
  LoadResult result;
  ProgressCallback progress;
  if (show_progress) progress = PrintProgress;
  bool ok;
  {
    InterruptFlag interrupt;
    ok = RunLoad(settings, progress, interrupt.flag(), &result, &error);
  }
  if (show_progress) std::fprintf(stderr, "\r%80s\r", "");
  if (!ok) {
    std::cerr << "servebench load: " << error << "\n";
    return 1;
  }

  const bool json_to_stdout = options.json_path == "-";
  if (!json_to_stdout) std::cout << FormatLoadSummary(result) << std::flush;
  if (!options.json_path.empty()) {
    const std::string text = result.ToJson().dump(2) + "\n";
    if (json_to_stdout) {
      std::cout << text << std::flush;
    } else {
      std::ofstream out(options.json_path);
      out << text;
      out.close();
      if (!out) {
        std::cerr << "servebench load: --json: cannot write '" << options.json_path << "'\n";
        return 1;
      }
    }
  }
  return 0;
}

}  // namespace

void AddLoadCommand(CLI::App* app, int* exit_code) {
  auto options = std::make_shared<LoadOptions>();
  CLI::App* cmd = app->add_subcommand(
      "load",
      "Drive HTTP/1.1 (or gRPC) load at one URL and report latency percentiles, throughput, errors "
      "and the "
      "generator's health. Closed loop (--concurrency) or open loop (--rate, --trace); open-loop "
      "latency is measured from each request's intended send time. --scenario runs one of "
      "MLPerf LoadGen's scenarios and reports its metric (docs/metrics.md, \"Scenarios\").");
  cmd->add_option("URL", options->url,
                  "http://host[:port]/path to load, or grpc://host:port/package.Service/Method "
                  "(with --body the serialized request), or a server's http:// or grpc:// URL "
                  "with --model")
      ->required();
  auto* concurrency = cmd->add_option(
      "--concurrency,-c", options->concurrency,
      "Closed loop: requests outstanding at once, each on its own connection (default 1, or "
      "--connections)");
  auto* rate = cmd->add_option(
      "--rate,-r", options->rate,
      "Open loop: requests per second, sent at intended times (--scenario server: the target "
      "queries per second)");
  auto* trace = cmd->add_option(
      "--trace", options->trace_path,
      "Open loop: replay arrival times from FILE (one interval per line, microseconds unless "
      "suffixed ns/us/ms/s; '#! timestamps' for absolute times)");
  concurrency->excludes(rate)->excludes(trace);
  rate->excludes(trace);
  cmd->add_option("--arrival", options->arrival, "Open loop arrivals: poisson or constant")
      ->capture_default_str();
  cmd->add_option("--duration,-d", options->duration, "Measured window, e.g. 30s, 2m")
      ->capture_default_str();
  cmd->add_option("--warmup,-w", options->warmup, "Warm-up before the window, never measured")
      ->capture_default_str();
  cmd->add_option("--connections", options->connections,
                  "Connections to keep open (open loop default 64; closed loop = concurrency)");
  cmd->add_option("--threads,-t", options->threads,
                  "Worker threads, each with its own event loop and share of connections")
      ->capture_default_str();
  cmd->add_option("--method,-m", options->method, "HTTP method")->capture_default_str();
  cmd->add_option("--header,-H", options->headers, "Extra request header 'Name: value'")
      ->allow_extra_args(false);
  cmd->add_option("--body,-b", options->body, "Request body: TEXT, or @FILE to read it from FILE");
  cmd->add_option("--timeout", options->timeout,
                  "A request without a complete response after this long is a timeout error")
      ->capture_default_str();
  cmd->add_option(
      "--expect-kserve-response", options->expected_response_path,
      "FILE holds a correct KServe v2 JSON response to the request (e.g. saved with curl); "
      "every 2xx response must have the same outputs (names, datatypes, shapes, element "
      "counts; values are not compared), or it counts as a validation error, not a success");
  cmd->add_option("--model", options->model,
                  "Send a KServe v2 inference request for MODEL over the URL's protocol "
                  "(http://HOST:PORT REST with JSON tensors, grpc://HOST:PORT gRPC with raw "
                  "tensors), made from its metadata as `servebench run` does; every answer must "
                  "have the first answer's outputs");
  cmd->add_option(
      "--protocol", options->protocol,
      "With --model: the wire protocol, a registered name that needs no options "
      "(docs/config.md, Protocols), e.g. tfserving-grpc (grpc:// URLs) or tfserving-rest "
      "(http://); default kserve-v2-rest for http://, grpc for grpc://");
  cmd->add_option("--batch", options->batch, "With --model: samples per request")
      ->capture_default_str();
  cmd->add_option("--input-data", options->input_data,
                  "With --model: FILE holds a KServe v2 JSON inference request whose inputs are "
                  "sent instead of synthetic data");
  cmd->add_option("--seed", options->seed, "Seed of the Poisson arrivals")->capture_default_str();
  cmd->add_option("--json", options->json_path,
                  "Also write the result as JSON to FILE ('-': JSON alone on stdout)");
  cmd->add_option("--send-spin", options->send_spin,
                  "Open loop: wake this long before each intended send and spin to it, handling "
                  "responses meanwhile (0: sleep until the intended time; docs/performance.md)")
      ->capture_default_str();
  cmd->add_flag("--quiet,-q", options->quiet, "No progress line");

  cmd->add_option(
         "--scenario", options->scenario,
         "An MLPerf LoadGen scenario: single-stream (one query at a time; metric p90 latency), "
         "multi-stream (queries of --samples-per-query requests sent together; metric p99 of "
         "query latency, a query's being its slowest sample's), server (Poisson arrivals at "
         "--rate; metric the rate, with the --percentile latency and its --latency-bound "
         "verdict), offline (--total-samples sent at the start in requests of "
         "--samples-per-request; metric samples/s). Replaces --concurrency, --arrival, --trace "
         "and --duration. The result is VALID when every rule of the scenario holds, else "
         "INVALID with each failed rule and a recommendation (docs/metrics.md, \"Scenarios\")")
      ->group("Scenarios");
  cmd->add_option("--samples-per-query", options->samples_per_query,
                  "multi-stream: samples (requests, one connection each) per query")
      ->capture_default_str()
      ->group("Scenarios");
  cmd->add_option("--total-samples", options->total_samples,
                  "offline: samples to send, all at the start (required)")
      ->group("Scenarios");
  cmd->add_option("--samples-per-request", options->samples_per_request,
                  "offline: samples each request carries (the batch size; --body must hold that "
                  "many); --total-samples must be a multiple of it")
      ->capture_default_str()
      ->group("Scenarios");
  cmd->add_option("--min-duration", options->min_duration,
                  "The window lasts at least this long (offline: checked after the run)")
      ->capture_default_str()
      ->group("Scenarios");
  cmd->add_option("--max-duration", options->max_duration,
                  "The window never lasts longer (offline: samples not done by then are errors)")
      ->capture_default_str()
      ->group("Scenarios");
  cmd->add_option("--min-queries", options->min_queries,
                  "The window holds at least this many queries (default: the fewest that define "
                  "the early-stopping estimate at the percentile: 64 at p90, 662 at p99; offline "
                  "1 request)")
      ->group("Scenarios");
  cmd->add_option("--percentile", options->percentile,
                  "The metric's latency percentile (default: single-stream 90, multi-stream and "
                  "server 99)")
      ->group("Scenarios");
  cmd->add_option("--latency-bound", options->latency_bound,
                  "A bound on the latency at --percentile, judged with MLPerf's early stopping: "
                  "met, not_met or undecided, e.g. 100ms")
      ->group("Scenarios");
  cmd->callback([options, cmd, exit_code] { *exit_code = RunLoadCommand(*options, *cmd); });
}

}  // namespace servebench
