// Copyright servebench authors.

#include "servebench/load/worker.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstring>
#include <optional>
#include <thread>

#include "servebench/core/clock.h"
#include "servebench/load/handler_memory.h"
#include "servebench/load/reconnect_backoff.h"
#include "servebench/load/response_parser.h"

namespace servebench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

// Large enough for a header and the body bytes that arrive with it; bodies are parsed and
// dropped as they arrive, so the buffer never needs to hold a whole response.
constexpr size_t kReadBufferBytes = 64 * 1024;

asio::steady_timer::time_point TimePoint(int64_t ns) {
  return asio::steady_timer::time_point(std::chrono::nanoseconds(ns));
}

bool WouldBlock(const error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

std::string EndpointText(const tcp::endpoint& ep) {
  const std::string address = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(ep.port());
}

}  // namespace

struct Worker::Connection {
  explicit Connection(asio::io_context& io)
      : socket(io), retry_timer(io), buffer(new char[kReadBufferBytes]) {}

  tcp::socket socket;
  asio::steady_timer retry_timer;
  // At most one read and one wait for writability are pending on a connection at a time.
  HandlerMemory read_memory;
  HandlerMemory write_memory;
  std::optional<ResponseParser> parser;
  std::unique_ptr<char[]> buffer;
  size_t buffered = 0;
  std::string body;  // the current response's body, kept only when there is a response check
  // Bumped whenever the socket is closed; a handler that sees a different value belongs to a
  // socket that no longer exists and does nothing.
  uint32_t generation = 0;
  bool busy = false;      // a request is outstanding (or being re-sent after a stale close)
  bool measured = false;  // the outstanding request belongs to the measurement window
  bool reused = false;    // a response has already been read on this socket
  bool received = false;  // bytes of the current response have arrived
  bool retried = false;   // the current request was already re-sent once
  bool resend = false;    // re-send the current request once the socket is re-opened
  size_t written = 0;
  int64_t intended_ns = 0;
  int64_t sent_ns = 0;
  int64_t deadline_ns = 0;
  int64_t backoff_ns = 0;
};

Worker::Worker(const LoadSettings& settings, const tcp::endpoint& endpoint,
               const std::string& request, int connections,
               std::unique_ptr<ArrivalSchedule> schedule)
    : settings_(settings),
      endpoint_(endpoint),
      request_(request),
      open_loop_(settings.mode == LoopMode::kOpen),
      head_request_(settings.method == "HEAD"),
      tick_ns_(std::clamp<int64_t>(settings.timeout_ns / 10, kNanosPerMilli, 10 * kNanosPerMilli)),
      send_spin_ns_(open_loop_ ? settings.send_spin_ns : 0),
      spin_(send_spin_ns_),
      query_mode_(settings.scenario.kind == LoadScenario::kSingleStream ||
                  settings.scenario.kind == LoadScenario::kMultiStream),
      // Only this thread ever touches io_: Asio's internal locks would be pure overhead.
      io_(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE),
      tick_timer_(io_),
      schedule_timer_(io_),
      schedule_(std::move(schedule)) {
  if (settings.response_check) checker_ = settings.response_check->NewChecker();
  if (settings.window_ns > 0) {
    window_count_ =
        static_cast<int>((settings.duration_ns + settings.window_ns - 1) / settings.window_ns);
    window_tallies_ = std::make_unique<WindowTally[]>(window_count_);
    window_bound_tallies_ =
        std::make_unique<std::atomic<int64_t>[]>(static_cast<size_t>(window_count_) * BoundSlots());
  }
  connections_.reserve(connections);
  for (int i = 0; i < connections; ++i) {
    connections_.push_back(std::make_unique<Connection>(io_));
    if (checker_)
      connections_.back()->body.reserve(kInitialCheckedBodyBytes + kResponseBodyPadding);
  }
  idle_.reserve(connections);
}

Worker::~Worker() = default;

bool Worker::Connect(std::string* error) {
  std::string first_error;
  bool timed_out = false;
  size_t pending = connections_.size();
  asio::steady_timer deadline(io_);
  deadline.expires_after(std::chrono::nanoseconds(settings_.timeout_ns));
  deadline.async_wait([&](const error_code& ec) {
    if (ec) return;
    timed_out = true;
    for (auto& c : connections_) c->socket.close();
  });
  for (auto& conn : connections_) {
    Connection* c = conn.get();
    c->socket.async_connect(endpoint_, [&, c](const error_code& ec) {
      if (ec) {
        if (first_error.empty()) {
          first_error = timed_out
                            ? "no answer within the timeout of " +
                                  std::to_string(settings_.timeout_ns / kNanosPerMilli) + " ms"
                            : ec.message();
        }
      } else {
        c->socket.set_option(tcp::no_delay(true));
        c->socket.non_blocking(true);
      }
      if (--pending == 0) deadline.cancel();
    });
  }
  io_.run();
  io_.restart();
  if (!first_error.empty()) {
    *error = "connect to " + EndpointText(endpoint_) + ": " + first_error;
    return false;
  }
  return true;
}

int64_t Worker::window_ok(int index) const {
  return index < window_count_ ? window_tallies_[index].ok.load(std::memory_order_relaxed) : 0;
}

int64_t Worker::window_latency_sum_ns(int index) const {
  return index < window_count_
             ? window_tallies_[index].latency_sum_ns.load(std::memory_order_relaxed)
             : 0;
}

int64_t Worker::window_measured_ok(int index) const {
  return index < window_count_ && BoundSlots() > 0
             ? window_bound_tallies_[static_cast<size_t>(index) * BoundSlots()].load(
                   std::memory_order_relaxed)
             : 0;
}

int64_t Worker::window_over_bound(int index, size_t bound) const {
  return index < window_count_ && bound + 1 < BoundSlots()
             ? window_bound_tallies_[static_cast<size_t>(index) * BoundSlots() + 1 + bound].load(
                   std::memory_order_relaxed)
             : 0;
}

void Worker::Run(int64_t start_ns, const EarlyEnd* early_end) {
  start_ns_ = start_ns;
  window_start_ns_ = start_ns + settings_.warmup_ns;
  end_ns_ = window_start_ns_ + settings_.duration_ns;
  backlog_deadline_ns_ = end_ns_ + settings_.timeout_ns;
  early_end_ = early_end;

  tick_timer_.expires_at(TimePoint(start_ns + tick_ns_));
  tick_timer_.async_wait([this](const error_code& ec) {
    if (!ec) Tick();
  });

  if (open_loop_) {
    for (auto& c : connections_) idle_.push_back(c.get());
    idle_since_ns_ = start_ns;
    AdvanceSchedule();
    ArmScheduleTimer();
    if (send_spin_ns_ > 0) {
      spin_.Start(MonotonicNanos());
      RunPrecisely();
      return;
    }
  } else {
    std::this_thread::sleep_until(TimePoint(start_ns));
    if (query_mode_) {
      for (auto& c : connections_) idle_.push_back(c.get());
      StartQuery(MonotonicNanos());
    } else {
      for (auto& c : connections_) StartRequest(c.get(), 0, MonotonicNanos());
    }
  }
  io_.run();
}

// ---- Request life cycle -------------------------------------------------------------------

void Worker::StartRequest(Connection* c, int64_t intended_ns, int64_t now_ns) {
  c->busy = true;
  ++busy_;
  c->intended_ns = open_loop_ || query_mode_ ? intended_ns : now_ns;
  c->measured = InWindow(c->intended_ns);
  c->retried = false;
  if (c->measured) ++counters_.sent;
  SendAttempt(c, now_ns);
}

void Worker::SendAttempt(Connection* c, int64_t now_ns) {
  c->sent_ns = now_ns;
  c->deadline_ns = now_ns + settings_.timeout_ns;
  c->received = false;
  c->written = 0;
  NewResponseParser(c);
  Write(c);
}

void Worker::NewResponseParser(Connection* c) {
  c->parser.emplace();
  if (head_request_) c->parser->skip(true);  // a HEAD response has no body, whatever it says
  if (checker_) {
    c->body.clear();  // keeps its capacity
    c->parser->keep_body(&c->body);
  }
}

bool Worker::CheckBody(Connection* c) {
  std::string& body = c->body;
  // The checker may read past the end (SIMD): the padding must lie inside the buffer. Grows
  // only when a body is larger than every one before it.
  if (body.capacity() < body.size() + kResponseBodyPadding) {
    body.reserve(body.size() + body.size() / 2 + kResponseBodyPadding);
  }
  if (checker_->Check(body, nullptr)) return true;
  if (first_validation_error_.empty()) {  // once per run: explaining may allocate
    checker_->Check(body, &first_validation_error_);
    if (first_validation_error_.empty()) first_validation_error_ = "rejected by the check";
  }
  return false;
}

void Worker::CountCompletion() {
  progress_.store(progress_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

void Worker::OnRequestDone(Connection* c, bool success, int64_t now_ns) {
  if (c->measured) last_completion_ns_ = std::max(last_completion_ns_, now_ns);
  if (!query_mode_) return;
  if (!success) query_failed_ = true;
  if (--query_outstanding_ > 0) return;
  // The query's last request is done: the query is complete.
  if (!query_measured_) return;
  if (query_failed_) {
    ++counters_.queries_failed;
  } else {
    ++counters_.queries_ok;
    query_latency_.Record(now_ns - query_start_ns_);
  }
  // Both minimums met: this query is the last (the caller frees its connection afterwards).
  const LoadScenarioSettings& sc = settings_.scenario;
  if (now_ns - window_start_ns_ >= sc.min_duration_ns && counters_.queries >= sc.min_queries) {
    minimums_met_ns_ = now_ns;
  }
}

void Worker::AbandonRequest(Connection* c, Failure failure) {
  if (!c->busy) return;
  c->busy = false;
  c->resend = false;
  --busy_;
  CountCompletion();
  OnRequestDone(c, false, MonotonicNanos());
  if (!c->measured) return;
  switch (failure) {
    case Failure::kConnect:
      ++counters_.errors.connect;
      break;
    case Failure::kTimeout:
      ++counters_.errors.timeout;
      break;
    case Failure::kProtocol:
      ++counters_.errors.protocol;
      break;
  }
}

void Worker::Write(Connection* c) {
  while (c->written < request_.size()) {
    error_code ec;
    size_t n = c->socket.write_some(
        asio::buffer(request_.data() + c->written, request_.size() - c->written), ec);
    if (WouldBlock(ec)) {
      const uint32_t generation = c->generation;
      c->socket.async_wait(
          tcp::socket::wait_write,
          WithMemory(&c->write_memory, [this, c, generation](const error_code& ec) {
            if (generation != c->generation) return;
            if (ec) {
              OnConnectionLost(c);
            } else {
              Write(c);
            }
          }));
      return;
    }
    if (ec) {
      OnConnectionLost(c);
      return;
    }
    c->written += n;
  }
  WaitReadable(c);
}

void Worker::WaitReadable(Connection* c) {
  if (c->buffered == kReadBufferBytes) {  // a header larger than the buffer
    Fail(c, Failure::kProtocol);
    return;
  }
  const uint32_t generation = c->generation;
  c->socket.async_read_some(
      asio::buffer(c->buffer.get() + c->buffered, kReadBufferBytes - c->buffered),
      WithMemory(&c->read_memory, [this, c, generation](const error_code& ec, size_t n) {
        if (generation != c->generation) return;
        if (ec) {
          OnConnectionLost(c);
        } else {
          OnReadable(c, n);
        }
      }));
}

void Worker::OnReadable(Connection* c, size_t n) {
  const int64_t arrived_ns = MonotonicNanos();
  c->received = true;
  c->buffered += n;

  size_t offset = 0;
  while (offset < c->buffered) {
    boost::beast::error_code parse_ec;
    size_t used =
        c->parser->put(asio::buffer(c->buffer.get() + offset, c->buffered - offset), parse_ec);
    offset += used;
    if (parse_ec == boost::beast::http::error::need_more) break;
    if (parse_ec) {
      Fail(c, Failure::kProtocol);
      return;
    }
    if (c->parser->is_done()) {
      const int status = c->parser->status();
      if (status >= 200 || status == 101) break;
      NewResponseParser(c);  // an interim 1xx response: the real one follows
    } else if (used == 0) {
      break;
    }
  }
  if (offset > 0) {
    std::memmove(c->buffer.get(), c->buffer.get() + offset, c->buffered - offset);
    c->buffered -= offset;
  }
  if (c->parser->is_done()) {
    OnResponse(c, arrived_ns);
  } else {
    WaitReadable(c);
  }
}

void Worker::OnResponse(Connection* c, int64_t now_ns) {
  const int status = c->parser->status();
  const bool keep_alive = c->parser->keep_alive();
  const bool ok = status >= 200 && status < 300;
  // A 2xx response with a wrong body is a validation error, not a success.
  const bool valid = !ok || !checker_ || CheckBody(c);
  const bool success = ok && valid;
  c->busy = false;
  --busy_;
  c->reused = true;
  CountCompletion();
  if (c->measured) {
    ++counters_.completed;
    ++counters_.status_codes[status > 0 && status < 600 ? status : 0];
    if (success) {
      ++counters_.ok;
      latency_.Record(now_ns - c->intended_ns);
      // In closed loop the intended time is the send time: the engine copies latency instead.
      if (open_loop_ || query_mode_) service_time_.Record(now_ns - c->sent_ns);
    } else if (ok) {
      ++counters_.errors.validation;
    } else {
      ++counters_.errors.http_status;
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
            tally.latency_sum_ns.load(std::memory_order_relaxed) + (now_ns - c->intended_ns),
            std::memory_order_relaxed);
        // The requests of the measured span only, as in the latency histogram.
        if (c->measured && BoundSlots() > 0) {
          std::atomic<int64_t>* slots =
              &window_bound_tallies_[static_cast<size_t>(w) * BoundSlots()];
          const int64_t latency = now_ns - c->intended_ns;
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
  OnRequestDone(c, success, now_ns);
  if (!keep_alive) {
    Reopen(c);
    return;
  }
  OnFree(c, now_ns);
}

void Worker::OnConnectionLost(Connection* c) {
  if (c->busy) {
    // A response delimited by the end of the connection (no Content-Length, not chunked).
    if (c->received && c->parser->need_eof()) {
      boost::beast::error_code ec;
      c->parser->put_eof(ec);
      if (!ec && c->parser->is_done()) {
        const int64_t now_ns = MonotonicNanos();
        ++c->generation;  // the socket is finished; OnResponse reopens (keep_alive is false)
        OnResponse(c, now_ns);
        return;
      }
    }
    // A kept-alive connection that the server had already closed (an idle timeout): the
    // request never reached it, so it is re-sent once on a new connection, as HTTP clients do.
    if (c->reused && !c->received && !c->retried) {
      c->retried = true;
      c->resend = true;
      ++counters_.stale_retries;
      Reopen(c);
      return;
    }
  }
  Fail(c, Failure::kConnect);
}

void Worker::Fail(Connection* c, Failure failure) {
  AbandonRequest(c, failure);
  Reopen(c);
}

// ---- Connection life cycle ----------------------------------------------------------------

void Worker::Reopen(Connection* c) {
  ++c->generation;
  error_code ignored;
  c->socket.close(ignored);
  c->buffered = 0;
  c->reused = false;
  if (finished_) return;
  ++counters_.reconnects;
  const uint32_t generation = c->generation;
  c->socket.async_connect(endpoint_, [this, c, generation](const error_code& ec) {
    if (generation != c->generation) return;
    OnReopened(c, ec);
  });
}

void Worker::OnReopened(Connection* c, const error_code& ec) {
  const int64_t now_ns = MonotonicNanos();
  if (ec) {
    ++counters_.connect_failures;
    AbandonRequest(c, Failure::kConnect);  // a pending re-send has no connection: it failed
    // Retry with exponential back-off while the run still needs connections, so that a dead
    // server costs a few attempts per second rather than a busy loop.
    const bool still_needed = open_loop_ ? now_ns < backlog_deadline_ns_ : now_ns < end_ns_;
    if (!still_needed) {
      MaybeFinish(now_ns);
      return;
    }
    c->backoff_ns = NextReconnectBackoffNs(c->backoff_ns);
    ++c->generation;
    error_code ignored;
    c->socket.close(ignored);
    const uint32_t generation = c->generation;
    c->retry_timer.expires_at(TimePoint(now_ns + c->backoff_ns));
    c->retry_timer.async_wait([this, c, generation](const error_code& ec) {
      if (ec || generation != c->generation || finished_) return;
      Reopen(c);
    });
    MaybeFinish(now_ns);
    return;
  }
  c->backoff_ns = 0;
  error_code ignored;
  c->socket.set_option(tcp::no_delay(true), ignored);
  c->socket.non_blocking(true, ignored);
  if (c->resend) {
    c->resend = false;
    SendAttempt(c, now_ns);
    return;
  }
  OnFree(c, now_ns);
}

void Worker::OnFree(Connection* c, int64_t now_ns) {
  if (finished_) return;
  if (open_loop_) {
    if (idle_.empty()) idle_since_ns_ = now_ns;
    idle_.push_back(c);
    Dispatch(now_ns);
    return;
  }
  if (query_mode_) {
    idle_.push_back(c);
    // The next query goes when every request of this one is done and every connection free.
    if (query_outstanding_ > 0 || idle_.size() < connections_.size()) return;
    if (StopIssuing(now_ns)) {
      MaybeFinish(now_ns);
    } else {
      StartQuery(MonotonicNanos());
    }
    return;
  }
  if (now_ns < end_ns_) {
    StartRequest(c, 0, MonotonicNanos());
  } else {
    MaybeFinish(now_ns);
  }
}

void Worker::StartQuery(int64_t now_ns) {
  query_start_ns_ = now_ns;
  query_measured_ = InWindow(now_ns);
  query_failed_ = false;
  query_outstanding_ = static_cast<int>(idle_.size());
  if (query_measured_) ++counters_.queries;
  // Every request of the query is intended at its start: each one's latency counts from there,
  // so the query's latency is its slowest request's.
  while (!idle_.empty()) {
    Connection* c = idle_.back();
    idle_.pop_back();
    StartRequest(c, now_ns, MonotonicNanos());
  }
}

// ---- Open loop ----------------------------------------------------------------------------

void Worker::AdvanceSchedule() {
  int64_t offset_ns = 0;
  has_next_ = schedule_->Next(&offset_ns);
  if (has_next_) next_intended_ns_ = start_ns_ + offset_ns;
}

void Worker::Dispatch(int64_t now_ns) {
  if (finished_) return;
  while (has_next_ && !idle_.empty() && next_intended_ns_ < end_ns_) {
    const int64_t intended_ns = next_intended_ns_;
    if (intended_ns > now_ns) {
      now_ns = MonotonicNanos();
      if (intended_ns > now_ns) break;
    }
    if (now_ns > backlog_deadline_ns_) break;  // Finish() counts what is left as timeouts
    Connection* c = idle_.back();
    idle_.pop_back();
    // The request could have gone at `ready_ns`: its intended time, or later if no connection
    // was free then. Lateness beyond that is the generator's own.
    const bool waited_for_connection = idle_since_ns_ > intended_ns;
    const int64_t ready_ns = std::max(intended_ns, idle_since_ns_);
    AdvanceSchedule();
    const int64_t send_ns = MonotonicNanos();
    if (InWindow(intended_ns)) {
      ++counters_.scheduled;
      schedule_lag_.Record(send_ns - intended_ns);
      if (waited_for_connection) ++counters_.queued;
      if (send_ns - ready_ns > settings_.late_threshold_ns) ++counters_.late;
    }
    StartRequest(c, intended_ns, send_ns);
    now_ns = send_ns;
  }
  ArmScheduleTimer();
  MaybeFinish(now_ns);
}

void Worker::ArmScheduleTimer() {
  // Without a free connection there is nothing to send at the next time; the next completion
  // dispatches instead.
  if (finished_ || !has_next_ || idle_.empty() || next_intended_ns_ >= end_ns_) return;
  const int64_t wake_ns = next_intended_ns_ - spin_.ns();
  // A pending wait that fires no later is kept: it wakes the loop, which arms the timer again if
  // need be. Moving a pending wait later would cancel it, and the cancelled operation would still
  // hold the timer's handler memory when the new one needs it.
  if (schedule_timer_wake_ns_ >= 0 && schedule_timer_wake_ns_ <= wake_ns) return;
  schedule_timer_wake_ns_ = wake_ns;
  schedule_timer_.expires_at(TimePoint(wake_ns));
  schedule_timer_.async_wait(WithMemory(&schedule_memory_, [this](const error_code& ec) {
    if (ec) return;
    schedule_timer_wake_ns_ = -1;
    // With a spin, the timer only wakes the loop in RunPrecisely, which spins to the send.
    if (send_spin_ns_ == 0) Dispatch(MonotonicNanos());
  }));
}

void Worker::RunPrecisely() {
  for (;;) {
    if (!finished_) {
      if (SendIsNear(MonotonicNanos())) {
        SpinToNextSend();
      } else {
        ArmScheduleTimer();  // re-arms when the spin changed after the timer was set
      }
    }
    if (io_.run_one() == 0) return;  // no work left: the run has finished
  }
}

void Worker::SpinToNextSend() {
  while (!finished_ && has_next_ && !idle_.empty() && next_intended_ns_ < end_ns_) {
    const int64_t now_ns = MonotonicNanos();
    const int64_t due_ns = next_intended_ns_;
    if (now_ns >= due_ns) {
      if (now_ns > backlog_deadline_ns_) break;  // Dispatch would send nothing: let it finish
      Dispatch(now_ns);
      continue;  // the next may be near too
    }
    if (due_ns - now_ns > spin_.ns()) break;  // far: sleep until the timer
    // Bounded work while waiting: at most one ready handler (one response) between clock reads.
    io_.poll_one();
  }
  ArmScheduleTimer();
  if (!finished_) MaybeFinish(MonotonicNanos());
}

// ---- Housekeeping -------------------------------------------------------------------------

void Worker::Tick() {
  if (finished_) return;
  const int64_t now_ns = MonotonicNanos();
  const int64_t end_at = early_end_->end_at_ns.load(std::memory_order_relaxed);
  if (end_at > 0 && end_at < end_ns_) {
    end_ns_ = std::max(end_at, start_ns_);
    backlog_deadline_ns_ = end_ns_ + settings_.timeout_ns;
  }
  if (early_end_->abandon.load(std::memory_order_relaxed)) {
    backlog_deadline_ns_ = std::min(backlog_deadline_ns_, end_ns_);  // no catching up
  }
  for (auto& conn : connections_) {
    Connection* c = conn.get();
    if (c->busy && now_ns >= c->deadline_ns) Fail(c, Failure::kTimeout);
  }
  if (open_loop_) {
    spin_.Update(now_ns);
    Dispatch(now_ns);
  } else {
    MaybeFinish(now_ns);
  }
  if (finished_) return;
  tick_timer_.expires_at(TimePoint(now_ns + tick_ns_));
  tick_timer_.async_wait(WithMemory(&tick_memory_, [this](const error_code& ec) {
    if (!ec) Tick();
  }));
}

void Worker::MaybeFinish(int64_t now_ns) {
  if (finished_ || busy_ > 0) return;
  const bool issuing_done =
      open_loop_ ? (!has_next_ || next_intended_ns_ >= end_ns_ || now_ns > backlog_deadline_ns_)
                 : StopIssuing(now_ns);
  if (issuing_done) Finish(now_ns);
}

void Worker::Finish(int64_t now_ns) {
  finished_ = true;
  spin_.Stop(now_ns);
  counters_.send_spin_paused_ns = spin_.paused_ns();
  // Requests of the window that never found a connection before the backlog deadline waited
  // longer than the timeout: they count as timeouts.
  while (open_loop_ && has_next_ && next_intended_ns_ < end_ns_) {
    if (InWindow(next_intended_ns_)) {
      ++counters_.scheduled;
      ++counters_.errors.timeout;
    }
    AdvanceSchedule();
  }
  error_code ignored;
  tick_timer_.cancel();
  schedule_timer_.cancel();
  for (auto& c : connections_) {
    ++c->generation;
    c->retry_timer.cancel();
    c->socket.close(ignored);
  }
}

}  // namespace servebench
