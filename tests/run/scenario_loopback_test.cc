// Copyright servebench authors.
//
// MLPerf's scenarios in `servebench run`, end to end: a YAML experiment with each scenario kind
// against a fake KServe server in this process with one worker and a fixed service time D, and
// what results.json, the progress lines and the final summary say of each.

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "fake_kserve.h"
#include "loopback_run.h"
#include "servebench/core/clock.h"
#include "test_http_server.h"

namespace servebench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::FakeKServe;
using testing::FakeKServeOptions;
using testing::MakeRepository;
using testing::OnlyRunDir;
using testing::Outcome;
using testing::RunServebench;
using testing::Slurp;
using testing::TempDir;
using testing::TestHttpServer;

constexpr int64_t kServiceNs = 2 * kNanosPerMilli;  // D: capacity 500 req/s

// The cell of results.json whose scenario is `name`.
const json& CellNamed(const json& cells, const std::string& name) {
  for (const json& c : cells) {
    if (c["scenario"] == name) return c;
  }
  static const json none;
  ADD_FAILURE() << "no cell of scenario " << name;
  return none;
}

TEST(ScenarioLoopbackTest, EachMlperfScenarioRunsFromYamlAndIsJudged) {
  FakeKServeOptions fake;
  fake.delay_ns = TestHttpServer::OneWorker(kServiceNs);
  TestHttpServer server(FakeKServe(fake));
  TempDir dir;
  const fs::path config = dir.path() / "experiment.yaml";
  // Server at a fifth of the capacity is judged by the SLO's p90 bound (no bound of its own);
  // at twice the capacity it cannot meet it.
  std::ofstream(config)
      << "name: scenarios\nmodels:\n  repository: " << MakeRepository(dir.path()).string()
      << "\n  variants: [mlp]\nservers:\n"
      << "  - {name: fake, kind: external, url: \"http://127.0.0.1:" << server.port() << "\"}\n"
      << "scenarios:\n"
      << "  - {kind: single_stream, min_duration: 200ms, latency_bound: 100ms}\n"
      << "  - {kind: multi_stream, samples_per_query: 4, percentile: 90, min_duration: 200ms}\n"
      << "  - {kind: server, target_rate: 100, min_duration: 500ms, min_queries: 100}\n"
      << "  - {name: overload, kind: server, target_rate: 1000, min_duration: 300ms,\n"
      << "     min_queries: 100, percentile: 90}\n"
      << "  - {kind: offline, total_samples: 200, min_duration: 0s}\n"
      << "slo:\n  percentile: 90\n  bound: 50ms\n"
      << "measurement:\n  warmup: 200ms\n  request_timeout: 5s\n";
  const Outcome run = RunServebench(dir.path(), config);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const fs::path run_dir = OnlyRunDir(dir.path() / "runs");
  const json cells = json::parse(Slurp(run_dir / "results.json"))["cells"];
  ASSERT_EQ(cells.size(), 5u);

  struct Expected {
    const char* scenario;
    const char* kind;
    const char* load_name;
    const char* metric;
  } expected[] = {
      {"single_stream", "single_stream", "single-stream", "p90_latency_us"},
      {"multi_stream", "multi_stream", "multi-stream", "p90_query_latency_us"},
      {"server", "server", "server", "target_rate"},
      {"overload", "server", "server", "target_rate"},
      {"offline", "offline", "offline", "samples_per_second"},
  };
  for (const Expected& e : expected) {
    const json& cell = CellNamed(cells, e.scenario);
    ASSERT_TRUE(cell.is_object()) << e.scenario;
    EXPECT_EQ(cell["status"], "ok") << cell.dump();
    EXPECT_EQ(cell["scenario_kind"], e.kind);
    ASSERT_EQ(cell["levels"].size(), 1u) << e.scenario;
    const json& s = cell["levels"][0]["load"]["scenario"];
    EXPECT_EQ(s["name"], e.load_name);
    EXPECT_EQ(s["metric"]["name"], e.metric);
    EXPECT_TRUE(s["settings"].contains("min_queries"));
    EXPECT_TRUE(s["settings"].contains("seed"));
    // The per-cell line: in the progress on stderr and in the final summary on stdout.
    const std::string line = s["summary"];
    EXPECT_NE(run.err.find(line), std::string::npos) << line << "\n" << run.err;
    EXPECT_NE(run.out.find(cell["cell_id"].get<std::string>() + ": " + line), std::string::npos)
        << run.out;
  }

  // SingleStream: 2 ms a query, within its own 100 ms bound.
  const json& ss = CellNamed(cells, "single_stream")["levels"][0]["load"]["scenario"];
  EXPECT_EQ(ss["result"], "VALID") << ss.dump();
  EXPECT_GE(ss["metric"]["value"].get<double>(), kServiceNs / 1e3);
  EXPECT_EQ(ss["settings"]["latency_bound_us"], 100'000);
  // MultiStream: 4 requests a query on the one worker: a query takes 4 D.
  const json& ms = CellNamed(cells, "multi_stream")["levels"][0]["load"]["scenario"];
  EXPECT_EQ(ms["result"], "VALID") << ms.dump();
  EXPECT_EQ(ms["settings"]["samples_per_query"], 4);
  EXPECT_GE(ms["metric"]["value"].get<double>(), 4 * kServiceNs / 1e3);
  // Server at 100/s: the SLO's bound (p90 <= 50 ms) is met, unless the machine stalled this
  // process (the fake server runs in it) for tens of milliseconds; then the generator's own lag
  // is flagged too, and the run says INVALID for that reason.
  const json& sv = CellNamed(cells, "server")["levels"][0]["load"]["scenario"];
  EXPECT_EQ(sv["settings"]["latency_bound_us"], 50'000);
  EXPECT_EQ(sv["settings"]["percentile"], 90);
  EXPECT_EQ(sv["settings"]["target_rate"], 100);
  bool lagging = false;
  for (const json& f : sv["failed_rules"]) lagging |= f["rule"] == "generator_lag";
  if (lagging) {
    std::printf("busy machine: %s\n", sv["summary"].get<std::string>().c_str());
  } else {
    EXPECT_EQ(sv["bound"]["verdict"], "met") << sv.dump();
    EXPECT_EQ(sv["result"], "VALID") << sv.dump();
  }
  // Server at twice the capacity: INVALID, the bound not met, and the advice a lower rate.
  const json& over = CellNamed(cells, "overload")["levels"][0]["load"]["scenario"];
  EXPECT_EQ(over["result"], "INVALID");
  EXPECT_EQ(over["bound"]["verdict"], "not_met") << over.dump();
  bool lower_rate = false;
  for (const json& f : over["failed_rules"]) {
    lower_rate |= f["rule"] == "latency_bound" && f["recommendation"] == "lower the target rate";
  }
  EXPECT_TRUE(lower_rate) << over.dump();
  EXPECT_NE(run.out.find("-> lower the target rate"), std::string::npos) << run.out;
  // Offline: 200 samples through one worker of 2 ms take at least 0.4 s: at most 500/s.
  const json& off = CellNamed(cells, "offline")["levels"][0]["load"]["scenario"];
  EXPECT_EQ(off["result"], "VALID") << off.dump();
  EXPECT_EQ(off["ok_samples"], 200);
  EXPECT_LE(off["metric"]["value"].get<double>(), 1e9 / kServiceNs * 1.01);
  EXPECT_GT(off["metric"]["value"].get<double>(), 1e9 / kServiceNs * 0.5);
}

}  // namespace
}  // namespace servebench
