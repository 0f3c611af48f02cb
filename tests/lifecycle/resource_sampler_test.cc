// Copyright servebench authors.
//
// ResourceSampler on lifecycle_fake_server burning one core and holding known memory, and the
// parts of sampling that depend on the machine (NVML, RAPL) checked for consistency only.

#include "servebench/lifecycle/resource_sampler.h"

#include <gtest/gtest.h>

#include <fstream>
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

TEST(ResourceSamplerTest, SeesABusyCoreAndHeldMemory) {
  TempDir dir;
  auto server = StartFake(
      dir, {"--burn", "--alloc-mb", std::to_string(kAllocMb), "--child-pid-file", dir.file("pid")});
  ASSERT_NE(server, nullptr);
  ResourceSampler sampler(server->pid(), 100 * kNanosPerMilli);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  const ResourceRecord stats = sampler.Stop();
  server->Stop(kNanosPerSecond);

  EXPECT_GE(stats.samples, 8);
  EXPECT_LE(stats.samples, 11);
  EXPECT_DOUBLE_EQ(stats.period_s, 0.1);
  // One spinning thread: 100% of a core, less what other work on a shared machine takes from it.
  EXPECT_GT(stats.cpu_percent.mean, 40) << stats.ToJson().dump();
  EXPECT_LT(stats.cpu_percent.mean, 130) << stats.ToJson().dump();
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
