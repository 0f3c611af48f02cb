// Copyright servebench authors.
//
// ResourceSampler against known truths: a process with a known duty cycle (lifecycle_known_load),
// one that touches a known amount of memory, and lifecycle_fake_server burning one core with a
// child. The CPU truth is the kernel's own account of the time each task ran and waited to run
// (/proc/PID/task/TID/schedstat, in nanoseconds), not a share of wall time assumed free: on a
// loaded machine a process gets less than it asks for, and the sampler must report what it got.
// NVML and RAPL depend on the machine and are checked for consistency only.

#include "servebench/lifecycle/resource_sampler.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "servebench/core/clock.h"
#include "servebench/lifecycle/nvml.h"
#include "servebench/lifecycle/server_process.h"
#include "temp_dir.h"
#include "test_http_server.h"

namespace servebench {
namespace {

using testing::TempDir;

constexpr int kAllocMb = 64;
constexpr double kMiB = 1024.0 * 1024.0;

std::unique_ptr<ServerProcess> StartFake(const TempDir& dir, std::vector<std::string> flags) {
  const int port = testing::UnusedLoopbackPort();
  LaunchPlan plan;
  plan.argv = {SERVEBENCH_FAKE_SERVER, "--port", std::to_string(port)};
  plan.argv.insert(plan.argv.end(), flags.begin(), flags.end());
  plan.base_url = "http://127.0.0.1:" + std::to_string(port);
  std::string error;
  auto server = ServerProcess::Start(plan, {}, dir.file("server.log"), &error);
  EXPECT_NE(server, nullptr) << error;
  int64_t ready_ns = 0;
  if (server && !server->WaitReady("/v2/health/ready", 10 * kNanosPerSecond, &ready_ns, &error)) {
    ADD_FAILURE() << error;
  }
  return server;
}

// What the kernel says the tasks of `pids` did, in nanoseconds: time on a CPU and time
// runnable but waiting for one, summed over every thread.
struct SchedTimes {
  int64_t ran_ns = 0;
  int64_t waited_ns = 0;
  int64_t taken_ns = 0;  // MonotonicNanos() when read
};

SchedTimes ReadSchedTimes(const std::vector<pid_t>& pids) {
  SchedTimes t;
  for (pid_t pid : pids) {
    const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
      std::ifstream in(task.path() / "schedstat");
      int64_t ran = 0, waited = 0;
      if (in >> ran >> waited) {
        t.ran_ns += ran;
        t.waited_ns += waited;
      }
    }
  }
  t.taken_ns = MonotonicNanos();
  return t;
}

// Percent of one core between two readings.
double Percent(int64_t ns, const SchedTimes& a, const SchedTimes& b) {
  return 100.0 * static_cast<double>(ns) / static_cast<double>(b.taken_ns - a.taken_ns);
}

std::unique_ptr<ServerProcess> StartKnownLoad(const TempDir& dir,
                                              const std::vector<std::string>& flags) {
  LaunchPlan plan;
  plan.argv = {SERVEBENCH_KNOWN_LOAD};
  plan.argv.insert(plan.argv.end(), flags.begin(), flags.end());
  std::string error;
  auto process = ServerProcess::Start(plan, {}, dir.file("known_load.log"), &error);
  EXPECT_NE(process, nullptr) << error;
  return process;
}

// Busy 5 ms of each 10 ms: the sampler's CPU % is what the kernel says the process ran, within
// a percentage point or two (its counters tick at 100 Hz), and the process got at most its
// duty, which it asked for all along (it ran or waited to run at least half the time).
TEST(ResourceSamplerTest, CpuPercentOfAKnownDutyCycle) {
  TempDir dir;
  auto process = StartKnownLoad(dir, {"--duty-ms", "5", "--period-ms", "10"});
  ASSERT_NE(process, nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // past exec and the first periods
  const SchedTimes before = ReadSchedTimes({process->pid()});
  ResourceSampler sampler(process->pid(), 100 * kNanosPerMilli);
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  const ResourceRecord stats = sampler.Stop();
  const SchedTimes after = ReadSchedTimes({process->pid()});
  process->Stop(kNanosPerSecond);

  const double ran = Percent(after.ran_ns - before.ran_ns, before, after);
  const double asked =
      Percent(after.ran_ns - before.ran_ns + after.waited_ns - before.waited_ns, before, after);
  std::printf("duty cycle 5/10 ms: sampler %.2f%%, kernel ran %.2f%%, asked %.2f%%\n",
              stats.cpu_percent.mean, ran, asked);
  EXPECT_GE(stats.samples, 15);
  EXPECT_NEAR(stats.cpu_percent.mean, ran, 2.5)
      << "ran " << ran << "%, asked " << asked << "%: " << stats.ToJson().dump();
  EXPECT_LE(ran, 52) << "a 50% duty cycle ran more than half the time";
  EXPECT_GE(asked, 48) << "ran " << ran << "%, asked " << asked << "%";
  // On a machine that let it run, that is its duty cycle.
  if (asked - ran < 2) {
    EXPECT_NEAR(stats.cpu_percent.mean, 50, 3);
  }
}

// A process touches 64 MiB: the sampler's RSS (and PSS: the pages are its alone) grows by that,
// within 2%.
TEST(ResourceSamplerTest, RssOfAKnownAllocation) {
  TempDir dir;
  auto process = StartKnownLoad(dir, {"--alloc-mb", std::to_string(kAllocMb)});
  ASSERT_NE(process, nullptr);
  auto log_says = [&](const std::string& text) {
    std::ifstream in(dir.file("known_load.log"));
    std::stringstream s;
    s << in.rdbuf();
    return s.str().find(text) != std::string::npos;
  };
  for (int i = 0; i < 500 && !log_says("waiting for SIGUSR1"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(log_says("waiting for SIGUSR1"));
  ResourceSampler idle(process->pid(), 50 * kNanosPerMilli);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const ResourceRecord before = idle.Stop();
  kill(process->pid(), SIGUSR1);
  for (int i = 0; i < 1000 && !log_says("touched"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(log_says("touched"));
  ResourceSampler holding(process->pid(), 50 * kNanosPerMilli);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const ResourceRecord after = holding.Stop();
  process->Stop(kNanosPerSecond);

  const double truth = kAllocMb * kMiB;
  const double grew = after.rss_bytes.mean - before.rss_bytes.mean;
  std::printf("touched %d MiB: RSS grew %.3f MiB, PSS %.3f MiB\n", kAllocMb, grew / kMiB,
              (after.pss_bytes.mean - before.pss_bytes.mean) / kMiB);
  EXPECT_NEAR(grew, truth, 0.02 * truth)
      << "before " << before.ToJson().dump() << " after " << after.ToJson().dump();
  EXPECT_EQ(after.rss_bytes.max, after.rss_bytes.mean);  // it holds the memory, no more
  if (std::ifstream("/proc/self/smaps_rollup")) {
    EXPECT_NEAR(after.pss_bytes.mean - before.pss_bytes.mean, truth, 0.02 * truth);
  }
}

TEST(ResourceSamplerTest, SeesABusyCoreAndHeldMemory) {
  TempDir dir;
  auto server = StartFake(
      dir, {"--burn", "--alloc-mb", std::to_string(kAllocMb), "--child-pid-file", dir.file("pid")});
  ASSERT_NE(server, nullptr);
  pid_t child = 0;
  std::ifstream(dir.file("pid")) >> child;
  const SchedTimes before = ReadSchedTimes({server->pid(), child});
  ResourceSampler sampler(server->pid(), 100 * kNanosPerMilli);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  const ResourceRecord stats = sampler.Stop();
  const SchedTimes after = ReadSchedTimes({server->pid(), child});
  server->Stop(kNanosPerSecond);

  EXPECT_GE(stats.samples, 8);
  EXPECT_LE(stats.samples, 11);
  EXPECT_DOUBLE_EQ(stats.period_s, 0.1);
  // One spinning thread asks for a whole core all along; the tree's CPU % is what it got,
  // whatever a loaded machine left it.
  const double ran = Percent(after.ran_ns - before.ran_ns, before, after);
  const double asked =
      Percent(after.ran_ns - before.ran_ns + after.waited_ns - before.waited_ns, before, after);
  std::printf("spinning thread: sampler %.2f%%, kernel ran %.2f%%, asked %.2f%%\n",
              stats.cpu_percent.mean, ran, asked);
  EXPECT_GE(asked, 95) << "ran " << ran << "%";
  EXPECT_NEAR(stats.cpu_percent.mean, ran, 5) << "ran " << ran << "%: " << stats.ToJson().dump();
  EXPECT_LT(stats.cpu_percent.max, 200) << stats.ToJson().dump();
  EXPECT_GE(stats.rss_bytes.mean, kAllocMb * kMiB);
  EXPECT_GE(stats.rss_bytes.max, stats.rss_bytes.mean);
  if (std::ifstream("/proc/self/smaps_rollup")) {
    // PSS shares pages between the server and its forked child, so it is at least the block
    // held after the fork.
    EXPECT_GE(stats.pss_bytes.mean, kAllocMb * kMiB) << stats.ToJson().dump();
  }
  EXPECT_EQ(stats.processes_max, 2);  // the server and its child
  EXPECT_GE(stats.threads.mean, 3);   // main, spinner, child
  EXPECT_EQ(stats.gpu.has_value(), Nvml::Get() != nullptr);

  nlohmann::json json = stats.ToJson();
  EXPECT_EQ(json["samples"], stats.samples);
  EXPECT_EQ(json["cpu_percent"]["mean"], stats.cpu_percent.mean);
  EXPECT_EQ(json["rss_bytes"]["max"], stats.rss_bytes.max);
  EXPECT_EQ(json.contains("gpu"), stats.gpu.has_value());
}

TEST(ResourceSamplerTest, IdleServerUsesLittleCpu) {
  TempDir dir;
  auto server = StartFake(dir, {});
  ASSERT_NE(server, nullptr);
  ResourceSampler sampler(server->pid(), 50 * kNanosPerMilli);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const ResourceRecord stats = sampler.Stop();
  EXPECT_GE(stats.samples, 5);
  EXPECT_LT(stats.cpu_percent.mean, 10);
  EXPECT_EQ(stats.processes_max, 1);
  EXPECT_EQ(sampler.Stop().samples, stats.samples);  // a second Stop returns the same
}

TEST(ResourceSamplerTest, StopRightAwayHasNoSamplesAndNoNonsense) {
  ResourceSampler sampler(getpid(), 100 * kNanosPerMilli);
  const ResourceRecord stats = sampler.Stop();
  EXPECT_EQ(stats.samples, 0);
  EXPECT_EQ(stats.cpu_percent.mean, 0);
}

// Threads of this process whose scheduling policy is SCHED_IDLE.
int IdlePolicyThreads() {
  int count = 0;
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return -1;
  while (dirent* entry = readdir(tasks)) {
    const pid_t tid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (tid > 0 && sched_getscheduler(tid) == SCHED_IDLE) ++count;
  }
  closedir(tasks);
  return count;
}

// The sampler shares the load generator's core, so it samples at SCHED_IDLE: a send that falls
// due while it reads /proc preempts it at once (docs/performance.md, "The resource sampler").
// It still samples when a thread at the normal policy keeps that core busy the whole time.
TEST(ResourceSamplerTest, SamplesAtTheIdlePolicyEvenBesideABusyThreadOnItsCore) {
  cpu_set_t allowed;
  ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
  int cpu = 0;
  while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &allowed)) ++cpu;
  ASSERT_LT(cpu, CPU_SETSIZE);
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);  // threads made below inherit it

  ASSERT_EQ(IdlePolicyThreads(), 0);
  std::atomic<bool> stop{false};
  std::thread busy([&stop] {
    while (!stop.load(std::memory_order_relaxed)) {
    }
  });
  ResourceSampler sampler(getpid(), 50 * kNanosPerMilli);
  int idle = 0;
  for (int i = 0; i < 100 && idle == 0; ++i) {  // the thread sets its policy when it starts
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    idle = IdlePolicyThreads();
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const ResourceRecord stats = sampler.Stop();
  stop = true;
  busy.join();
  ASSERT_EQ(sched_setaffinity(0, sizeof allowed, &allowed), 0);

  EXPECT_EQ(idle, 1);                 // the sampler's thread, and only it
  EXPECT_EQ(IdlePolicyThreads(), 0);  // it has ended
  // About 20 periods of 50 ms. At SCHED_IDLE beside a busy thread the sampler wakes late and
  // skips ticks (6 samples in a run here), but it is not starved; its mean is over time, so the
  // longer periods count for what they covered.
  EXPECT_GE(stats.samples, 3);
  EXPECT_GT(stats.cpu_percent.mean, 50);  // the busy thread, seen
}

TEST(EnergyMeterTest, AbsentOrNonNegative) {
  EnergyMeter meter;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::optional<double> joules = meter.Joules();
  if (joules) {
    EXPECT_GE(*joules, 0);
  }
}

}  // namespace
}  // namespace servebench
