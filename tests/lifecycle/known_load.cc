// Copyright servebench authors.
//
// A process whose use of the machine is known, the truth ResourceSampler is checked against.
//
// usage: lifecycle_known_load --duty-ms BUSY --period-ms PERIOD
//          each period, spins until its thread has had BUSY ms of CPU, then sleeps until the
//          period is over (a period it could not finish in time is followed at once by the
//          next): BUSY/PERIOD of a core when the machine lets it run, never more.
//        lifecycle_known_load --alloc-mb N
//          waits for SIGUSR1, then allocates N MiB, writes to every page of it, prints
//          "touched N MiB" and holds it until killed.

#include <signal.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

int64_t Nanos(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

[[noreturn]] void DutyCycle(int64_t busy_ns, int64_t period_ns) {
  int64_t start = Nanos(CLOCK_MONOTONIC);
  while (true) {
    const int64_t cpu_start = Nanos(CLOCK_THREAD_CPUTIME_ID);
    while (Nanos(CLOCK_THREAD_CPUTIME_ID) - cpu_start < busy_ns) {
    }
    const int64_t end = start + period_ns;
    const int64_t now = Nanos(CLOCK_MONOTONIC);
    if (now < end) {
      const timespec until{static_cast<time_t>(end / 1000000000),
                           static_cast<long>(end % 1000000000)};
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) != 0) {
      }
      start = end;
    } else {
      start = now;  // late: the next period starts now, not in a burst to catch up
    }
  }
}

[[noreturn]] void HoldMemory(int64_t megabytes) {
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  sigprocmask(SIG_BLOCK, &usr1, nullptr);
  std::printf("waiting for SIGUSR1\n");
  std::fflush(stdout);
  int sig = 0;
  sigwait(&usr1, &sig);
  const size_t bytes = static_cast<size_t>(megabytes) << 20;
  char* block = static_cast<char*>(std::malloc(bytes));
  if (block == nullptr) std::exit(1);
  std::memset(block, 1, bytes);
  std::printf("touched %lld MiB at %p\n", static_cast<long long>(megabytes),
              static_cast<void*>(block));
  std::fflush(stdout);
  while (true) pause();
}

}  // namespace

int main(int argc, char** argv) {
  int64_t duty_ms = -1, period_ms = -1, alloc_mb = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int64_t value = std::atoll(argv[i + 1]);
    if (flag == "--duty-ms") duty_ms = value;
    if (flag == "--period-ms") period_ms = value;
    if (flag == "--alloc-mb") alloc_mb = value;
  }
  if (alloc_mb > 0) HoldMemory(alloc_mb);
  if (duty_ms > 0 && period_ms > duty_ms) DutyCycle(duty_ms * 1000000, period_ms * 1000000);
  std::fprintf(stderr, "usage: %s --duty-ms BUSY --period-ms PERIOD | --alloc-mb N\n", argv[0]);
  return 2;
}
