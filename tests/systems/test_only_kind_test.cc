// Copyright servebench authors.
//
// Proof that adding a serving system and a protocol touches no other file: this file alone
// registers a test-only serving kind ("test-fake", which starts tests/lifecycle/fake_server) and
// a test-only protocol ("test-plain-http", paths the KServe adapter never uses), and the runner
// runs a sweep cell and a cold-start cell with them, reading readiness, model readiness and
// every request from the test protocol.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "model_fixture.h"
#include "servebench/bench/cell_runner.h"
#include "servebench/lifecycle/loopback_ports.h"
#include "servebench/protocols/protocol_adapter.h"
#include "servebench/systems/serving_system.h"
#include "temp_dir.h"

namespace servebench {
namespace {

namespace fs = std::filesystem;
using testing::MakeModel;
using testing::TempDir;

// Every response of the load must mention outputs.
class HasOutputsCheck : public ResponseCheck {
 public:
  class Checker : public ResponseChecker {
   public:
    bool Check(std::string_view body, std::string* why) override {
      if (body.find("outputs") != std::string_view::npos) return true;
      if (why != nullptr) *why = "no outputs";
      return false;
    }
  };
  std::unique_ptr<ResponseChecker> NewChecker() const override {
    return std::make_unique<Checker>();
  }
  std::string Describe() const override { return "mentions outputs"; }
};

class PlainHttpAdapter : public ProtocolAdapter {
 public:
  std::string name() const override { return "test-plain-http"; }
  std::string ServerReadyPath() const override { return "/test/up"; }
  std::string ModelReadyPath(const std::string& model) const override {
    return "/test/" + model + "/up";
  }
  bool BuildInferCall(const std::string&, const std::string& model, int, HttpCall* call,
                      std::string*) const override {
    call->method = "POST";
    call->path = "/test/" + model + "/run";
    call->body = "{}";
    return true;
  }
  // The fake server answers every request with a small KServe-style body.
  bool CheckInferResponse(const std::string& body, int, std::string* error) const override {
    if (body.find("outputs") != std::string::npos) return true;
    *error = "no outputs in " + body.substr(0, 100);
    return false;
  }
  std::shared_ptr<const ResponseCheck> NewResponseCheck(const std::string&, const std::string&,
                                                        std::string*) const override {
    return std::make_shared<HasOutputsCheck>();
  }
};

const ProtocolRegistration kProtocol("test-plain-http",
                                     [] { return std::make_unique<PlainHttpAdapter>(); });

struct FakeSettings : SystemSettings {
  int sleep_ms = 0;
  nlohmann::json ToJson() const override { return {{"sleep_ms", sleep_ms}}; }
};

class FakeSystem : public ServingSystem {
 public:
  std::string kind() const override { return "test-fake"; }
  std::vector<std::string> keys() const override { return {"sleep_ms", "cpus"}; }
  std::shared_ptr<const SystemSettings> ReadSettings(const Fields& fields,
                                                     const std::string&) const override {
    auto settings = std::make_shared<FakeSettings>();
    IfPresent(fields, "sleep_ms", [&](const YAML::Node& n, const std::string& p) {
      settings->sleep_ms = ReadInt(n, p, 0);
    });
    return settings;
  }
  bool Available(const ServerConfig&, const SystemContext&, std::string*) const override {
    return true;
  }
  bool Plan(const ServerConfig& server, const ModelVariant& variant, const SystemContext&,
            const std::string&, LaunchPlan* plan, std::string* error) const override {
    std::vector<int> ports;
    if (!PickLoopbackPorts(1, &ports, error)) return false;
    const auto& settings = static_cast<const FakeSettings&>(*server.settings);
    plan->argv = {SERVEBENCH_FAKE_SERVER, "--port", std::to_string(ports[0]), "--sleep-ms",
                  std::to_string(settings.sleep_ms)};
    plan->base_url = "http://127.0.0.1:" + std::to_string(ports[0]);
    plan->protocol = "test-plain-http";
    plan->model = variant.name;
    return true;
  }
};

const ServingSystemRegistration kSystem(std::make_unique<FakeSystem>());

ExperimentConfig ShortExperiment() {
  ExperimentConfig config;
  config.source = "test";
  config.measurement.warmup_ns = 0;
  config.measurement.window_ns = 200 * kNanosPerMilli;
  config.measurement.min_duration_ns = 600 * kNanosPerMilli;
  config.measurement.max_duration_ns = 1 * kNanosPerSecond;
  config.measurement.min_requests = 10;
  config.measurement.ready_timeout_ns = 10 * kNanosPerSecond;
  config.measurement.stop_grace_ns = kNanosPerSecond;
  return config;
}

Cell FakeCell(const ModelVariant& variant, const Scenario& scenario) {
  auto settings = std::make_shared<FakeSettings>();
  settings->sleep_ms = 100;
  Cell cell;
  cell.variant = variant;
  cell.server = {"fake", "test-fake", {}, settings};
  cell.scenario = scenario;
  cell.id = variant.name + "/fake/" + scenario.name;
  return cell;
}

CellEnvironment Environment(const ExperimentConfig& config, const TempDir& dir) {
  CellEnvironment env;
  env.config = &config;
  env.run_id = "test";
  env.log_dir = dir.file("logs");
  env.work_dir = dir.file("work");
  return env;
}

TEST(TestOnlyKindTest, RunsASweepCellThroughTheRegistries) {
  TempDir dir;
  const ExperimentConfig config = ShortExperiment();
  Scenario sweep;
  sweep.name = "concurrency";
  sweep.kind = ScenarioKind::kConcurrencySweep;
  sweep.concurrency = {1};
  const CellOutcome outcome = RunCell(FakeCell(MakeModel(dir), sweep), Environment(config, dir));
  const nlohmann::json record = outcome.record.ToJson();
  ASSERT_EQ(record["status"], "ok") << record.dump(2);
  EXPECT_EQ(record["server_kind"], "test-fake");
  ASSERT_EQ(record["levels"].size(), 1u);
  EXPECT_GT(record["levels"][0]["load"]["requests"]["ok"].get<int64_t>(), 10);
  EXPECT_EQ(record["levels"][0]["load"]["requests"]["errors"]["validation"], 0);
}

TEST(TestOnlyKindTest, ColdStartWaitsForTheTestProtocolsReadiness) {
  TempDir dir;
  const ExperimentConfig config = ShortExperiment();
  Scenario cold;
  cold.name = "cold_start";
  cold.kind = ScenarioKind::kColdStart;
  cold.repeats = 2;
  const CellOutcome outcome = RunCell(FakeCell(MakeModel(dir), cold), Environment(config, dir));
  const nlohmann::json record = outcome.record.ToJson();
  ASSERT_EQ(record["status"], "ok") << record.dump(2);
  ASSERT_EQ(record["cold_start"]["repeats"].size(), 2u);
  // The fake server sleeps 100 ms before it listens: the truth spawn-to-ready is checked against.
  for (const nlohmann::json& sample : record["cold_start"]["repeats"]) {
    EXPECT_GE(sample["spawn_to_ready_s"].get<double>(), 0.1);
    EXPECT_LT(sample["spawn_to_ready_s"].get<double>(), 2.0);
    EXPECT_FALSE(sample.contains("model_load_s"));  // the test protocol has no repository API
  }
}

}  // namespace
}  // namespace servebench
