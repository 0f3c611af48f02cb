// Copyright servebench authors.

#include "servebench/load/grpc_worker.h"

#include <grpc/support/time.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <time.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>
#include <thread>
#include <utility>

#include "servebench/core/clock.h"
#include "servebench/load/grpc_status.h"
#include "servebench/load/reconnect_backoff.h"

namespace servebench {

namespace {

// gRPC rounds a completion queue's deadline up to the next millisecond. A wait that ends at an
// intended send time blocks on the queue only until this long before it, then polls the queue
// and sleeps in short steps, so that sends keep their times to well under the late threshold.
constexpr int64_t kCoarseWaitNs = 2 * kNanosPerMilli;
constexpr int64_t kFineStepNs = 50 * kNanosPerMicro;

gpr_timespec MonotonicDeadline(int64_t from_now_ns) {
  return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                      gpr_time_from_nanos(std::max<int64_t>(0, from_now_ns), GPR_TIMESPAN));
}

void SleepFor(int64_t ns) {
  timespec ts{static_cast<time_t>(ns / kNanosPerSecond), static_cast<long>(ns % kNanosPerSecond)};
  nanosleep(&ts, nullptr);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

struct GrpcWorker::Call {
  int channel = 0;
  std::optional<grpc::ClientContext> context;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
  grpc::ByteBuffer response;
  grpc::Status status;
  bool busy = false;
  bool measured = false;
  int64_t intended_ns = 0;
  int64_t sent_ns = 0;
  // Closed loop: after UNAVAILABLE the call waits before its next try, as the HTTP engine's
  // reconnects do, so that a dead server costs a few calls per second, not a busy loop.
  int64_t backoff_ns = 0;
  int64_t not_before_ns = 0;
};

GrpcWorker::GrpcWorker(const LoadSettings& settings, const std::string& request, int connections,
                       int calls, std::unique_ptr<ArrivalSchedule> schedule)
    : settings_(settings),
      target_((settings.url.host.find(':') != std::string::npos ? "[" + settings.url.host + "]"
                                                                : settings.url.host) +
              ":" + std::to_string(settings.url.port)),
      method_(settings.url.target),
      open_loop_(settings.mode == LoopMode::kOpen),
      connection_count_(connections),
      call_count_(calls),
      tick_ns_(std::clamp<int64_t>(settings.timeout_ns / 10, kNanosPerMilli, 10 * kNanosPerMilli)),
      request_(request.data(), request.size()),
      schedule_(std::move(schedule)) {
  for (const auto& [name, value] : settings.headers) {
    const std::string lower = Lower(name);
    // HTTP/2 and gRPC set these themselves.
    if (lower == "content-type" || lower == "host" || lower == "te") continue;
    metadata_.emplace_back(lower, value);
  }
  if (settings.response_check) {
    checker_ = settings.response_check->NewChecker();
    body_.reserve(kInitialCheckedBodyBytes + kResponseBodyPadding);
  }
  if (settings.window_ns > 0) {
    window_count_ =
        static_cast<int>((settings.duration_ns + settings.window_ns - 1) / settings.window_ns);
    window_tallies_ = std::make_unique<WindowTally[]>(window_count_);
    window_bound_tallies_ =
        std::make_unique<std::atomic<int64_t>[]>(static_cast<size_t>(window_count_) * BoundSlots());
  }
}

GrpcWorker::~GrpcWorker() {
  if (!finished_) {
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
    }
  }
}

bool GrpcWorker::Connect(std::string* error) {
  const int64_t deadline_ns = MonotonicNanos() + settings_.timeout_ns;
  for (int i = 0; i < connection_count_; ++i) {
    grpc::ChannelArguments args;
    // Each channel gets its own subchannel, hence its own TCP connection, as the HTTP engine's
    // connections are each their own socket.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(-1);
    args.SetMaxSendMessageSize(-1);
    channels_.push_back(
        grpc::CreateCustomChannel(target_, grpc::InsecureChannelCredentials(), args));
    stubs_.push_back(std::make_unique<grpc::GenericStub>(channels_.back()));
  }
  for (auto& channel : channels_) {
    grpc_connectivity_state state = channel->GetState(/*try_to_connect=*/true);
    while (state != GRPC_CHANNEL_READY) {
      if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN) {
        *error = "connect to grpc://" + target_ +
                 ": the connection failed (refused, reset or not HTTP/2)";
        return false;
      }
      if (!channel->WaitForStateChange(state, MonotonicDeadline(deadline_ns - MonotonicNanos()))) {
        *error = "connect to grpc://" + target_ + ": no connection within the timeout of " +
                 std::to_string(settings_.timeout_ns / kNanosPerMilli) + " ms";
        return false;
      }
      state = channel->GetState(true);
    }
  }
  return true;
}

int64_t GrpcWorker::window_ok(int index) const {
  return index < window_count_ ? window_tallies_[index].ok.load(std::memory_order_relaxed) : 0;
}

int64_t GrpcWorker::window_latency_sum_ns(int index) const {
  return index < window_count_
             ? window_tallies_[index].latency_sum_ns.load(std::memory_order_relaxed)
             : 0;
}

int64_t GrpcWorker::window_measured_ok(int index) const {
  return index < window_count_ && BoundSlots() > 0
             ? window_bound_tallies_[static_cast<size_t>(index) * BoundSlots()].load(
                   std::memory_order_relaxed)
             : 0;
}

int64_t GrpcWorker::window_over_bound(int index, size_t bound) const {
  return index < window_count_ && bound + 1 < BoundSlots()
             ? window_bound_tallies_[static_cast<size_t>(index) * BoundSlots() + 1 + bound].load(
                   std::memory_order_relaxed)
             : 0;
}

void GrpcWorker::Run(int64_t start_ns, const Worker::EarlyEnd* early_end) {
  start_ns_ = start_ns;
  window_start_ns_ = start_ns + settings_.warmup_ns;
  end_ns_ = window_start_ns_ + settings_.duration_ns;
  backlog_deadline_ns_ = end_ns_ + settings_.timeout_ns;
  early_end_ = early_end;
  next_tick_ns_ = start_ns + tick_ns_;

  for (int i = 0; i < call_count_; ++i) {
    calls_.push_back(std::make_unique<Call>());
    calls_.back()->channel = i % connection_count_;
  }
  std::this_thread::sleep_until(
      std::chrono::steady_clock::time_point(std::chrono::nanoseconds(start_ns)));
  if (open_loop_) {
    for (auto it = calls_.rbegin(); it != calls_.rend(); ++it) free_.push_back(it->get());
    free_since_ns_ = start_ns;
    AdvanceSchedule();
  } else {
    for (auto& call : calls_) StartCall(call.get(), 0, MonotonicNanos());
  }

  while (true) {
    int64_t now_ns = MonotonicNanos();
    if (now_ns >= next_tick_ns_) {
      Tick(now_ns);
      next_tick_ns_ = now_ns + tick_ns_;
    }
    if (open_loop_) {
      Dispatch(now_ns);
    } else {
      // Calls waiting out a back-off after UNAVAILABLE.
      for (Call* call : parked_) {
        if (call->not_before_ns <= now_ns && now_ns < end_ns_) StartCall(call, 0, now_ns);
      }
      std::erase_if(parked_, [](Call* call) { return call->busy; });
    }
    now_ns = MonotonicNanos();
    if (busy_ == 0 && IssuingDone(now_ns)) break;
    int64_t wake_ns = next_tick_ns_;
    for (Call* call : parked_) wake_ns = std::min(wake_ns, call->not_before_ns);
    // Only an intended send time needs a precise wake-up.
    const bool send_due = open_loop_ && has_next_ && !free_.empty() &&
                          next_intended_ns_ < end_ns_ && next_intended_ns_ <= wake_ns;
    if (send_due) wake_ns = next_intended_ns_;
    WaitAndHandle(wake_ns, send_due);
  }
  Finish();
}

void GrpcWorker::WaitAndHandle(int64_t until_ns, bool precise) {
  const int64_t wait_ns = until_ns - MonotonicNanos();
  const bool coarse = !precise || wait_ns > kCoarseWaitNs;
  void* tag = nullptr;
  bool ok = false;
  const grpc::CompletionQueue::NextStatus status =
      cq_.AsyncNext(&tag, &ok,
                    !coarse ? gpr_inf_past(GPR_CLOCK_MONOTONIC)
                            : MonotonicDeadline(precise ? wait_ns - kCoarseWaitNs / 2 : wait_ns));
  if (status == grpc::CompletionQueue::GOT_EVENT) {
    OnDone(static_cast<Call*>(tag), MonotonicNanos());
  } else if (!coarse && wait_ns > 0) {
    SleepFor(std::min(wait_ns, kFineStepNs));
  }
}

// ---- Request life cycle -------------------------------------------------------------------

void GrpcWorker::StartCall(Call* call, int64_t intended_ns, int64_t now_ns) {
  call->busy = true;
  ++busy_;
  call->intended_ns = open_loop_ ? intended_ns : now_ns;
  call->measured = InWindow(call->intended_ns);
  if (call->measured) ++counters_.sent;
  call->sent_ns = now_ns;
  call->reader.reset();  // lives in the previous call's arena, which the context owns
  call->context.emplace();
  call->context->set_deadline(MonotonicDeadline(settings_.timeout_ns));
  for (const auto& [name, value] : metadata_) call->context->AddMetadata(name, value);
  grpc::ByteBuffer request(&request_, 1);
  call->reader = stubs_[call->channel]->PrepareUnaryCall(&*call->context, method_, request, &cq_);
  call->reader->StartCall();
  call->reader->Finish(&call->response, &call->status, call);
}

bool GrpcWorker::CheckBody(const grpc::ByteBuffer& response) {
  body_.clear();
  grpc::Slice single;
  if (response.TrySingleSlice(&single).ok()) {
    body_.append(reinterpret_cast<const char*>(single.begin()), single.size());
  } else {
    std::vector<grpc::Slice> slices;
    if (!response.Dump(&slices).ok()) return false;
    for (const grpc::Slice& s : slices) {
      body_.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  if (body_.capacity() < body_.size() + kResponseBodyPadding) {
    body_.reserve(body_.size() + body_.size() / 2 + kResponseBodyPadding);
  }
  if (checker_->Check(body_, nullptr)) return true;
  if (first_validation_error_.empty()) {
    checker_->Check(body_, &first_validation_error_);
    if (first_validation_error_.empty()) first_validation_error_ = "rejected by the check";
  }
  return false;
}

void GrpcWorker::OnDone(Call* call, int64_t now_ns) {
  call->busy = false;
  --busy_;
  progress_.store(progress_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  const int code = static_cast<int>(call->status.error_code());
  const bool ok = code == kGrpcOk;
  const bool valid = !ok || !checker_ || CheckBody(call->response);
  const bool success = ok && valid;
  call->response.Clear();
  if (call->measured) {
    last_completion_ns_ = std::max(last_completion_ns_, now_ns);
    ++counters_.grpc_status_codes[code >= 0 && code < kGrpcStatusCount ? code : 2];
    if (code == kGrpcUnavailable) {
      ++counters_.errors.connect;
    } else if (code == kGrpcDeadlineExceeded) {
      ++counters_.errors.timeout;
    } else {
      ++counters_.completed;
      ++counters_.status_codes[HttpStatusForGrpc(code)];
      if (success) {
        ++counters_.ok;
        latency_.Record(now_ns - call->intended_ns);
        if (open_loop_) service_time_.Record(now_ns - call->sent_ns);
      } else if (ok) {
        ++counters_.errors.validation;
      } else {
        ++counters_.errors.http_status;
      }
    }
  }
  if (success && now_ns >= window_start_ns_ && now_ns < end_ns_) {
    ++counters_.ok_in_window;
    if (window_count_ > 0) {
      const int64_t w = (now_ns - window_start_ns_) / settings_.window_ns;
      if (w < window_count_) {
        WindowTally& tally = window_tallies_[w];
        tally.ok.store(tally.ok.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        tally.latency_sum_ns.store(
            tally.latency_sum_ns.load(std::memory_order_relaxed) + (now_ns - call->intended_ns),
            std::memory_order_relaxed);
        // The requests of the measured span only, as in the latency histogram.
        if (call->measured && BoundSlots() > 0) {
          std::atomic<int64_t>* slots =
              &window_bound_tallies_[static_cast<size_t>(w) * BoundSlots()];
          const int64_t latency = now_ns - call->intended_ns;
          slots[0].store(slots[0].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
          const std::vector<int64_t>& bounds = settings_.window_bounds_ns;
          for (size_t b = 0; b < bounds.size(); ++b) {
            if (latency <= bounds[b]) continue;
            slots[1 + b].store(slots[1 + b].load(std::memory_order_relaxed) + 1,
                               std::memory_order_relaxed);
          }
        }
      }
    }
  }
  if (code == kGrpcUnavailable) {
    call->backoff_ns = NextReconnectBackoffNs(call->backoff_ns);
    call->not_before_ns = now_ns + call->backoff_ns;
  } else {
    call->backoff_ns = 0;
    call->not_before_ns = 0;
  }
  Free(call, now_ns);
}

void GrpcWorker::Free(Call* call, int64_t now_ns) {
  if (finished_) return;
  if (open_loop_) {
    if (free_.empty()) free_since_ns_ = now_ns;
    free_.push_back(call);
    return;
  }
  if (now_ns >= end_ns_) return;
  if (call->not_before_ns > now_ns) {
    parked_.push_back(call);
    return;
  }
  StartCall(call, 0, MonotonicNanos());
}

// ---- Open loop ----------------------------------------------------------------------------

void GrpcWorker::AdvanceSchedule() {
  int64_t offset_ns = 0;
  has_next_ = schedule_->Next(&offset_ns);
  if (has_next_) next_intended_ns_ = start_ns_ + offset_ns;
}

void GrpcWorker::Dispatch(int64_t now_ns) {
  while (has_next_ && !free_.empty() && next_intended_ns_ < end_ns_) {
    const int64_t intended_ns = next_intended_ns_;
    if (intended_ns > now_ns) {
      now_ns = MonotonicNanos();
      if (intended_ns > now_ns) break;
    }
    if (now_ns > backlog_deadline_ns_) break;  // Finish() counts what is left as timeouts
    Call* call = free_.back();
    free_.pop_back();
    const bool waited_for_call = free_since_ns_ > intended_ns;
    const int64_t ready_ns = std::max(intended_ns, free_since_ns_);
    AdvanceSchedule();
    const int64_t send_ns = MonotonicNanos();
    if (InWindow(intended_ns)) {
      ++counters_.scheduled;
      schedule_lag_.Record(send_ns - intended_ns);
      if (waited_for_call) ++counters_.queued;
      if (send_ns - ready_ns > settings_.late_threshold_ns) ++counters_.late;
    }
    StartCall(call, intended_ns, send_ns);
    now_ns = send_ns;
  }
}

// ---- Housekeeping -------------------------------------------------------------------------

void GrpcWorker::Tick(int64_t) {
  const int64_t end_at = early_end_->end_at_ns.load(std::memory_order_relaxed);
  if (end_at > 0 && end_at < end_ns_) {
    end_ns_ = std::max(end_at, start_ns_);
    backlog_deadline_ns_ = end_ns_ + settings_.timeout_ns;
  }
  if (early_end_->abandon.load(std::memory_order_relaxed)) {
    backlog_deadline_ns_ = std::min(backlog_deadline_ns_, end_ns_);  // no catching up
  }
}

bool GrpcWorker::IssuingDone(int64_t now_ns) const {
  return open_loop_ ? (!has_next_ || next_intended_ns_ >= end_ns_ || now_ns > backlog_deadline_ns_)
                    : now_ns >= end_ns_;
}

void GrpcWorker::Finish() {
  finished_ = true;
  // Requests of the window that never found a free call before the backlog deadline waited
  // longer than the timeout: they count as timeouts, as in the HTTP engine.
  while (open_loop_ && has_next_ && next_intended_ns_ < end_ns_) {
    if (InWindow(next_intended_ns_)) {
      ++counters_.scheduled;
      ++counters_.errors.timeout;
    }
    AdvanceSchedule();
  }
  cq_.Shutdown();
  void* tag;
  bool ok;
  while (cq_.Next(&tag, &ok)) {
  }
}

}  // namespace servebench
