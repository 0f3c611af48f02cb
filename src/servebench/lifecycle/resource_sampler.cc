// Copyright servebench authors.

#include "servebench/lifecycle/resource_sampler.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "servebench/core/clock.h"
#include "servebench/lifecycle/nvml.h"
#include "servebench/lifecycle/process_tree.h"

namespace servebench {

namespace {

// A period cut short by Stop is still a sample when it is at least this long; shorter ones
// would turn a few ticks into a wild CPU percentage.
constexpr int64_t kMinPartialPeriodNs = 20 * kNanosPerMilli;

}  // namespace

struct ResourceSampler::State {
  // The mean is over time: each sample weighs the seconds its period covered. Periods differ
  // when the sampler wakes late (a busy core: it runs at SCHED_IDLE, below), and an average of
  // per-sample figures would then overweight the short ones.
  class Accumulator {
   public:
    void Add(double value, double seconds) {
      weighted_sum_ += value * seconds;
      seconds_ += seconds;
      max_ = count_ == 0 ? value : std::max(max_, value);
      min_ = count_ == 0 ? value : std::min(min_, value);
      ++count_;
    }
    MeanMax Get() const {
      MeanMax e;
      if (count_ > 0 && seconds_ > 0) {
        // Within the values seen, which rounding alone could leave by an ulp.
        e.mean = std::clamp(weighted_sum_ / seconds_, min_, max_);
        e.max = max_;
      }
      return e;
    }

   private:
    double weighted_sum_ = 0;
    double seconds_ = 0;
    double max_ = 0;
    double min_ = 0;
    int64_t count_ = 0;
  };

  pid_t root = 0;
  int64_t period_ns = 0;
  const Nvml* nvml = nullptr;

  std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;  // guarded by mu
  std::thread thread;
  bool stopped = false;  // Stop ran (the caller's thread only)

  // Written by the sampling thread only, read after it is joined.
  int samples = 0;
  Accumulator cpu, rss, pss, threads, gpu_utilization, gpu_memory, gpu_power;
  int processes_max = 0;
  bool gpu_failed = false;

  void Sample(const ProcessTreeSnapshot& before, const ProcessTreeSnapshot& after) {
    const double seconds = static_cast<double>(after.taken_ns - before.taken_ns) / kNanosPerSecond;
    static const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
    cpu.Add(
        100.0 * static_cast<double>(CpuTicksBetween(before, after)) / ticks_per_second / seconds,
        seconds);
    rss.Add(static_cast<double>(after.rss_bytes), seconds);
    pss.Add(static_cast<double>(after.pss_bytes), seconds);
    threads.Add(after.threads, seconds);
    processes_max = std::max(processes_max, after.processes);
    ++samples;
    if (nvml != nullptr && !gpu_failed) {
      std::vector<GpuReading> readings;
      if (!nvml->Read(&readings)) {
        gpu_failed = true;  // a partial series would misstate the mean: report none
        return;
      }
      GpuReading total;
      for (const GpuReading& r : readings) {
        total.utilization_percent += r.utilization_percent;
        total.memory_used_bytes += r.memory_used_bytes;
        total.power_watts += r.power_watts;
      }
      gpu_utilization.Add(total.utilization_percent, seconds);
      gpu_memory.Add(total.memory_used_bytes, seconds);
      gpu_power.Add(total.power_watts, seconds);
    }
  }

  void Run() {
    // This thread shares the load generator's core, and a sample is mostly kernel time: PSS
    // from smaps_rollup walks the page tables, 1.6 ms for a 450 MB process. At the normal
    // policy a send that fell due meanwhile waited behind it, so that every tick delayed a few
    // sends: schedule lag p99 0.7 to 2.3 ms at 1,500 req/s against FastAPI or the C++ server.
    // At SCHED_IDLE the generator preempts the sampler as soon as it wakes (the page walk
    // yields at every reschedule point), and the sampler still runs whenever the core has time,
    // which a generator that is not saturated leaves. Lowering one's own policy needs no
    // privilege; should it fail, the samples are the same, only the generator's lag is not.
    sched_param idle{};
    pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle);
    ProcessTreeSnapshot last = SnapshotProcessTree(root, /*with_pss=*/false);
    int64_t next = last.taken_ns + period_ns;
    std::unique_lock<std::mutex> lock(mu);
    while (true) {
      const bool stop = wake.wait_until(
          lock, std::chrono::steady_clock::time_point(std::chrono::nanoseconds(next)),
          [this] { return stopping; });
      lock.unlock();
      if (stop && MonotonicNanos() - last.taken_ns < kMinPartialPeriodNs) break;
      ProcessTreeSnapshot now = SnapshotProcessTree(root, /*with_pss=*/true);
      Sample(last, now);
      last = std::move(now);
      if (stop) break;
      // A late wake-up (a loaded machine) skips ticks rather than sampling in a burst.
      next += period_ns;
      if (next <= last.taken_ns) next = last.taken_ns + period_ns;
      lock.lock();
    }
  }
};

ResourceSampler::ResourceSampler(pid_t root, int64_t period_ns)
    : state_(std::make_unique<State>()) {
  state_->root = root;
  state_->period_ns = std::max<int64_t>(period_ns, kNanosPerMilli);
  state_->nvml = Nvml::Get();
  state_->thread = std::thread([state = state_.get()] { state->Run(); });
}

ResourceSampler::~ResourceSampler() { Stop(); }

ResourceRecord ResourceSampler::Stop() {
  if (!state_->stopped) {
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->stopping = true;
    }
    state_->wake.notify_all();
    state_->thread.join();
    state_->stopped = true;
  }
  const State& s = *state_;
  ResourceRecord stats;
  stats.samples = s.samples;
  stats.period_s = static_cast<double>(s.period_ns) / kNanosPerSecond;
  stats.cpu_percent = s.cpu.Get();
  stats.rss_bytes = s.rss.Get();
  stats.pss_bytes = s.pss.Get();
  stats.threads = s.threads.Get();
  stats.processes_max = s.processes_max;
  if (s.nvml != nullptr && !s.gpu_failed) {
    GpuRecord gpu;
    gpu.devices = s.nvml->devices();
    gpu.utilization_percent = s.gpu_utilization.Get();
    gpu.memory_used_bytes = s.gpu_memory.Get();
    gpu.power_watts = s.gpu_power.Get();
    stats.gpu = gpu;
  }
  return stats;
}

}  // namespace servebench
