// Copyright servebench authors.

#include "servebench/load/load_engine.h"

#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "servebench/core/clock.h"
#include "servebench/load/grpc_worker.h"
#include "servebench/load/http_request.h"
#include "servebench/load/thread_schedule.h"
#include "servebench/load/worker.h"

namespace servebench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

bool Resolve(const Url& url, tcp::endpoint* endpoint, std::string* error) {
  asio::io_context io;
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto results = resolver.resolve(url.host, std::to_string(url.port), ec);
  if (ec || results.empty()) {
    *error = "cannot resolve host '" + url.host + "': " + (ec ? ec.message() : "no addresses");
    return false;
  }
  *endpoint = results.begin()->endpoint();
  return true;
}

// Hands the workers from "connected" to "go" (or "give up") across threads.
class StartGate {
 public:
  explicit StartGate(int workers) : waiting_(workers) {}

  void Connected(bool ok, const std::string& error) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!ok && first_error_.empty()) first_error_ = error;
    if (--waiting_ == 0) cv_.notify_all();
  }
  // Blocks until every worker has connected or failed; returns the first failure, or "".
  std::string WaitConnected() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return waiting_ == 0; });
    return first_error_;
  }
  void Open(int64_t start_ns) {
    std::lock_guard<std::mutex> lock(mu_);
    start_ns_ = start_ns;
    opened_ = true;
    cv_.notify_all();
  }
  // Blocks until Open(); returns the start time, or -1 when the run was called off.
  int64_t WaitOpen() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return opened_; });
    return start_ns_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int waiting_;
  std::string first_error_;
  bool opened_ = false;
  int64_t start_ns_ = -1;
};

// Runs `workers` (Worker or GrpcWorker: the same interface) and merges what they measured.
template <typename W>
bool RunWorkers(const LoadSettings& settings, const LoadHooks& hooks,
                const std::vector<std::unique_ptr<W>>& workers, LoadResult* result,
                std::string* error) {
  const int threads = settings.threads;
  StartGate gate(threads);
  Worker::EarlyEnd early_end;
  std::atomic<int> running{threads};
  const double cpu_before = ProcessCpuSeconds();
  const int64_t wall_before = MonotonicNanos();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, worker = workers[t].get()] {
      std::string connect_error;
      const bool ok = worker->Connect(&connect_error);
      gate.Connected(ok, connect_error);
      const int64_t start_ns = gate.WaitOpen();
      if (start_ns >= 0) worker->Run(start_ns, &early_end);
      running.fetch_sub(1);
    });
  }

  const std::string connect_error = gate.WaitConnected();
  if (!connect_error.empty()) {
    gate.Open(-1);
    for (auto& thread : pool) thread.join();
    *error = connect_error;
    return false;
  }
  // A short lead lets every thread reach its loop before the first intended send, so the run
  // does not open with a burst of requests that all missed their times.
  const int64_t start_ns = MonotonicNanos() + 2 * kNanosPerMilli;
  gate.Open(start_ns);

  const int64_t window_start_ns = start_ns + settings.warmup_ns;
  const int64_t planned_end_ns = window_start_ns + settings.duration_ns;
  int64_t end_ns = planned_end_ns;  // moved earlier by an observer or an interrupt
  const int64_t total_ns = settings.warmup_ns + settings.duration_ns;
  // Window k is final once its end has passed by this much: its tallies go by completion time,
  // and a completion read just before the boundary is tallied a moment later.
  const int64_t window_settle_ns = 5 * kNanosPerMilli;
  constexpr int64_t kEndNoticeNs = 25 * kNanosPerMilli;
  std::vector<WindowStats> windows;
  bool measurement_started = false;
  bool observer_done = false;
  int64_t last_report_ns = start_ns;
  int64_t last_completed = 0;
  bool interrupted = false;
  // Closes every window that has ended, in order, and shows it to the observer. After the run
  // (final) every tally is complete, so no settling time is needed.
  auto close_windows = [&](int64_t now_ns, bool final) {
    while (settings.window_ns > 0) {
      const int k = static_cast<int>(windows.size());
      const int64_t w_start = window_start_ns + k * settings.window_ns;
      const int64_t w_end = std::min({w_start + settings.window_ns, planned_end_ns, end_ns});
      if (w_start >= end_ns || (!final && now_ns < w_end + window_settle_ns)) break;
      WindowStats w;
      w.index = k;
      w.seconds = (w_end - w_start) / 1e9;
      int64_t latency_sum_ns = 0;
      w.over_bound.assign(settings.window_bounds_ns.size(), 0);
      for (const auto& worker : workers) {
        w.ok += worker->window_ok(k);
        w.measured_ok += worker->window_measured_ok(k);
        latency_sum_ns += worker->window_latency_sum_ns(k);
        for (size_t b = 0; b < w.over_bound.size(); ++b) {
          w.over_bound[b] += worker->window_over_bound(k, b);
        }
      }
      w.throughput_rps = w.seconds > 0 ? w.ok / w.seconds : 0;
      w.mean_latency_us = w.ok > 0 ? latency_sum_ns / 1e3 / w.ok : 0;
      windows.push_back(w);
      if (hooks.observer != nullptr && !observer_done && !interrupted && !final &&
          hooks.observer->OnWindow(windows)) {
        // The workers learn of a new end within one tick (<= 10 ms), so the end must lie ahead:
        // the window in progress, which ends about a window from now, is the last.
        observer_done = true;
        end_ns = std::min(end_ns, w_end + settings.window_ns);
        early_end.end_at_ns.store(end_ns);
      }
    }
  };
  while (running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const int64_t now_ns = MonotonicNanos();
    if (!interrupted && hooks.interrupt != nullptr && hooks.interrupt->load()) {
      interrupted = true;
      // The end lies two ticks ahead so that every worker knows it before it comes: what starts
      // and completes inside the window is then the same set for all counts.
      end_ns = std::min(end_ns, std::max(now_ns + kEndNoticeNs, window_start_ns));
      early_end.abandon.store(true);
      early_end.end_at_ns.store(end_ns);
    }
    if (hooks.observer != nullptr && !measurement_started && now_ns >= window_start_ns &&
        !interrupted) {
      measurement_started = true;
      hooks.observer->OnMeasurementStart();
    }
    close_windows(now_ns, /*final=*/false);
    if (hooks.progress && now_ns - last_report_ns >= kNanosPerSecond) {
      LoadProgress p;
      p.elapsed_s = (now_ns - start_ns) / 1e9;
      p.total_s = total_ns / 1e9;
      p.warming_up = now_ns < window_start_ns;
      for (const auto& w : workers) p.completed += w->progress();
      p.recent_rps = (p.completed - last_completed) / ((now_ns - last_report_ns) / 1e9);
      last_completed = p.completed;
      last_report_ns = now_ns;
      hooks.progress(p);
    }
  }
  for (auto& thread : pool) thread.join();

  // Where the window really ended, when the run itself decided: SingleStream and MultiStream
  // end at the completion of the query that met both minimums, Offline at its last completion.
  // The window includes that completion: it ends 1 ns later for the tallies, which count
  // completions before the end.
  int64_t last_completion_ns = 0;
  for (const auto& w : workers)
    last_completion_ns = std::max(last_completion_ns, w->last_completion_ns());
  int64_t measured_end_ns = end_ns;
  const LoadScenario scenario = settings.scenario.kind;
  int64_t run_end_ns = 0;
  if (scenario == LoadScenario::kSingleStream || scenario == LoadScenario::kMultiStream) {
    run_end_ns = workers[0]->minimums_met_ns();
  } else if (scenario == LoadScenario::kOffline) {
    run_end_ns = last_completion_ns;
  }
  if (run_end_ns >= window_start_ns && run_end_ns < end_ns) {
    measured_end_ns = run_end_ns;
    end_ns = run_end_ns + 1;
  }
  close_windows(MonotonicNanos(), /*final=*/true);

  LoadResult r;
  r.settings = settings;
  r.cpu_seconds = ProcessCpuSeconds() - cpu_before;
  r.wall_seconds = (MonotonicNanos() - wall_before) / 1e9;
  r.cpu_utilization = r.wall_seconds > 0 ? r.cpu_seconds / (r.wall_seconds * threads) : 0;
  r.interrupted = interrupted;
  r.window_s = std::max<int64_t>(0, measured_end_ns - window_start_ns) / 1e9;
  r.last_completion_s =
      last_completion_ns > 0 ? std::max<int64_t>(0, last_completion_ns - window_start_ns) / 1e9 : 0;
  r.windows = std::move(windows);
  for (const auto& w : workers) {
    r.counters.Add(w->counters());
    r.latency.Merge(w->latency());
    r.service_time.Merge(w->service_time());
    r.schedule_lag.Merge(w->schedule_lag());
    r.query_latency.Merge(w->query_latency());
    if (r.first_validation_error.empty()) r.first_validation_error = w->first_validation_error();
  }
  // Closed loop: a request is sent the moment it is started, so its service time is its latency.
  // (SingleStream and MultiStream time each request from its query's start, and keep both.)
  if (settings.mode == LoopMode::kClosed && scenario != LoadScenario::kSingleStream &&
      scenario != LoadScenario::kMultiStream) {
    r.service_time = r.latency;
  }
  *result = std::move(r);
  return true;
}

}  // namespace

bool RunLoad(const LoadSettings& settings, const ProgressCallback& progress,
             const std::atomic<bool>* interrupt, LoadResult* result, std::string* error) {
  LoadHooks hooks;
  hooks.progress = progress;
  hooks.interrupt = interrupt;
  return RunLoad(settings, hooks, result, error);
}

bool RunLoad(const LoadSettings& settings, const LoadHooks& hooks, LoadResult* result,
             std::string* error) {
  if (!ValidateLoadSettings(settings, error)) return false;
  const int threads = settings.threads;
  // Thread t's share of n things: n / threads, one more for the first n % threads.
  auto share = [threads](int n, int t) { return n / threads + (t < n % threads); };
  auto schedule = [&](int t) {
    return settings.mode == LoopMode::kOpen ? ScheduleForThread(settings, t) : nullptr;
  };
  if (settings.url.scheme == "grpc") {
    if (settings.scenario.kind != LoadScenario::kNone) {
      *error = "MLPerf scenarios run over HTTP only: the gRPC engine has no query scenarios (" +
               settings.url.scheme + "://" + settings.url.host_header + ")";
      return false;
    }
    std::vector<std::unique_ptr<GrpcWorker>> workers;
    for (int t = 0; t < threads; ++t) {
      const int connections = share(settings.connections, t);
      const int calls = settings.mode == LoopMode::kOpen
                            ? connections * GrpcWorker::kStreamsPerConnection
                            : share(settings.concurrency, t);
      workers.push_back(
          std::make_unique<GrpcWorker>(settings, settings.body, connections, calls, schedule(t)));
    }
    return RunWorkers(settings, hooks, workers, result, error);
  }
  tcp::endpoint endpoint;
  if (!Resolve(settings.url, &endpoint, error)) return false;
  const std::string request = SerializeRequest(settings);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) {
    workers.push_back(std::make_unique<Worker>(settings, endpoint, request,
                                               share(settings.connections, t), schedule(t)));
  }
  return RunWorkers(settings, hooks, workers, result, error);
}

}  // namespace servebench
