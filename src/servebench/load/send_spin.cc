// Copyright servebench authors.

#include "servebench/load/send_spin.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "servebench/core/clock.h"

namespace servebench {

namespace {

constexpr int64_t kMinBackoffNs = 100 * kNanosPerMilli;
constexpr int64_t kMaxBackoffNs = 5 * kNanosPerSecond;
// A run-queue wait above 1/5 of the elapsed time, at two looks in a row, means other work wants
// this core. A CPU-bound process on the core makes nearly every look 20 to 50%; the VM's own
// scheduling hiccups and the engine's control thread make most looks 0.1 to 2% and a few, alone,
// up to 20% (docs/performance.md, "Precise sends": the earlier rule, one look above 2%, paused the
// spin 50 to 92% of the time on an idle machine).
constexpr int64_t kContendedShare = 5;
constexpr int kContendedLooks = 2;
// A spin that ran this long without contention starts its next back-off from the minimum.
constexpr int64_t kCalmNs = kNanosPerSecond;

}  // namespace

SendSpin::~SendSpin() {
  if (fd_ >= 0) close(fd_);
}

void SendSpin::Start(int64_t now_ns) {
  backoff_ns_ = kMinBackoffNs;
  running_since_ns_ = now_ns;
  last_check_ns_ = now_ns;
  if (configured_ns_ == 0) return;
  if (!wait_source_) fd_ = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
  last_wait_ns_ = RunQueueWaitNs();
  watching_ = last_wait_ns_ >= 0;
  if (!watching_ && fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
}

int64_t SendSpin::RunQueueWaitNs() const {
  if (wait_source_) return wait_source_();
  if (fd_ < 0) return -1;
  // "<on-CPU ns> <run-queue wait ns> <time slices>\n"
  char text[96];
  const ssize_t n = pread(fd_, text, sizeof text - 1, 0);
  if (n <= 0) return -1;
  text[n] = '\0';
  char* end = nullptr;
  std::strtoll(text, &end, 10);
  if (end == text) return -1;
  char* wait_end = nullptr;
  const long long wait = std::strtoll(end, &wait_end, 10);
  return wait_end == end ? -1 : wait;
}

void SendSpin::Update(int64_t now_ns) {
  if (!watching_) return;
  const int64_t wait_ns = RunQueueWaitNs();
  if (wait_ns < 0) return;
  const int64_t waited = wait_ns - last_wait_ns_;
  const int64_t elapsed = now_ns - last_check_ns_;
  last_wait_ns_ = wait_ns;
  last_check_ns_ = now_ns;
  const bool contended = elapsed > 0 && waited * kContendedShare > elapsed;
  contended_looks_ = contended ? contended_looks_ + 1 : 0;
  if (ns_ > 0) {
    if (contended_looks_ >= kContendedLooks) {
      if (now_ns - running_since_ns_ >= kCalmNs) backoff_ns_ = kMinBackoffNs;
      ns_ = 0;
      paused_since_ns_ = now_ns;
      resume_at_ns_ = now_ns + backoff_ns_;
      backoff_ns_ = std::min(2 * backoff_ns_, kMaxBackoffNs);
    }
  } else if (now_ns >= resume_at_ns_) {
    ns_ = configured_ns_;
    paused_ns_ += now_ns - paused_since_ns_;
    running_since_ns_ = now_ns;
  }
}

void SendSpin::Stop(int64_t now_ns) {
  if (configured_ns_ > 0 && ns_ == 0) {
    paused_ns_ += now_ns - paused_since_ns_;
    paused_since_ns_ = now_ns;
  }
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  watching_ = false;
}

}  // namespace servebench
