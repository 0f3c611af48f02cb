// Copyright servebench authors.
//
// The gRPC load engine and the KServe v2 gRPC protocol against the real C++ server, started
// through its serving system with `protocol: grpc`: readiness over gRPC, outputs equal to the
// REST answer's for the same data, a load whose every answer passes the response check, an
// unknown model counted as NOT_FOUND, and a server killed mid-load counted as UNAVAILABLE.

#include <gtest/gtest.h>
#include <signal.h>
#include <yaml-cpp/yaml.h>

#include <thread>

#include "proto/grpc_predict_v2.pb.h"
#include "servebench/core/clock.h"
#include "servebench/lifecycle/cold_start.h"
#include "servebench/lifecycle/server_process.h"
#include "servebench/load/grpc_status.h"
#include "servebench/load/load_engine.h"
#include "servebench/protocols/http_client.h"
#include "servebench/protocols/kserve_grpc_tensors.h"
#include "servebench/systems/serving_system.h"
#include "temp_dir.h"

namespace servebench {
namespace {

using testing::TempDir;

ModelVariant Mlp() { return {"mlp", std::string(SERVEBENCH_LIFECYCLE_MODELS) + "/repository"}; }

ServerConfig ReadServer(const std::string& keys) {
  const ServingSystem* system = FindServingSystem("torchscript");
  const Fields fields(YAML::Load(keys), "servers[0]", system->keys());
  return {"ts", "torchscript", {}, system->ReadSettings(fields, "")};
}

// A started C++ server speaking `protocol`, with its plan and adapter.
struct Started {
  LaunchPlan plan;
  std::unique_ptr<ProtocolAdapter> adapter;
  std::unique_ptr<ServerProcess> process;
};

void Start(const std::string& keys, const TempDir& dir, Started* s) {
  const ServingSystem* system = FindServingSystem("torchscript");
  const SystemContext context{SERVEBENCH_TS_BINARY_DIR, SERVEBENCH_SOURCE_DIR};
  std::string error;
  ASSERT_TRUE(system->Plan(ReadServer(keys), Mlp(), context, dir.file("work"), &s->plan, &error))
      << error;
  s->adapter = NewProtocolAdapter(s->plan.protocol);
  ASSERT_NE(s->adapter, nullptr);
  s->process = ServerProcess::Start(s->plan, {}, dir.file("server.log"), &error);
  ASSERT_NE(s->process, nullptr) << error;
  int64_t ready_ns = 0;
  ASSERT_TRUE(s->process->WaitReady(*s->adapter, 60 * kNanosPerSecond, &ready_ns, &error)) << error;
  ASSERT_TRUE(PollUntilOk(
      s->process.get(), "model ready", s->plan.base_url, s->adapter->ModelReadyCall(s->plan.model),
      kNanosPerSecond, 30 * kNanosPerSecond, kNanosPerMilli, &ready_ns, &error, s->adapter.get()))
      << error;
}

LoadSettings Closed(const std::string& url, const HttpCall& call, int concurrency, double seconds) {
  LoadSettings s;
  std::string error;
  EXPECT_TRUE(ParseUrl(url + call.path, &s.url, &error)) << error;
  s.method = call.method;
  s.body = call.body;
  s.mode = LoopMode::kClosed;
  s.concurrency = concurrency;
  s.connections = concurrency;
  s.warmup_ns = 100 * kNanosPerMilli;
  s.duration_ns = static_cast<int64_t>(seconds * kNanosPerSecond);
  return s;
}

TEST(GrpcIntegrationTest, PlanSpeaksGrpcOnTheServersGrpcPort) {
  TempDir dir;
  LaunchPlan plan;
  std::string error;
  const SystemContext context{SERVEBENCH_TS_BINARY_DIR, SERVEBENCH_SOURCE_DIR};
  ASSERT_TRUE(
      FindServingSystem("torchscript")
          ->Plan(ReadServer("{protocol: grpc}"), Mlp(), context, dir.file("w"), &plan, &error))
      << error;
  EXPECT_EQ(plan.protocol, "grpc");
  ASSERT_EQ(plan.base_url.rfind("grpc://127.0.0.1:", 0), 0u) << plan.base_url;
  const std::string port = plan.base_url.substr(plan.base_url.rfind(':') + 1);
  bool found = false;
  for (size_t i = 0; i + 1 < plan.argv.size(); ++i) {
    if (plan.argv[i] == "--grpc-port") found = plan.argv[i + 1] == port;
  }
  EXPECT_TRUE(found);
  EXPECT_TRUE(plan.has_repository_api);  // the C++ server takes repository calls over gRPC too
}

// A cold start over gRPC: readiness, the first inference and a model load through the
// repository calls, all over gRPC.
TEST(GrpcIntegrationTest, ColdStartOverGrpcTimesEveryStepAndTheModelLoad) {
  TempDir dir;
  Started grpc;
  ASSERT_NO_FATAL_FAILURE(Start("{protocol: grpc}", dir, &grpc));
  std::string error;
  HttpCall call;
  ASSERT_TRUE(grpc.adapter->BuildInferCall(grpc.plan.base_url, grpc.plan.model, 1, &call, &error))
      << error;
  grpc.process->Stop(5 * kNanosPerSecond);
  LaunchPlan plan;
  const SystemContext context{SERVEBENCH_TS_BINARY_DIR, SERVEBENCH_SOURCE_DIR};
  ASSERT_TRUE(
      FindServingSystem("torchscript")
          ->Plan(ReadServer("{protocol: grpc}"), Mlp(), context, dir.file("cold"), &plan, &error))
      << error;
  ColdStartTimes sample;
  ASSERT_TRUE(MeasureColdStart(plan, *grpc.adapter, {}, call,
                               {60 * kNanosPerSecond, 5 * kNanosPerSecond, 5 * kNanosPerSecond},
                               dir.file("cold.log"), &sample, &error))
      << error;
  EXPECT_GT(sample.spawn_to_ready_s, 0);
  EXPECT_GE(sample.spawn_to_first_inference_s, sample.spawn_to_ready_s);
  ASSERT_TRUE(sample.model_load_s.has_value());
  EXPECT_GT(*sample.model_load_s, 0);
}

// The same data over gRPC and REST gives the same outputs; a gRPC load of it succeeds on every
// answer, as the response check built from the first answer says.
TEST(GrpcIntegrationTest, OutputsMatchRestAndEveryLoadAnswerPassesTheCheck) {
  TempDir dir;
  Started grpc;
  ASSERT_NO_FATAL_FAILURE(Start("{protocol: grpc}", dir, &grpc));
  std::string error;
  HttpCall call;
  ASSERT_TRUE(grpc.adapter->BuildInferCall(grpc.plan.base_url, grpc.plan.model, 2, &call, &error))
      << error;
  HttpReply reply;
  ASSERT_TRUE(HttpFetch(call.method, grpc.plan.base_url + call.path, {}, call.body,
                        5 * kNanosPerSecond, &reply, &error))
      << error;
  ASSERT_EQ(reply.status, 200) << reply.body;
  ASSERT_TRUE(grpc.adapter->CheckInferResponse(reply.body, 2, &error)) << error;
  std::vector<TensorValues> grpc_outputs;
  ASSERT_TRUE(grpc.adapter->ReadOutputs(reply.body, &grpc_outputs, &error)) << error;

  TempDir rest_dir;
  Started rest;
  ASSERT_NO_FATAL_FAILURE(Start("{}", rest_dir, &rest));
  HttpCall rest_call;
  ASSERT_TRUE(
      rest.adapter->BuildInferCall(rest.plan.base_url, rest.plan.model, 2, &rest_call, &error))
      << error;
  HttpReply rest_reply;
  ASSERT_TRUE(HttpFetch(rest_call.method, rest.plan.base_url + rest_call.path, rest_call.headers,
                        rest_call.body, 5 * kNanosPerSecond, &rest_reply, &error))
      << error;
  std::vector<TensorValues> rest_outputs;
  ASSERT_TRUE(rest.adapter->ReadOutputs(rest_reply.body, &rest_outputs, &error)) << error;
  ASSERT_EQ(grpc_outputs.size(), rest_outputs.size());
  for (size_t i = 0; i < grpc_outputs.size(); ++i) {
    EXPECT_EQ(grpc_outputs[i].name, rest_outputs[i].name);
    EXPECT_EQ(grpc_outputs[i].shape, rest_outputs[i].shape);
    ASSERT_EQ(grpc_outputs[i].values.size(), rest_outputs[i].values.size());
    for (size_t k = 0; k < grpc_outputs[i].values.size(); ++k) {
      // FP32 over gRPC, decimal text over REST: equal to float precision.
      EXPECT_NEAR(grpc_outputs[i].values[k], rest_outputs[i].values[k],
                  1e-6 * std::max(1.0, std::abs(rest_outputs[i].values[k])));
    }
  }

  LoadSettings s = Closed(grpc.plan.base_url, call, 2, 0.5);
  s.response_check = grpc.adapter->NewResponseCheck(reply.body, "first answer", &error);
  ASSERT_NE(s.response_check, nullptr) << error;
  LoadResult r;
  ASSERT_TRUE(RunLoad(s, nullptr, nullptr, &r, &error)) << error;
  EXPECT_GT(r.counters.ok, 20);
  EXPECT_EQ(r.counters.errors.total(), 0) << r.first_validation_error;
  EXPECT_EQ(r.counters.grpc_status_codes[kGrpcOk], r.counters.completed);
}

// A request for a model the server does not have is NOT_FOUND, counted as a status error; a
// server killed mid-load turns into UNAVAILABLE, counted as connect errors.
TEST(GrpcIntegrationTest, UnknownModelIsNotFoundAndAKilledServerIsUnavailable) {
  TempDir dir;
  Started grpc;
  ASSERT_NO_FATAL_FAILURE(Start("{protocol: grpc}", dir, &grpc));
  std::string error;
  HttpCall call;
  ASSERT_TRUE(grpc.adapter->BuildInferCall(grpc.plan.base_url, grpc.plan.model, 1, &call, &error))
      << error;
  inference::ModelInferRequest request;
  ASSERT_TRUE(request.ParseFromString(call.body));
  request.set_model_name("no-such-model");
  HttpCall unknown = call;
  unknown.body = request.SerializeAsString();
  LoadResult r;
  ASSERT_TRUE(RunLoad(Closed(grpc.plan.base_url, unknown, 1, 0.3), nullptr, nullptr, &r, &error))
      << error;
  ASSERT_GT(r.counters.sent, 5);
  EXPECT_EQ(r.counters.ok, 0);
  EXPECT_EQ(r.counters.grpc_status_codes[kGrpcNotFound], r.counters.sent);
  EXPECT_EQ(r.counters.errors.http_status, r.counters.sent);
  EXPECT_EQ(r.counters.status_codes[404], r.counters.sent);

  const pid_t pid = grpc.process->pid();
  std::thread killer([pid] {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    kill(pid, SIGKILL);
  });
  LoadResult k;
  ASSERT_TRUE(RunLoad(Closed(grpc.plan.base_url, call, 2, 1.2), nullptr, nullptr, &k, &error))
      << error;
  killer.join();
  EXPECT_GT(k.counters.ok, 10);
  EXPECT_GT(k.counters.grpc_status_codes[kGrpcUnavailable], 0);
  EXPECT_EQ(k.counters.errors.connect, k.counters.grpc_status_codes[kGrpcUnavailable]);
}

}  // namespace
}  // namespace servebench
