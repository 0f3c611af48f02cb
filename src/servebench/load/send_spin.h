// Copyright servebench authors.
//
// How long an open-loop worker spins before each intended send (LoadSettings::send_spin_ns),
// adapted to whether its core is shared. Spinning sends on time when the core is the worker's
// own: it skips the tens of microseconds a sleeping (virtual) CPU takes to wake. On a core that
// other runnable work wants, it does the opposite: the CPU time it burns counts against the
// worker in the kernel's fair scheduler, which then makes it wait behind the other work for
// milliseconds, far longer than a plain sleep would (docs/performance.md, "Precise sends"). So
// the spin pauses while the worker's thread has to wait for its CPU: measured as its run-queue
// wait (/proc/thread-self/schedstat), more than 20% of the time since the last look at two looks
// in a row. It resumes after a back-off (100 ms, doubling to 5 s while the contention lasts).

#ifndef SERVEBENCH_LOAD_SEND_SPIN_H_
#define SERVEBENCH_LOAD_SEND_SPIN_H_

#include <cstdint>
#include <functional>
#include <utility>

namespace servebench {

class SendSpin {
 public:
  explicit SendSpin(int64_t configured_ns) : configured_ns_(configured_ns), ns_(configured_ns) {}
  // For tests: the run-queue wait (ns, cumulative; -1: unknown) comes from `run_queue_wait_ns`
  // instead of the thread's schedstat.
  SendSpin(int64_t configured_ns, std::function<int64_t()> run_queue_wait_ns)
      : configured_ns_(configured_ns),
        ns_(configured_ns),
        wait_source_(std::move(run_queue_wait_ns)) {}
  ~SendSpin();

  SendSpin(const SendSpin&) = delete;
  SendSpin& operator=(const SendSpin&) = delete;

  // Starts watching the calling thread (the worker's own). Without /proc/thread-self/schedstat
  // the spin stays as configured.
  void Start(int64_t now_ns);
  // Looks at the run-queue wait since the last call and pauses or resumes the spin; called every
  // few milliseconds (the worker's tick).
  void Update(int64_t now_ns);
  // Stops watching; closes what Start opened.
  void Stop(int64_t now_ns);

  // The spin to use now: the configured one, or 0 while paused.
  int64_t ns() const { return ns_; }
  // Whether the run-queue wait could be read at Start (else the spin never pauses).
  bool watching() const { return watching_; }
  // The time the spin was paused, over the run so far.
  int64_t paused_ns() const { return paused_ns_; }

 private:
  // The thread's total run-queue wait in ns, or -1 when it cannot be read.
  int64_t RunQueueWaitNs() const;

  const int64_t configured_ns_;
  int64_t ns_;
  std::function<int64_t()> wait_source_;
  bool watching_ = false;
  int fd_ = -1;
  int64_t last_check_ns_ = 0;
  int64_t last_wait_ns_ = 0;
  int64_t paused_since_ns_ = 0;  // while paused
  int64_t resume_at_ns_ = 0;     // while paused
  int64_t running_since_ns_ = 0;
  int64_t backoff_ns_ = 0;
  int64_t paused_ns_ = 0;
  int contended_looks_ = 0;  // looks in a row that found the core contended
};

}  // namespace servebench

#endif  // SERVEBENCH_LOAD_SEND_SPIN_H_
