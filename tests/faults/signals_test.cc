// Copyright servebench authors.
//
// `servebench run` stopped by the user (SIGINT, SIGTERM) or killed (SIGKILL) while a cell
// measures: the finished cells stay in the journal, the running cell is journaled as
// interrupted (not after SIGKILL: nothing can run then), no process of any server it started is
// left (the server's own children included: fault mode fork_child), and `--resume` finishes the
// run without measuring a finished cell again.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "fault_harness.h"

namespace servebench::faults {
namespace {

using nlohmann::json;

// Cell "short" is one level; cell "long" has four, each about 1 s: a signal sent once "long"
// serves lands in the middle of it.
std::string TwoCellExperiment(const fs::path& dir) {
  return Experiment(dir,
                    "  - {name: forks, kind: torchscript, binary: \"" +
                        FaultServer(dir, "fork_child").string() + "\"}\n",
                    "  - {name: short, kind: concurrency_sweep, levels: [1]}\n"
                    "  - {name: long, kind: concurrency_sweep, levels: [1, 2, 1, 2]}\n",
                    "  warmup: 200ms\n  window: 200ms\n  min_duration: 800ms\n"
                    "  min_requests: 20\n  max_duration: 1s\n  request_timeout: 500ms\n"
                    "  stop_grace: 2s\n");
}

// Starts the run and waits until cell "long" is measuring: the first cell is journaled, the
// second's server has forked its child, and a little of its first level has passed. Returns
// the server's pid and its child's.
struct Servers {
  pid_t leader = -1;
  pid_t child = -1;
};

Servers WaitIntoTheLongCell(const fs::path& dir, Servebench* run) {
  Servers s;
  fs::path run_dir;
  const fs::path log_name = "mlp_forks_long.log";
  EXPECT_TRUE(WaitFor(
      [&] {
        if (!fs::exists(dir / "runs") || fs::is_empty(dir / "runs")) return false;
        run_dir = OnlyRunDir(dir / "runs");
        return JournalCells(run_dir).size() == 1 &&
               Slurp(run_dir / "logs" / log_name).find("serving:") != std::string::npos;
      },
      60))
      << run->err();
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  s.leader = ServerPidInLog(run_dir / "logs" / log_name);
  s.child = std::atoi(Slurp(dir / "state" / "child.pid").c_str());
  EXPECT_GT(s.leader, 0);
  EXPECT_GT(s.child, 0);
  EXPECT_TRUE(ProcessRuns(s.leader));
  EXPECT_TRUE(ProcessRuns(s.child));
  return s;
}

// No process started for this test is left: no server, no server child, no guard (a guard is
// a fork of servebench: its command line holds the config's path, like the servers' hold the
// run folder's).
void ExpectNothingLeft(const fs::path& dir, const Servers& servers) {
  EXPECT_TRUE(WaitFor([&] { return !ProcessRuns(servers.leader); }, 5)) << servers.leader;
  EXPECT_TRUE(WaitFor([&] { return !ProcessRuns(servers.child); }, 5)) << servers.child;
  std::vector<pid_t> left;
  EXPECT_TRUE(WaitFor(
      [&] {
        left = FindProcesses({dir.string()});
        return left.empty();
      },
      5))
      << left.size() << " processes left, the first " << (left.empty() ? 0 : left[0]);
}

class StopSignalTest : public ::testing::TestWithParam<int> {};

TEST_P(StopSignalTest, KeepsFinishedCellsMarksTheRunningOneAndLeavesNoServer) {
  TempDir dir;
  fs::create_directories(dir.path() / "state");
  const fs::path config = dir.path() / "experiment.yaml";
  std::ofstream(config) << TwoCellExperiment(dir.path());
  const std::vector<std::string> env = {"FAULT_STATE_DIR=" + (dir.path() / "state").string()};
  Servebench run({"run", config.string(), "--out", (dir.path() / "runs").string()}, dir.path(),
                 env);
  const Servers servers = WaitIntoTheLongCell(dir.path(), &run);
  run.Signal(GetParam());
  // It ends promptly: the level stops, the server gets its grace (it exits on SIGTERM at once).
  const int code = run.Wait(10);
  EXPECT_EQ(code, 130) << run.err();
  EXPECT_NE(run.err().find("interrupted; the finished cells are kept"), std::string::npos)
      << run.err();
  ExpectNothingLeft(dir.path(), servers);

  const fs::path run_dir = OnlyRunDir(dir.path() / "runs");
  const std::vector<json> cells = JournalCells(run_dir);
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_EQ(cells[0]["cell_id"], "mlp/forks/short");
  EXPECT_EQ(cells[0]["status"], "ok");
  EXPECT_EQ(cells[1]["cell_id"], "mlp/forks/long");
  EXPECT_EQ(cells[1]["status"], "interrupted") << cells[1].dump(2);
  EXPECT_NE(cells[1]["failure"]["message"].get<std::string>().find("interrupted"),
            std::string::npos);
  EXPECT_LT(cells[1]["levels"].size(), 4u);
  // results.json says the same.
  EXPECT_EQ(ResultCell(run_dir, "mlp/forks/long")["status"], "interrupted");

  // --resume measures the interrupted cell again and keeps the finished one as it was.
  Servebench resume({"run", "--resume", run_dir.string()}, dir.path(), env);
  ASSERT_EQ(resume.Wait(90), 0) << resume.err();
  const json kept = ResultCell(run_dir, "mlp/forks/short");
  EXPECT_EQ(kept["started_at"], cells[0]["started_at"]);
  const json redone = ResultCell(run_dir, "mlp/forks/long");
  EXPECT_EQ(redone["status"], "ok") << redone["failure"].dump(2);
  EXPECT_EQ(redone["levels"].size(), 4u);
}

INSTANTIATE_TEST_SUITE_P(Signals, StopSignalTest, ::testing::Values(SIGINT, SIGTERM),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == SIGINT ? std::string("SIGINT")
                                                       : std::string("SIGTERM");
                         });

// SIGKILL leaves servebench no chance to stop its servers: the kernel kills the server it
// forked (PR_SET_PDEATHSIG) and its guard kills the rest of the server's group (here the
// server's own child, which PR_SET_PDEATHSIG does not reach). --resume then finishes the run.
TEST(KillTest, SigkillLeavesNoServerAndTheRunResumes) {
  TempDir dir;
  fs::create_directories(dir.path() / "state");
  const fs::path config = dir.path() / "experiment.yaml";
  std::ofstream(config) << TwoCellExperiment(dir.path());
  const std::vector<std::string> env = {"FAULT_STATE_DIR=" + (dir.path() / "state").string()};
  Servebench run({"run", config.string(), "--out", (dir.path() / "runs").string()}, dir.path(),
                 env);
  const Servers servers = WaitIntoTheLongCell(dir.path(), &run);
  run.Signal(SIGKILL);
  EXPECT_EQ(run.Wait(10), 128 + SIGKILL);
  ExpectNothingLeft(dir.path(), servers);

  const fs::path run_dir = OnlyRunDir(dir.path() / "runs");
  ASSERT_EQ(JournalCells(run_dir).size(), 1u);
  Servebench resume({"run", "--resume", run_dir.string()}, dir.path(), env);
  ASSERT_EQ(resume.Wait(90), 0) << resume.err();
  const std::vector<json> cells = JournalCells(run_dir);
  ASSERT_EQ(cells.size(), 2u);  // the finished cell was not measured again
  EXPECT_EQ(cells[1]["cell_id"], "mlp/forks/long");
  EXPECT_EQ(cells[1]["status"], "ok");
}

// Ctrl-C while a server is still starting does not wait out its ready timeout (60 s here).
TEST(KillTest, InterruptWhileAServerStartsEndsAtOnce) {
  TempDir dir;
  const fs::path config = dir.path() / "experiment.yaml";
  std::ofstream(config) << Experiment(
      dir.path(),
      "  - {name: loading, kind: torchscript, binary: \"" +
          FaultServer(dir.path(), "never_ready").string() + "\"}\n",
      "  - {name: conc, kind: concurrency_sweep, levels: [1]}\n",
      "  warmup: 200ms\n  window: 200ms\n  min_duration: 600ms\n  min_requests: 20\n"
      "  max_duration: 1s\n  ready_timeout: 60s\n  stop_grace: 1s\n");
  Servebench run({"run", config.string(), "--out", (dir.path() / "runs").string()}, dir.path());
  fs::path log;
  ASSERT_TRUE(WaitFor(
      [&] {
        if (!fs::exists(dir.path() / "runs") || fs::is_empty(dir.path() / "runs")) return false;
        log = OnlyRunDir(dir.path() / "runs") / "logs" / "mlp_loading_conc.log";
        return Slurp(log).find("still loading") != std::string::npos;
      },
      30))
      << run.err();
  const pid_t server = ServerPidInLog(log);
  const auto start = std::chrono::steady_clock::now();
  run.Signal(SIGINT);
  EXPECT_EQ(run.Wait(10), 130) << run.err();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 4);
  EXPECT_TRUE(WaitFor([&] { return !ProcessRuns(server); }, 5));
  const std::vector<json> cells = JournalCells(OnlyRunDir(dir.path() / "runs"));
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0]["status"], "interrupted");
}

}  // namespace
}  // namespace servebench::faults
