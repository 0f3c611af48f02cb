// Copyright servebench authors.

#include "servebench/bench/generator_group.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "servebench/bench/slurm_scheduler.h"
#include "servebench/core/clock.h"
#include "servebench/core/file.h"
#include "servebench/core/json_reader.h"
#include "servebench/load/load_engine.h"
#include "servebench/protocols/protocol_adapter.h"

extern char** environ;

namespace servebench {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A generator that has not said "ready" this long after its start is not going to.
constexpr int64_t kBarrierTimeoutNs = 30 * kNanosPerSecond;

json CountersJson(const LoadCounters& c) {
  json codes = json::object();
  for (size_t i = 0; i < c.status_codes.size(); ++i) {
    if (c.status_codes[i] != 0) codes[std::to_string(i)] = c.status_codes[i];
  }
  return {{"scheduled", c.scheduled},
          {"sent", c.sent},
          {"completed", c.completed},
          {"ok", c.ok},
          {"errors",
           {{"connect", c.errors.connect},
            {"timeout", c.errors.timeout},
            {"http_status", c.errors.http_status},
            {"protocol", c.errors.protocol},
            {"validation", c.errors.validation}}},
          {"ok_in_window", c.ok_in_window},
          {"late", c.late},
          {"queued", c.queued},
          {"reconnects", c.reconnects},
          {"connect_failures", c.connect_failures},
          {"stale_retries", c.stale_retries},
          {"status_codes", codes}};
}

bool CountersFromJson(const json& j, LoadCounters* c, std::string* error) {
  try {
    c->scheduled = j.at("scheduled").get<int64_t>();
    c->sent = j.at("sent").get<int64_t>();
    c->completed = j.at("completed").get<int64_t>();
    c->ok = j.at("ok").get<int64_t>();
    const json& e = j.at("errors");
    c->errors.connect = e.at("connect").get<int64_t>();
    c->errors.timeout = e.at("timeout").get<int64_t>();
    c->errors.http_status = e.at("http_status").get<int64_t>();
    c->errors.protocol = e.at("protocol").get<int64_t>();
    c->errors.validation = e.at("validation").get<int64_t>();
    c->ok_in_window = j.at("ok_in_window").get<int64_t>();
    c->late = j.at("late").get<int64_t>();
    c->queued = j.at("queued").get<int64_t>();
    c->reconnects = j.at("reconnects").get<int64_t>();
    c->connect_failures = j.at("connect_failures").get<int64_t>();
    c->stale_retries = j.at("stale_retries").get<int64_t>();
    for (const auto& [code, n] : j.at("status_codes").items()) {
      const size_t i = std::stoul(code);
      if (i >= c->status_codes.size()) throw std::out_of_range("status code " + code);
      c->status_codes[i] = n.get<int64_t>();
    }
  } catch (const std::exception& e) {
    *error = std::string("counters: ") + e.what();
    return false;
  }
  return true;
}

std::string UrlText(const Url& url) { return "http://" + url.host_header + url.target; }

// A spawned generator: its pid and the parent's ends of its stdin and stdout.
struct GeneratorChild {
  pid_t pid = -1;
  int to = -1;    // its stdin
  int from = -1;  // its stdout
  std::string said;
  std::string log;
};

bool Spawn(const std::vector<std::string>& argv, const std::string& log, GeneratorChild* child,
           std::string* error) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int rc =
      ::posix_spawnp(&child->pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  if (rc != 0) {
    ::close(in[1]);
    ::close(out[0]);
    *error = "cannot start " + argv[0] + ": " + std::strerror(rc);
    return false;
  }
  child->to = in[1];
  child->from = out[0];
  child->log = log;
  return true;
}

// Reads what the children say until each has said `word` (a line of its own) or `deadline`.
bool AwaitWord(std::vector<GeneratorChild>* children, const std::string& word, int64_t deadline,
               const std::atomic<bool>* interrupt, std::string* error) {
  while (true) {
    bool all = true;
    for (const GeneratorChild& c : *children)
      all = all && c.said.find(word + "\n") != std::string::npos;
    if (all) return true;
    if (interrupt != nullptr && interrupt->load()) {
      *error = "interrupted";
      return false;
    }
    const int64_t left_ms = (deadline - MonotonicNanos()) / kNanosPerMilli;
    if (left_ms <= 0) {
      *error = "no '" + word + "' from every generator in time";
      return false;
    }
    // Not those that have said it: a child that has ended would wake poll at once, and this
    // loop would spin beside the generators still measuring.
    std::vector<pollfd> fds;
    for (const GeneratorChild& c : *children) {
      fds.push_back({c.said.find(word + "\n") == std::string::npos ? c.from : -1, POLLIN, 0});
    }
    const int ready =
        ::poll(fds.data(), fds.size(), static_cast<int>(std::min<int64_t>(left_ms, 100)));
    if (ready <= 0) continue;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      char buffer[256];
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        (*children)[i].said.append(buffer, static_cast<size_t>(n));
      } else if ((*children)[i].said.find(word + "\n") == std::string::npos) {
        std::string tail;
        ReadWholeFile((*children)[i].log, &tail, error);
        *error = "generator " + std::to_string(i) + " ended before saying '" + word +
                 "': " + tail.substr(tail.size() > 400 ? tail.size() - 400 : 0);
        return false;
      }
    }
  }
}

void EndAll(std::vector<GeneratorChild>* children, bool kill) {
  for (GeneratorChild& c : *children) {
    if (c.to >= 0) ::close(c.to);
    if (c.from >= 0) ::close(c.from);
    c.to = c.from = -1;
    if (c.pid > 0) {
      if (kill) ::kill(c.pid, SIGTERM);
      int status = 0;
      while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
      }
      c.pid = -1;
    }
  }
}

}  // namespace

std::vector<LoadSettings> SplitLoad(const LoadSettings& settings, int n) {
  std::vector<LoadSettings> parts(static_cast<size_t>(n), settings);
  for (int k = 0; k < n; ++k) {
    LoadSettings& s = parts[static_cast<size_t>(k)];
    if (settings.mode == LoopMode::kClosed) {
      s.concurrency = settings.concurrency / n + (k < settings.concurrency % n ? 1 : 0);
      s.connections = s.concurrency;
      s.threads = std::max(1, std::min(settings.threads, s.concurrency));
    } else {
      s.rate = settings.rate / n;
      s.connections = std::max(1, settings.connections / n);
      s.threads = std::min(settings.threads, s.connections);
      // Independent streams: one Poisson process of rate R is N independent ones of R/N.
      s.seed = settings.seed + 1000003ULL * static_cast<uint64_t>(k);
    }
  }
  return parts;
}

json GeneratorSpecJson(const LoadSettings& s, const GeneratorLaunch& launch) {
  json headers = json::array();
  for (const auto& [name, value] : s.headers) headers.push_back({name, value});
  return {{"url", UrlText(s.url)},
          {"method", s.method},
          {"headers", headers},
          {"body", s.body},
          {"protocol", launch.protocol},
          {"reference_response", launch.reference_response},
          {"mode", LoopModeName(s.mode)},
          {"concurrency", s.concurrency},
          {"arrival", ArrivalName(s.arrival)},
          {"rate", s.rate},
          {"seed", s.seed},
          {"connections", s.connections},
          {"threads", s.threads},
          {"warmup_ns", s.warmup_ns},
          {"duration_ns", s.duration_ns},
          {"timeout_ns", s.timeout_ns},
          {"window_ns", s.window_ns},
          {"late_threshold_ns", s.late_threshold_ns},
          {"window_bounds_ns", s.window_bounds_ns}};
}

json LoadResultJson(const LoadResult& r) {
  json windows = json::array();
  for (const WindowStats& w : r.windows) {
    windows.push_back({{"seconds", w.seconds},
                       {"ok", w.ok},
                       {"throughput_rps", w.throughput_rps},
                       {"mean_latency_us", w.mean_latency_us},
                       {"measured_ok", w.measured_ok},
                       {"over_bound", w.over_bound}});
  }
  return {{"window_s", r.window_s},
          {"interrupted", r.interrupted},
          {"windows", windows},
          {"counters", CountersJson(r.counters)},
          {"latency", r.latency.ToJson()},
          {"service_time", r.service_time.ToJson()},
          {"schedule_lag", r.schedule_lag.ToJson()},
          {"cpu_seconds", r.cpu_seconds},
          {"wall_seconds", r.wall_seconds},
          {"cpu_utilization", r.cpu_utilization},
          {"first_validation_error", r.first_validation_error}};
}

bool LoadResultFromJson(const json& j, LoadResult* out, std::string* error) {
  LoadResult r;
  try {
    r.window_s = j.at("window_s").get<double>();
    r.interrupted = j.at("interrupted").get<bool>();
    int index = 0;
    for (const json& w : j.at("windows")) {
      WindowStats s;
      s.index = index++;
      s.seconds = w.at("seconds").get<double>();
      s.ok = w.at("ok").get<int64_t>();
      s.throughput_rps = w.at("throughput_rps").get<double>();
      s.mean_latency_us = w.at("mean_latency_us").get<double>();
      s.measured_ok = w.at("measured_ok").get<int64_t>();
      s.over_bound = w.at("over_bound").get<std::vector<int64_t>>();
      r.windows.push_back(s);
    }
    r.cpu_seconds = j.at("cpu_seconds").get<double>();
    r.wall_seconds = j.at("wall_seconds").get<double>();
    r.cpu_utilization = j.at("cpu_utilization").get<double>();
    r.first_validation_error = j.at("first_validation_error").get<std::string>();
  } catch (const std::exception& e) {
    *error = std::string("generator result: ") + e.what();
    return false;
  }
  if (!CountersFromJson(j.at("counters"), &r.counters, error)) return false;
  for (auto [key, histogram] : {std::pair<const char*, Histogram*>{"latency", &r.latency},
                                {"service_time", &r.service_time},
                                {"schedule_lag", &r.schedule_lag}}) {
    auto it = j.find(key);
    if (it == j.end() || !Histogram::FromJson(*it, histogram, error)) {
      *error = std::string("generator result: ") + key + ": " +
               (it == j.end() ? std::string("missing") : *error);
      return false;
    }
  }
  *out = std::move(r);
  return true;
}

LoadResult MergeGeneratorResults(const LoadSettings& settings,
                                 const std::vector<LoadResult>& each) {
  LoadResult m;
  m.settings = settings;
  double throughput = 0;
  size_t windows = 0;
  for (const LoadResult& r : each) {
    m.counters.Add(r.counters);
    m.latency.Merge(r.latency);
    m.service_time.Merge(r.service_time);
    m.schedule_lag.Merge(r.schedule_lag);
    m.interrupted = m.interrupted || r.interrupted;
    m.cpu_seconds += r.cpu_seconds;
    m.wall_seconds = std::max(m.wall_seconds, r.wall_seconds);
    if (m.first_validation_error.empty()) m.first_validation_error = r.first_validation_error;
    throughput += r.throughput_rps();
    windows = std::max(windows, r.windows.size());
  }
  // The common window: every generator measured the same span from the common barrier, each on
  // its own clock. Its length here is the one for which ok / window_s is the generators' summed
  // throughput (their spans agree to the barrier's skew).
  m.window_s = throughput > 0 ? m.counters.ok_in_window / throughput : 0;
  if (throughput == 0) {
    for (const LoadResult& r : each) m.window_s = std::max(m.window_s, r.window_s);
  }
  for (size_t i = 0; i < windows; ++i) {
    WindowStats w;
    w.index = static_cast<int>(i);
    double latency_sum = 0;
    for (const LoadResult& r : each) {
      if (i >= r.windows.size()) continue;
      const WindowStats& x = r.windows[i];
      w.seconds = std::max(w.seconds, x.seconds);
      w.ok += x.ok;
      w.throughput_rps += x.throughput_rps;
      w.measured_ok += x.measured_ok;
      w.over_bound.resize(std::max(w.over_bound.size(), x.over_bound.size()), 0);
      for (size_t b = 0; b < x.over_bound.size(); ++b) w.over_bound[b] += x.over_bound[b];
      latency_sum += x.mean_latency_us * static_cast<double>(x.ok);
    }
    w.mean_latency_us = w.ok > 0 ? latency_sum / static_cast<double>(w.ok) : 0;
    m.windows.push_back(w);
  }
  int threads = 0;
  for (const LoadResult& r : each) threads += r.settings.threads;
  m.cpu_utilization =
      m.wall_seconds > 0 && threads > 0 ? m.cpu_seconds / (m.wall_seconds * threads) : 0;
  return m;
}

GeneratorRecord WorstGenerator(const std::vector<GeneratorRecord>& each) {
  GeneratorRecord w;
  bool any_lag = false;
  GeneratorRecord::Lag lag;
  for (const GeneratorRecord& g : each) {
    w.late_fraction = std::max(w.late_fraction, g.late_fraction);
    w.late_threshold_us = std::max(w.late_threshold_us, g.late_threshold_us);
    w.behind = w.behind || g.behind;
    w.cpu_seconds = std::max(w.cpu_seconds, g.cpu_seconds);
    w.cpu_utilization = std::max(w.cpu_utilization, g.cpu_utilization);
    w.wall_seconds = std::max(w.wall_seconds, g.wall_seconds);
    w.reconnects = std::max(w.reconnects, g.reconnects);
    w.connect_failures = std::max(w.connect_failures, g.connect_failures);
    w.stale_retries = std::max(w.stale_retries, g.stale_retries);
    if (g.queued_fraction) {
      w.queued_fraction = std::max(w.queued_fraction.value_or(0), *g.queued_fraction);
    }
    if (g.schedule_lag_us) {
      any_lag = true;
      lag.p50 = std::max(lag.p50, g.schedule_lag_us->p50);
      lag.p99 = std::max(lag.p99, g.schedule_lag_us->p99);
      lag.max = std::max(lag.max, g.schedule_lag_us->max);
    }
  }
  if (any_lag) w.schedule_lag_us = lag;
  return w;
}

bool RunGeneratorGroup(const LoadSettings& settings, int n, const GeneratorLaunch& launch,
                       GeneratorGroupResult* result, std::string* error) {
  if (n < 1 || (settings.mode == LoopMode::kClosed && settings.concurrency < n)) {
    *error = "cannot share concurrency " + std::to_string(settings.concurrency) + " among " +
             std::to_string(n) + " generators";
    return false;
  }
  std::error_code ec;
  fs::create_directories(launch.work_dir, ec);
  const std::vector<LoadSettings> parts = SplitLoad(settings, n);
  std::vector<GeneratorChild> children(static_cast<size_t>(n));
  std::vector<std::string> results;
  for (int k = 0; k < n; ++k) {
    const std::string base =
        (fs::path(launch.work_dir) / ("generator-" + std::to_string(k))).string();
    const std::string spec = base + ".spec.json", out = base + ".result.json";
    fs::remove(out, ec);
    std::ofstream(spec) << GeneratorSpecJson(parts[static_cast<size_t>(k)], launch).dump();
    std::vector<std::string> argv;
    if (launch.srun) {
      // A job step of its own in this job's allocation, sharing its node's CPUs with the
      // batch step (--overlap): Slurm places and accounts it.
      argv = SrunStepPrefix("servebench-generator", {});
    }
    argv.insert(argv.end(), {launch.servebench, "generator", spec, out});
    if (!Spawn(argv, base + ".log", &children[static_cast<size_t>(k)], error)) {
      EndAll(&children, /*kill=*/true);
      return false;
    }
    results.push_back(out);
  }
  // The barrier: every generator has read its spec and built its response check.
  if (!AwaitWord(&children, "ready", MonotonicNanos() + kBarrierTimeoutNs, launch.interrupt,
                 error)) {
    EndAll(&children, /*kill=*/true);
    *error = "generators: " + *error;
    return false;
  }
  for (GeneratorChild& c : children) {
    if (::write(c.to, "go\n", 3) != 3) {
      *error = "generators: cannot release the barrier";
      EndAll(&children, /*kill=*/true);
      return false;
    }
  }
  const int64_t deadline = MonotonicNanos() + settings.warmup_ns + settings.duration_ns +
                           2 * settings.timeout_ns + kBarrierTimeoutNs;
  // An interrupt reaches the generators as SIGINT; they end their window and answer.
  bool signalled = false;
  while (true) {
    std::string wait_error;
    if (AwaitWord(&children, "done", std::min(deadline, MonotonicNanos() + 200 * kNanosPerMilli),
                  nullptr, &wait_error)) {
      break;
    }
    if (wait_error.find("in time") == std::string::npos || MonotonicNanos() >= deadline) {
      EndAll(&children, /*kill=*/true);
      *error = "generators: " + wait_error;
      return false;
    }
    if (!signalled && launch.interrupt != nullptr && launch.interrupt->load()) {
      for (GeneratorChild& c : children) ::kill(c.pid, SIGINT);
      signalled = true;
    }
  }
  EndAll(&children, /*kill=*/false);
  result->each.clear();
  for (int k = 0; k < n; ++k) {
    std::string text;
    if (!ReadWholeFile(results[static_cast<size_t>(k)], &text, error)) return false;
    const json j = json::parse(text, nullptr, false);
    LoadResult r;
    if (j.is_discarded() || !LoadResultFromJson(j, &r, error)) {
      *error = results[static_cast<size_t>(k)] + ": " + (j.is_discarded() ? "not JSON" : *error);
      return false;
    }
    r.settings = parts[static_cast<size_t>(k)];
    result->each.push_back(std::move(r));
  }
  result->merged = MergeGeneratorResults(settings, result->each);
  return true;
}

int RunGeneratorProcess(const std::string& spec_path, const std::string& result_path,
                        const std::atomic<bool>* interrupt, std::istream& in, std::ostream& out,
                        std::ostream& err) {
  std::string text, error;
  if (!ReadWholeFile(spec_path, &text, &error)) {
    err << "servebench generator: " << error << "\n";
    return 1;
  }
  const json j = json::parse(text, nullptr, false);
  LoadSettings s;
  std::string protocol, reference;
  try {
    if (!ParseUrl(j.at("url").get<std::string>(), &s.url, &error)) throw std::runtime_error(error);
    s.method = j.at("method").get<std::string>();
    for (const json& h : j.at("headers")) {
      s.headers.emplace_back(h.at(0).get<std::string>(), h.at(1).get<std::string>());
    }
    s.body = j.at("body").get<std::string>();
    protocol = j.at("protocol").get<std::string>();
    reference = j.at("reference_response").get<std::string>();
    s.mode = j.at("mode").get<std::string>() == "open" ? LoopMode::kOpen : LoopMode::kClosed;
    s.concurrency = j.at("concurrency").get<int>();
    const std::string arrival = j.at("arrival").get<std::string>();
    if (!ParseRateArrival(arrival, &s.arrival) && s.mode == LoopMode::kOpen) {
      throw std::runtime_error("arrival '" + arrival + "' is not a rate's");
    }
    s.rate = j.at("rate").get<double>();
    s.seed = j.at("seed").get<uint64_t>();
    s.connections = j.at("connections").get<int>();
    s.threads = j.at("threads").get<int>();
    s.warmup_ns = j.at("warmup_ns").get<int64_t>();
    s.duration_ns = j.at("duration_ns").get<int64_t>();
    s.timeout_ns = j.at("timeout_ns").get<int64_t>();
    s.window_ns = j.at("window_ns").get<int64_t>();
    s.late_threshold_ns = j.at("late_threshold_ns").get<int64_t>();
    s.window_bounds_ns = j.at("window_bounds_ns").get<std::vector<int64_t>>();
  } catch (const std::exception& e) {
    err << "servebench generator: " << spec_path << ": " << e.what() << "\n";
    return 1;
  }
  if (!protocol.empty()) {
    std::unique_ptr<ProtocolAdapter> adapter = NewProtocolAdapter(protocol);
    if (!adapter) {
      err << "servebench generator: unknown protocol '" << protocol << "'\n";
      return 1;
    }
    s.response_check =
        adapter->NewResponseCheck(reference, "the first inference's response", &error);
    if (!s.response_check) {
      err << "servebench generator: cannot check responses: " << error << "\n";
      return 1;
    }
  }
  out << "ready\n" << std::flush;
  std::string go;
  if (!std::getline(in, go)) {
    err << "servebench generator: the barrier was never released\n";
    return 1;
  }
  LoadResult result;
  if (!RunLoad(s, ProgressCallback(), interrupt, &result, &error)) {
    err << "servebench generator: " << error << "\n";
    return 1;
  }
  std::ofstream(result_path) << LoadResultJson(result).dump();
  out << "done\n" << std::flush;
  return 0;
}

}  // namespace servebench
