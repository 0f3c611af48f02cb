// Copyright servebench authors.
//
// `servebench run` against servers that fail on purpose (fault_server.cc), started by servebench
// as kind `torchscript` with `binary:` naming the fault. Each fault must be counted under its
// error kind and never as a success or a latency, end its level within the level's limits, fail
// its cell saying why, and leave the run going on to the next cell. docs/reliability.md lists
// the faults and these tests.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "fault_harness.h"

namespace servebench::faults {
namespace {

using nlohmann::json;

// Short levels: 200 ms of warm-up, then at most 1 s; a request times out after 300 ms.
constexpr char kMeasurement[] =
    "  warmup: 200ms\n  window: 200ms\n  min_duration: 600ms\n  min_requests: 20\n"
    "  max_duration: 1s\n  request_timeout: 300ms\n  ready_timeout: 10s\n  stop_grace: 1s\n";

struct Fault {
  const char* mode;
  const char* message;  // in the cell's failure message
};

// The load faults, each with the kind of error it must be counted as (docs/metrics.md).
const Fault kLoadFaults[] = {
    {"hang", "timeouts (no complete response within 300 ms)"},
    {"close_mid_response", "connection errors"},
    {"truncated_body", "connection errors"},
    {"short_length", "validation errors"},
    {"garbage", "protocol errors"},
    {"status_500", "HTTP status errors (N x 500)"},
    {"wrong_body", "validation errors ("},
};

TEST(FailingServerTest, EachFaultIsCountedUnderItsErrorKindAndTheRunGoesOn) {
  TempDir dir;
  std::string servers;
  for (const Fault& f : kLoadFaults) {
    servers += "  - {name: " + std::string(f.mode) + ", kind: torchscript, binary: \"" +
               FaultServer(dir.path(), f.mode).string() + "\"}\n";
  }
  servers += "  - {name: healthy, kind: torchscript, binary: \"" +
             FaultServer(dir.path(), "ok").string() + "\"}\n";
  std::ofstream(dir.path() / "experiment.yaml")
      << Experiment(dir.path(), servers,
                    "  - {name: conc, kind: concurrency_sweep, levels: [2, 4]}\n", kMeasurement);
  Servebench run(
      {"run", (dir.path() / "experiment.yaml").string(), "--out", (dir.path() / "runs").string()},
      dir.path());
  // 8 cells; a failing one ends after its first level (1.2 s and the timeouts' 300 ms).
  ASSERT_EQ(run.Wait(90), 1) << run.err();
  const fs::path run_dir = OnlyRunDir(dir.path() / "runs");

  for (const Fault& f : kLoadFaults) {
    SCOPED_TRACE(f.mode);
    const json cell = ResultCell(run_dir, "mlp/" + std::string(f.mode) + "/conc");
    ASSERT_TRUE(cell.is_object());
    EXPECT_EQ(cell["status"], "failed");
    const std::string message = cell["failure"]["message"];
    std::string expected = f.message;
    // The 500s' count is the level's: compare the words around it.
    const size_t n = expected.find("N x");
    if (n != std::string::npos) expected = expected.substr(n + 1);
    EXPECT_NE(message.find("every request of the level"), std::string::npos) << message;
    EXPECT_NE(message.find(expected), std::string::npos) << message;
    // The failing level is kept; the next one is not tried.
    ASSERT_EQ(cell["levels"].size(), 1u) << cell.dump(2);
    const json& level = cell["levels"][0];
    const json& load = level["load"];
    const json& requests = load["requests"];
    const json& errors = requests["errors"];
    // Never a success, never a latency, never throughput.
    EXPECT_EQ(requests["ok"], 0) << requests.dump();
    EXPECT_EQ(load["latency_us"]["count"], 0);
    EXPECT_EQ(load["throughput_rps"], 0);
    EXPECT_GT(requests["sent"].get<int64_t>(), 0);
    // Closed loop: every request sent is an error of some kind.
    int64_t total = 0;
    for (const auto& [kind, count] : errors.items()) total += count.get<int64_t>();
    EXPECT_EQ(total, requests["sent"].get<int64_t>()) << requests.dump();
    const std::string mode = f.mode;
    if (mode == "hang") {
      EXPECT_EQ(errors["timeout"], requests["sent"]);
      EXPECT_EQ(requests["completed"], 0);
    } else if (mode == "close_mid_response" || mode == "truncated_body") {
      // The connection ended before the response was complete.
      EXPECT_EQ(errors["connect"], requests["sent"]);
      EXPECT_EQ(requests["completed"], 0);
    } else if (mode == "short_length") {
      // The body cut at the announced length fails the check; the bytes left over are not a
      // valid start of the next response.
      EXPECT_GT(errors["validation"].get<int64_t>(), 0);
      EXPECT_GT(errors["protocol"].get<int64_t>(), 0);
      EXPECT_EQ(errors["validation"].get<int64_t>() + errors["protocol"].get<int64_t>(),
                requests["sent"].get<int64_t>());
    } else if (mode == "garbage") {
      EXPECT_EQ(errors["protocol"], requests["sent"]);
    } else if (mode == "status_500") {
      EXPECT_EQ(errors["http_status"], requests["sent"]);
      EXPECT_EQ(requests["status_codes"]["500"], requests["completed"]);
      EXPECT_NE(message.find(std::to_string(requests["completed"].get<int64_t>()) + " x 500"),
                std::string::npos)
          << message;
    } else if (mode == "wrong_body") {
      EXPECT_EQ(errors["validation"], requests["sent"]);
      EXPECT_EQ(requests["status_codes"]["200"], requests["completed"]);
    }
    // The level ended within its limits: its measured span is at most max_duration (1 s), and
    // the whole cell (start, first inference, one level, stop) took a few seconds.
    EXPECT_LE(load["duration_s"].get<double>(), 1.0 + 1e-6) << load.dump();
    EXPECT_LT(cell["duration_s"].get<double>(), 8) << cell.dump();
  }
  // The run went on to the last cell, which measured both levels.
  const json healthy = ResultCell(run_dir, "mlp/healthy/conc");
  ASSERT_TRUE(healthy.is_object());
  EXPECT_EQ(healthy["status"], "ok") << healthy["failure"].dump();
  EXPECT_EQ(healthy["levels"].size(), 2u);
  for (const json& level : healthy["levels"]) {
    EXPECT_GT(level["load"]["throughput_rps"].get<double>(), 0);
    EXPECT_EQ(level["load"]["requests"]["ok"], level["load"]["requests"]["sent"]);
  }
  EXPECT_NE(run.err().find("7 cells failed"), std::string::npos) << run.err();
}

// Open loop against a server that never answers: arrivals keep coming while every connection
// hangs. Each scheduled request is a timeout (sent ones after request_timeout, the ones that
// never found a free connection at the backlog deadline), none is a success, and the level ends
// at its maximum duration plus one timeout, not when the server answers.
TEST(FailingServerTest, OpenLoopAgainstAHangingServerEndsWithinItsLimits) {
  TempDir dir;
  std::ofstream(dir.path() / "experiment.yaml") << Experiment(
      dir.path(),
      "  - {name: hang, kind: torchscript, binary: \"" + FaultServer(dir.path(), "hang").string() +
          "\"}\n",
      "  - {name: rate, kind: rate_sweep, rates: [200, 400], arrival: constant}\n", kMeasurement);
  Servebench run(
      {"run", (dir.path() / "experiment.yaml").string(), "--out", (dir.path() / "runs").string()},
      dir.path());
  ASSERT_EQ(run.Wait(60), 1) << run.err();
  const json cell = ResultCell(OnlyRunDir(dir.path() / "runs"), "mlp/hang/rate");
  ASSERT_TRUE(cell.is_object());
  EXPECT_EQ(cell["status"], "failed");
  EXPECT_NE(cell["failure"]["message"].get<std::string>().find("timeouts"), std::string::npos);
  ASSERT_EQ(cell["levels"].size(), 1u);
  const json& load = cell["levels"][0]["load"];
  const json& requests = load["requests"];
  // 200 req/s, constant, for the window (at most 1 s: the SLO's early verdict may end it).
  const double window_s = load["duration_s"].get<double>();
  EXPECT_NEAR(requests["scheduled"].get<double>(), 200 * window_s, 2) << requests.dump();
  EXPECT_GT(window_s, 0.5);
  EXPECT_EQ(requests["errors"]["timeout"], requests["scheduled"]) << requests.dump();
  EXPECT_EQ(requests["ok"], 0);
  EXPECT_EQ(load["latency_us"]["count"], 0);
  EXPECT_LE(load["duration_s"].get<double>(), 1.0 + 1e-6);
  // Warm-up, window, one timeout of drain, start and stop: well under 5 s.
  EXPECT_LT(cell["duration_s"].get<double>(), 5) << cell["duration_s"];
}

// A server that dies mid-level (SIGKILL) fails its cell with its end and its log's last lines;
// the next cell starts a fresh server. A server that never becomes ready, and one that cannot
// listen because its port is taken, fail their cells when the ready timeout passes or the server
// exits, with the log's last lines saying why.
TEST(FailingServerTest, DeadOrNeverReadyServersFailTheirCellsWithTheLogTail) {
  TempDir dir;
  fs::create_directories(dir.path() / "state");
  std::ofstream(dir.path() / "experiment.yaml")
      << Experiment(dir.path(),
                    "  - {name: dies, kind: torchscript, binary: \"" +
                        FaultServer(dir.path(), "die_mid_level").string() +
                        "\"}\n"
                        "  - {name: loading, kind: torchscript, binary: \"" +
                        FaultServer(dir.path(), "never_ready").string() +
                        "\"}\n"
                        "  - {name: taken, kind: torchscript, binary: \"" +
                        FaultServer(dir.path(), "port_taken").string() + "\"}\n",
                    "  - {name: first, kind: concurrency_sweep, levels: [2]}\n"
                    "  - {name: second, kind: concurrency_sweep, levels: [2]}\n",
                    "  warmup: 200ms\n  window: 200ms\n  min_duration: 600ms\n  min_requests: 20\n"
                    "  max_duration: 1500ms\n  request_timeout: 300ms\n  ready_timeout: 1500ms\n"
                    "  stop_grace: 1s\n");
  Servebench run(
      {"run", (dir.path() / "experiment.yaml").string(), "--out", (dir.path() / "runs").string()},
      dir.path(), {"FAULT_STATE_DIR=" + (dir.path() / "state").string()});
  ASSERT_EQ(run.Wait(90), 1) << run.err();
  const fs::path run_dir = OnlyRunDir(dir.path() / "runs");

  // Died 400 ms into the load, in the level.
  const json died = ResultCell(run_dir, "mlp/dies/first");
  ASSERT_TRUE(died.is_object());
  EXPECT_EQ(died["status"], "failed");
  EXPECT_NE(died["failure"]["message"].get<std::string>().find("died during the level"),
            std::string::npos)
      << died["failure"].dump(2);
  EXPECT_NE(died["failure"]["exit"].get<std::string>().find("SIGKILL"), std::string::npos)
      << died["failure"].dump(2);
  EXPECT_NE(died["failure"]["log_tail"].dump().find("dying: SIGKILL to myself"), std::string::npos)
      << died["failure"].dump(2);
  // The next cell of the same server configuration got a fresh process, which served.
  const json next = ResultCell(run_dir, "mlp/dies/second");
  ASSERT_TRUE(next.is_object());
  EXPECT_EQ(next["status"], "ok") << next["failure"].dump(2);
  const pid_t first_pid = ServerPidInLog(died["log"].get<std::string>());
  const pid_t second_pid = ServerPidInLog(next["log"].get<std::string>());
  EXPECT_GT(first_pid, 0);
  EXPECT_GT(second_pid, 0);
  EXPECT_NE(first_pid, second_pid);

  for (const char* scenario : {"first", "second"}) {
    const json loading = ResultCell(run_dir, std::string("mlp/loading/") + scenario);
    ASSERT_TRUE(loading.is_object());
    EXPECT_EQ(loading["status"], "failed");
    const std::string message = loading["failure"]["message"];
    EXPECT_NE(message.find("did not become ready"), std::string::npos) << message;
    EXPECT_NE(message.find("HTTP 503"), std::string::npos) << message;
    EXPECT_NE(loading["failure"]["log_tail"].dump().find("still loading the model"),
              std::string::npos);
    // The ready timeout (1.5 s) bounds the wait, not a request or stop timeout on top of it.
    EXPECT_LT(loading["duration_s"].get<double>(), 4.5) << loading["duration_s"];

    const json taken = ResultCell(run_dir, std::string("mlp/taken/") + scenario);
    ASSERT_TRUE(taken.is_object());
    EXPECT_EQ(taken["status"], "failed");
    EXPECT_NE(taken["failure"]["message"].get<std::string>().find("exited with status 1"),
              std::string::npos)
        << taken["failure"].dump(2);
    EXPECT_NE(taken["failure"]["log_tail"].dump().find("Address already in use"), std::string::npos)
        << taken["failure"].dump(2);
  }
}

// A config whose server program or model is missing is refused before any cell runs, with the
// config file and line of each problem, and no run folder is made.
TEST(FailingServerTest, MissingProgramOrModelIsRefusedBeforeAnyCellNamingTheLine) {
  TempDir dir;
  const std::string config = Experiment(
      dir.path(),
      "  - {name: present, kind: torchscript, binary: \"" + FaultServer(dir.path(), "ok").string() +
          "\"}\n"
          "  - {name: absent, kind: torchscript, binary: \"" +
          (dir.path() / "bin" / "no-such-server").string() + "\"}\n",
      "  - {name: conc, kind: concurrency_sweep, levels: [1]}\n", kMeasurement);
  // A second variant that is not in the repository.
  std::string text = config;
  text.replace(text.find("variants: [mlp]"), 15, "variants: [mlp, ghost]");
  const fs::path path = dir.path() / "experiment.yaml";
  std::ofstream(path) << text;
  Servebench run({"run", path.string(), "--out", (dir.path() / "runs").string()}, dir.path());
  EXPECT_EQ(run.Wait(30), 2) << run.err();
  const std::string err = run.err();
  // Line 4: the variants; line 7: the second server.
  EXPECT_NE(err.find(path.string() + ":4: model 'ghost': no folder " +
                     (dir.path() / "repository" / "ghost").string()),
            std::string::npos)
      << err;
  EXPECT_NE(
      err.find(path.string() + ":7: server 'absent' (torchscript): cannot run here: " +
               (dir.path() / "bin" / "no-such-server").string() + ": No such file or directory"),
      std::string::npos)
      << err;
  EXPECT_FALSE(fs::exists(dir.path() / "runs"));
}

}  // namespace
}  // namespace servebench::faults
