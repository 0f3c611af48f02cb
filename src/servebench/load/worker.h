// Copyright servebench authors.
//
// One load-generating thread, as in wrk: its own event loop, its own connections, its own
// counters and histograms. Nothing is shared with other workers while the run is on, so nothing
// in the per-request path locks or allocates; the engine merges the workers afterwards.

#ifndef SERVEBENCH_LOAD_WORKER_H_
#define SERVEBENCH_LOAD_WORKER_H_

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "servebench/core/arrival_schedule.h"
#include "servebench/core/histogram.h"
#include "servebench/load/load_result.h"
#include "servebench/load/load_settings.h"

namespace servebench {

class Worker {
 public:
  // `schedule` is this worker's share of the open-loop arrivals (null in closed loop).
  Worker(const LoadSettings& settings, const boost::asio::ip::tcp::endpoint& endpoint,
         const std::string& request, int connections, std::unique_ptr<ArrivalSchedule> schedule);
  ~Worker();

  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Opens every connection, waiting at most the request timeout. On failure returns false with
  // the reason in *error ("connect to 127.0.0.1:9: Connection refused").
  bool Connect(std::string* error);

  // How the engine may end a run early: `end_at_ns` moves the window's end earlier (0 until
  // set), and `abandon` (when true) also gives up the open-loop backlog, for a user's interrupt.
  struct EarlyEnd {
    std::atomic<int64_t> end_at_ns{0};
    std::atomic<bool> abandon{false};
  };

  // Runs the load from `start_ns` (MonotonicNanos) until the window has ended and every request
  // of it has completed or timed out, or ends it early as `early_end` says.
  void Run(int64_t start_ns, const EarlyEnd* early_end);

  // The 2xx responses completed in window `index` so far and the sum of their latencies (ns);
  // readable from any thread while the run goes on.
  int64_t window_ok(int index) const;
  int64_t window_latency_sum_ns(int index) const;
  // Of those, the responses to requests of the measured span, and those of them whose latency
  // exceeded settings.window_bounds_ns[bound]; 0 without window bounds.
  int64_t window_measured_ok(int index) const;
  int64_t window_over_bound(int index, size_t bound) const;

  // Completed requests so far (any status, warm-up included); readable from any thread.
  int64_t progress() const { return progress_.load(std::memory_order_relaxed); }

  // Results, valid after Run() returns.
  const LoadCounters& counters() const { return counters_; }
  const Histogram& latency() const { return latency_; }
  const Histogram& service_time() const { return service_time_; }
  const Histogram& schedule_lag() const { return schedule_lag_; }
  // What was wrong with the first response the response check rejected; empty when none was.
  const std::string& first_validation_error() const { return first_validation_error_; }

 private:
  struct Connection;
  enum class Failure { kConnect, kTimeout, kProtocol };

  // Request life cycle.
  void StartRequest(Connection* c, int64_t intended_ns, int64_t now_ns);
  // Writes the request on `c` (first send or a re-send) with a fresh deadline and parser.
  void SendAttempt(Connection* c, int64_t now_ns);
  void NewResponseParser(Connection* c);
  // Applies the response check to the body of `c`'s 2xx response; false: a validation error.
  bool CheckBody(Connection* c);
  // Ends the outstanding request of `c` (if any) as failed and counts it.
  void AbandonRequest(Connection* c, Failure failure);
  void CountCompletion();
  void Write(Connection* c);
  void WaitReadable(Connection* c);
  void OnReadable(Connection* c, size_t bytes);
  void OnResponse(Connection* c, int64_t now_ns);
  void OnConnectionLost(Connection* c);
  void Fail(Connection* c, Failure failure);

  // Connection life cycle.
  void Reopen(Connection* c);
  void OnReopened(Connection* c, const boost::system::error_code& ec);
  void OnFree(Connection* c, int64_t now_ns);

  // Open loop: sends every due intended time on free connections, then arms the timer for the
  // next one.
  void Dispatch(int64_t now_ns);
  void AdvanceSchedule();
  void ArmScheduleTimer();

  void Tick();
  void MaybeFinish(int64_t now_ns);
  void Finish(int64_t now_ns);

  bool InWindow(int64_t start_ns) const {
    return start_ns >= window_start_ns_ && start_ns < end_ns_;
  }

  const LoadSettings& settings_;
  const boost::asio::ip::tcp::endpoint endpoint_;
  const std::string& request_;
  const bool open_loop_;
  const bool head_request_;  // decided once: compared per response otherwise
  const int64_t tick_ns_;

  boost::asio::io_context io_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer schedule_timer_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<Connection*> idle_;  // open loop: free connections, most recently freed last
  int64_t idle_since_ns_ = 0;      // open loop: since when idle_ has been non-empty
  int busy_ = 0;

  std::unique_ptr<ArrivalSchedule> schedule_;
  int64_t next_intended_ns_ = 0;  // absolute; valid while has_next_
  bool has_next_ = false;
  int64_t schedule_timer_at_ns_ = -1;

  int64_t start_ns_ = 0;
  int64_t window_start_ns_ = 0;
  int64_t end_ns_ = 0;               // end of the window: no request starts at or after it
  int64_t backlog_deadline_ns_ = 0;  // open loop: overdue requests are sent until then
  const EarlyEnd* early_end_ = nullptr;
  // Per-window tallies by completion time (settings.window_ns > 0); written by this thread only.
  struct WindowTally {
    std::atomic<int64_t> ok{0};
    std::atomic<int64_t> latency_sum_ns{0};
  };
  std::unique_ptr<WindowTally[]> window_tallies_;
  // With window bounds, BoundSlots() counts per window: the measured successes, then the ones
  // over each bound.
  size_t BoundSlots() const {
    return settings_.window_bounds_ns.empty() ? 0 : settings_.window_bounds_ns.size() + 1;
  }
  std::unique_ptr<std::atomic<int64_t>[]> window_bound_tallies_;
  int window_count_ = 0;
  bool finished_ = false;

  LoadCounters counters_;
  Histogram latency_ = Histogram::ForLatency();
  Histogram service_time_ = Histogram::ForLatency();
  Histogram schedule_lag_ = Histogram::ForLatency();
  std::atomic<int64_t> progress_{0};
  std::unique_ptr<ResponseChecker> checker_;  // null without a response check
  std::string first_validation_error_;
};

}  // namespace servebench

#endif  // SERVEBENCH_LOAD_WORKER_H_
