// Copyright servebench authors.
//
// The real servers started through their launchers on a model from a small generated
// repository (tests/torchscript_server/make_test_models.py): readiness, an inference built
// from the model's metadata, process sampling, the Prometheus split and a measured cold start.

#include <gtest/gtest.h>
#include <sched.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "servebench/core/clock.h"
#include "servebench/lifecycle/cold_start.h"
#include "servebench/lifecycle/prometheus.h"
#include "servebench/lifecycle/resource_sampler.h"
#include "servebench/lifecycle/server_process.h"
#include "servebench/protocols/http_client.h"
#include "temp_dir.h"

namespace servebench {
namespace {

using testing::TempDir;

constexpr int kBatch = 2;
constexpr int kRequests = 20;

ModelVariant Mlp() { return {"mlp", std::string(SERVEBENCH_LIFECYCLE_MODELS) + "/repository"}; }

MeasurementSettings Measurement() {
  MeasurementSettings m;
  m.ready_timeout_ns = 60 * kNanosPerSecond;
  m.stop_grace_ns = 10 * kNanosPerSecond;
  return m;
}

void PrintColdStart(const std::string& server, const ColdStartSample& sample) {
  std::cout << server << " cold start: " << ToJson(sample).dump() << std::endl;
}

// Starts `config` on the mlp model, checks it serves and samples it, and measures a cold start.
void ExerciseServer(const ServerConfig& config, const std::string& binary_dir) {
  TempDir dir;
  auto launcher = NewLauncher(config.kind, binary_dir, SERVEBENCH_SOURCE_DIR);
  ASSERT_NE(launcher, nullptr);
  std::string error;
  ASSERT_TRUE(launcher->Available(config, &error)) << error;
  LaunchPlan plan;
  ASSERT_TRUE(launcher->Plan(config, Mlp(), dir.file("work"), &plan, &error)) << error;

  auto server = ServerProcess::Start(plan, {}, dir.file("logs/server.log"), &error);
  ASSERT_NE(server, nullptr) << error;
  int64_t ready_ns = 0;
  ASSERT_TRUE(server->WaitReady(Measurement().ready_timeout_ns, &ready_ns, &error)) << error;

  auto adapter = NewKServeV2RestAdapter();
  HttpReply reply;
  ASSERT_TRUE(HttpFetch("GET", plan.base_url + adapter->ModelReadyPath(plan.model), {}, "",
                        kNanosPerSecond, &reply, &error))
      << error;
  EXPECT_EQ(reply.status, 200);
  HttpCall infer;
  ASSERT_TRUE(adapter->BuildInferCall(plan.base_url, plan.model, kBatch, &infer, &error)) << error;

  MetricSamples before;
  if (!plan.metrics_url.empty()) {
    ASSERT_TRUE(ScrapePrometheus(plan.metrics_url, kNanosPerSecond, &before, &error)) << error;
  }
  ResourceSampler sampler(server->pid(), 50 * kNanosPerMilli);
  const int64_t start = MonotonicNanos();
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(HttpFetch(infer.method, plan.base_url + infer.path, infer.headers, infer.body,
                          5 * kNanosPerSecond, &reply, &error))
        << error;
    ASSERT_EQ(reply.status, 200) << reply.body;
    ASSERT_TRUE(adapter->CheckInferResponse(reply.body, kBatch, &error)) << error;
  }
  // At least a few sampling periods, however fast the requests were.
  const int64_t elapsed = MonotonicNanos() - start;
  if (elapsed < 200 * kNanosPerMilli) {
    std::this_thread::sleep_for(std::chrono::nanoseconds(200 * kNanosPerMilli - elapsed));
  }
  const ResourceStats stats = sampler.Stop();
  EXPECT_GE(stats.samples, 3);
  EXPECT_GT(stats.rss_bytes.max, 10e6) << stats.ToJson().dump();
  EXPECT_GE(stats.threads.max, 1);
  EXPECT_GE(stats.processes_max, 1);
  std::cout << config.name << " resources: " << stats.ToJson().dump() << std::endl;

  if (!plan.metrics_url.empty()) {
    MetricSamples after;
    ASSERT_TRUE(ScrapePrometheus(plan.metrics_url, kNanosPerSecond, &after, &error)) << error;
    const std::optional<ServerSideSplit> split = SplitBetween(before, after, plan.model);
    ASSERT_TRUE(split.has_value());
    EXPECT_EQ(split->requests, kRequests);
    EXPECT_EQ(split->inferences, kRequests * kBatch);
    EXPECT_GE(split->request_us_per_request,
              split->queue_us_per_request + split->compute_us_per_request);
    std::cout << config.name << " server-side split: " << split->ToJson().dump() << std::endl;
  }
  server->Stop(Measurement().stop_grace_ns);
  EXPECT_FALSE(server->Alive());

  // A cold start from a fresh plan (fresh ports), pinned to this process's first CPU.
  ASSERT_TRUE(launcher->Plan(config, Mlp(), dir.file("work"), &plan, &error)) << error;
  cpu_set_t mine;
  ASSERT_EQ(sched_getaffinity(0, sizeof(mine), &mine), 0);
  int cpu = 0;
  while (!CPU_ISSET(cpu, &mine)) ++cpu;
  ColdStartSample sample;
  ASSERT_TRUE(MeasureColdStart(plan, {cpu}, infer, Measurement(), dir.file("logs/cold.log"),
                               &sample, &error))
      << error;
  PrintColdStart(config.name, sample);
  EXPECT_GT(sample.spawn_to_ready_s, 0);
  EXPECT_GE(sample.ready_to_first_inference_s, 0);
  EXPECT_EQ(sample.model_load_s.has_value(), plan.has_repository_api);
  if (sample.model_load_s) {
    EXPECT_GT(*sample.model_load_s, 0);
  }
}

TEST(LifecycleIntegrationTest, TorchScriptServer) {
  ServerConfig config;
  config.name = "torchscript-batching";
  config.kind = "torchscript";
  config.dynamic_batching = true;
  config.max_batch_size = 8;
  config.preferred_batch_sizes = {4};
  config.max_queue_delay_us = 200;
  config.instances = 1;
  config.intra_op_threads = 1;
  ExerciseServer(config, std::filesystem::path(SERVEBENCH_TS_SERVER_BINARY).parent_path());
}

TEST(LifecycleIntegrationTest, FastApiServer) {
  if (std::system("/usr/bin/python3 -c 'import fastapi, uvicorn, torch' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 lacks fastapi, uvicorn or torch";
  }
  ServerConfig config;
  config.name = "fastapi";
  config.kind = "fastapi";
  config.workers = 1;
  config.intra_op_threads = 1;
  ExerciseServer(config, "");
}

}  // namespace
}  // namespace servebench
