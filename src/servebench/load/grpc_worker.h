// Copyright servebench authors.
//
// One load-generating thread for gRPC unary calls, the counterpart of Worker (worker.h) for
// grpc:// URLs: its own completion queue, its own channels (one TCP connection each), its own
// counters and histograms. The call is generic: the URL's path names the method
// ("/inference.GRPCInferenceService/ModelInfer") and LoadSettings::body holds the serialized
// request message, so the engine knows no protocol. The thread waits on its completion queue
// and sends due requests between completions; nothing it does per request takes a lock of its
// own (gRPC's library does its own, per call).
//
// Statuses count as the HTTP engine's error kinds (docs/metrics.md): UNAVAILABLE (no
// connection, or it was lost) as connect, DEADLINE_EXCEEDED as timeout, any other non-OK status
// as a status error; an OK response that the response check rejects as validation.

#ifndef SERVEBENCH_LOAD_GRPC_WORKER_H_
#define SERVEBENCH_LOAD_GRPC_WORKER_H_

#include <grpcpp/completion_queue.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "servebench/core/arrival_schedule.h"
#include "servebench/core/histogram.h"
#include "servebench/load/load_result.h"
#include "servebench/load/load_settings.h"
#include "servebench/load/worker.h"

namespace servebench {

class GrpcWorker {
 public:
  // Requests that one connection carries at once in open loop (HTTP/2 streams); an arrival that
  // finds every connection full waits, and the wait counts in its latency (queued).
  static constexpr int kStreamsPerConnection = 100;

  // `request` is the serialized request message; `connections` this worker's channels and
  // `calls` its requests in flight at most (closed loop: its share of the concurrency; open
  // loop: connections x kStreamsPerConnection); `schedule` its share of the open-loop arrivals
  // (null in closed loop).
  GrpcWorker(const LoadSettings& settings, const std::string& request, int connections, int calls,
             std::unique_ptr<ArrivalSchedule> schedule);
  ~GrpcWorker();

  GrpcWorker(const GrpcWorker&) = delete;
  GrpcWorker& operator=(const GrpcWorker&) = delete;

  // Opens every connection, waiting at most the request timeout; false with the reason in
  // *error ("connect to grpc://127.0.0.1:9: ...").
  bool Connect(std::string* error);

  // As Worker::Run.
  void Run(int64_t start_ns, const Worker::EarlyEnd* early_end);

  int64_t window_ok(int index) const;
  int64_t window_latency_sum_ns(int index) const;
  int64_t window_measured_ok(int index) const;
  int64_t window_over_bound(int index, size_t bound) const;
  int64_t progress() const { return progress_.load(std::memory_order_relaxed); }

  const LoadCounters& counters() const { return counters_; }
  const Histogram& latency() const { return latency_; }
  const Histogram& service_time() const { return service_time_; }
  const Histogram& schedule_lag() const { return schedule_lag_; }
  const std::string& first_validation_error() const { return first_validation_error_; }
  // The engine's scenario hooks (load/worker.h): the gRPC engine runs no MLPerf query scenario
  // (RunLoad refuses one), so no query ever meets its minimums and no query latency is kept.
  int64_t minimums_met_ns() const { return 0; }
  int64_t last_completion_ns() const { return last_completion_ns_; }
  const Histogram& query_latency() const { return query_latency_; }

 private:
  struct Call;

  void StartCall(Call* call, int64_t intended_ns, int64_t now_ns);
  void OnDone(Call* call, int64_t now_ns);
  bool CheckBody(const grpc::ByteBuffer& response);
  void Free(Call* call, int64_t now_ns);
  void Dispatch(int64_t now_ns);
  void AdvanceSchedule();
  void Tick(int64_t now_ns);
  bool IssuingDone(int64_t now_ns) const;
  void Finish();
  // Waits for the next completion until `until_ns` (monotonic); handles it if one came.
  // `precise`: until_ns is an intended send time, to be kept to well under a millisecond.
  void WaitAndHandle(int64_t until_ns, bool precise);

  bool InWindow(int64_t start_ns) const {
    return start_ns >= window_start_ns_ && start_ns < end_ns_;
  }

  const LoadSettings& settings_;
  const std::string target_;  // host:port
  const std::string method_;  // "/package.Service/Method"
  const bool open_loop_;
  const int connection_count_;
  const int call_count_;
  std::vector<std::pair<std::string, std::string>> metadata_;  // the headers, names lower-case
  const int64_t tick_ns_;
  grpc::Slice request_;  // shared by every call; a ByteBuffer of it only takes a reference

  grpc::CompletionQueue cq_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  std::vector<std::unique_ptr<Call>> calls_;
  std::vector<Call*> free_;    // open loop: calls not in flight, most recently freed last
  std::vector<Call*> parked_;  // closed loop: calls waiting out a back-off
  int64_t free_since_ns_ = 0;  // open loop: since when free_ has been non-empty
  int busy_ = 0;

  std::unique_ptr<ArrivalSchedule> schedule_;
  int64_t next_intended_ns_ = 0;
  bool has_next_ = false;

  int64_t start_ns_ = 0;
  int64_t window_start_ns_ = 0;
  int64_t end_ns_ = 0;
  int64_t backlog_deadline_ns_ = 0;
  int64_t next_tick_ns_ = 0;
  const Worker::EarlyEnd* early_end_ = nullptr;
  struct WindowTally {
    std::atomic<int64_t> ok{0};
    std::atomic<int64_t> latency_sum_ns{0};
  };
  std::unique_ptr<WindowTally[]> window_tallies_;
  // As Worker's: per window, the measured successes, then the ones over each window bound.
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
  Histogram query_latency_ = Histogram::ForLatency();  // stays empty
  int64_t last_completion_ns_ = 0;                     // of a measured call
  std::atomic<int64_t> progress_{0};
  std::unique_ptr<ResponseChecker> checker_;
  std::string body_;  // a checked response's bytes, reused
  std::string first_validation_error_;
};

}  // namespace servebench

#endif  // SERVEBENCH_LOAD_GRPC_WORKER_H_
