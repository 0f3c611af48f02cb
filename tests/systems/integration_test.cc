// Copyright servebench authors.
//
// The real servers started through their serving systems on a model from a small generated
// repository (tests/torchscript_server/make_test_models.py): readiness, an inference built
// from the model's metadata, process sampling, the Prometheus split and a measured cold start.

#include <gtest/gtest.h>
#include <sched.h>
#include <yaml-cpp/yaml.h>

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
#include "servebench/systems/serving_system.h"
#include "temp_dir.h"

namespace servebench {
namespace {

using testing::TempDir;

constexpr int kBatch = 2;
constexpr int kRequests = 20;

ModelVariant Mlp() { return {"mlp", std::string(SERVEBENCH_LIFECYCLE_MODELS) + "/repository"}; }

ServerTimeouts Timeouts() {
  return {60 * kNanosPerSecond, 5 * kNanosPerSecond, 10 * kNanosPerSecond};
}

// A server of `kind` with the settings of the YAML map `keys`, as a config would give it.
ServerConfig ReadServer(const std::string& name, const std::string& kind, const std::string& keys) {
  const ServingSystem* system = FindServingSystem(kind);
  const Fields fields(YAML::Load(keys), "servers[0]", system->keys());
  return {name, kind, {}, system->ReadSettings(fields, "")};
}

void PrintColdStart(const std::string& server, const ColdStartTimes& sample) {
  std::cout << server << " cold start: " << sample.ToJson().dump() << std::endl;
}

// Starts `config` on the mlp model, checks it serves and samples it, and measures a cold start.
void ExerciseServer(const ServerConfig& config, const std::string& binary_dir) {
  TempDir dir;
  const ServingSystem* system = FindServingSystem(config.kind);
  ASSERT_NE(system, nullptr);
  const SystemContext context{binary_dir, SERVEBENCH_SOURCE_DIR};
  std::string error;
  ASSERT_TRUE(system->Available(config, context, &error)) << error;
  LaunchPlan plan;
  ASSERT_TRUE(system->Plan(config, Mlp(), context, dir.file("work"), &plan, &error)) << error;
  auto adapter = NewProtocolAdapter(plan.protocol);
  ASSERT_NE(adapter, nullptr) << plan.protocol;

  auto server = ServerProcess::Start(plan, {}, dir.file("logs/server.log"), &error);
  ASSERT_NE(server, nullptr) << error;
  int64_t ready_ns = 0;
  ASSERT_TRUE(server->WaitReady(adapter->ServerReadyPath(), Timeouts().ready_ns, &ready_ns, &error))
      << error;

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
  const ResourceRecord stats = sampler.Stop();
  EXPECT_GE(stats.samples, 3);
  EXPECT_GT(stats.rss_bytes.max, 10e6) << stats.ToJson().dump();
  EXPECT_GE(stats.threads.max, 1);
  EXPECT_GE(stats.processes_max, 1);
  std::cout << config.name << " resources: " << stats.ToJson().dump() << std::endl;

  if (!plan.metrics_url.empty()) {
    MetricSamples after;
    ASSERT_TRUE(ScrapePrometheus(plan.metrics_url, kNanosPerSecond, &after, &error)) << error;
    const std::optional<ServerSideRecord> split = SplitBetween(before, after, plan.model);
    ASSERT_TRUE(split.has_value());
    EXPECT_EQ(split->requests, kRequests);
    EXPECT_EQ(split->inferences, kRequests * kBatch);
    EXPECT_GE(split->request_us_per_request,
              split->queue_us_per_request + split->compute_us_per_request);
    std::cout << config.name << " server-side split: " << split->ToJson().dump() << std::endl;
  }
  server->Stop(Timeouts().stop_grace_ns);
  EXPECT_FALSE(server->Alive());

  // A cold start from a fresh plan (fresh ports), pinned to this process's first CPU.
  ASSERT_TRUE(system->Plan(config, Mlp(), context, dir.file("work"), &plan, &error)) << error;
  cpu_set_t mine;
  ASSERT_EQ(sched_getaffinity(0, sizeof(mine), &mine), 0);
  int cpu = 0;
  while (!CPU_ISSET(cpu, &mine)) ++cpu;
  ColdStartTimes sample;
  ASSERT_TRUE(MeasureColdStart(plan, *adapter, {cpu}, infer, Timeouts(), dir.file("logs/cold.log"),
                               &sample, &error))
      << error;
  PrintColdStart(config.name, sample);
  EXPECT_GT(sample.spawn_to_ready_s, 0);
  EXPECT_GE(sample.ready_to_first_inference_s, 0);
  // The four steps: the model-ready step is measured, and the two after ready add up.
  ASSERT_TRUE(sample.ready_to_model_ready_s.has_value());
  ASSERT_TRUE(sample.model_ready_to_first_inference_s.has_value());
  EXPECT_GE(*sample.ready_to_model_ready_s, 0);
  EXPECT_NEAR(sample.ready_to_first_inference_s,
              *sample.ready_to_model_ready_s + *sample.model_ready_to_first_inference_s, 1e-9);
  if (config.kind == "torchscript") {
    // The C++ server says ready only once its startup loads are done, so its model is ready at
    // the first poll: the loading is in spawn -> ready, not in the model-ready step.
    EXPECT_LT(*sample.ready_to_model_ready_s, 0.1);
  }
  EXPECT_EQ(sample.model_load_s.has_value(), plan.has_repository_api);
  if (sample.model_load_s) {
    EXPECT_GT(*sample.model_load_s, 0);
  }
}

TEST(LifecycleIntegrationTest, TorchScriptServer) {
  const ServerConfig config =
      ReadServer("torchscript-batching", "torchscript",
                 "{dynamic_batching: true, max_batch_size: 8, preferred_batch_sizes: [4], "
                 "max_queue_delay_us: 200, instances: 1, intra_op_threads: 1}");
  ExerciseServer(config, std::filesystem::path(SERVEBENCH_TS_SERVER_BINARY).parent_path());
}

TEST(LifecycleIntegrationTest, FastApiServer) {
  if (std::system("/usr/bin/python3 -c 'import fastapi, uvicorn, torch' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 lacks fastapi, uvicorn or torch";
  }
  const ServerConfig config = ReadServer("fastapi", "fastapi", "{workers: 1, intra_op_threads: 1}");
  ExerciseServer(config, "");
}

}  // namespace
}  // namespace servebench
