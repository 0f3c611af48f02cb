// Copyright servebench authors.
//
// `servebench run` as a separate process against a KServe v2 server in this test process on
// 127.0.0.1 (an external server, kind: external) whose behaviour is known (tests/support). What
// the run records, and how it ends, must follow from that behaviour.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

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
using testing::JournalCells;
using testing::MakeRepository;
using testing::OnlyRunDir;
using testing::Outcome;
using testing::RunServebench;
using testing::Slurp;
using testing::TempDir;
using testing::TestHttpServer;

fs::path WriteConfig(const fs::path& dir, const TestHttpServer& server,
                     const std::string& scenarios, const std::string& max_duration) {
  const fs::path path = dir / "experiment.yaml";
  std::ofstream(path) << "name: loopback\n"
                         "models:\n"
                         "  repository: "
                      << MakeRepository(dir).string()
                      << "\n"
                         "  variants: [mlp]\n"
                         "servers:\n"
                         "  - {name: fake, kind: external, url: \"http://127.0.0.1:"
                      << server.port()
                      << "\"}\n"
                         "scenarios:\n"
                      << scenarios
                      << "measurement:\n"
                         "  warmup: 200ms\n  window: 200ms\n  min_duration: 600ms\n"
                         "  min_requests: 20\n  request_timeout: 2s\n"
                         "  max_duration: "
                      << max_duration << "\nslo:\n  percentile: 99\n  bound: 500ms\n";
  return path;
}

// One worker taking 20 ms a request serves 50 req/s; 1,000 req/s is 20 times that. The level
// must end as overloaded once three windows have shown it, not run on until max_duration (20 s)
// or until its windows happen to agree (its latency grows ever more slowly relative to itself).
TEST(RunLoopbackTest, OverloadedOpenLoopLevelEndsEarly) {
  TempDir dir;
  FakeKServeOptions fake;
  fake.delay_ns = TestHttpServer::OneWorker(20 * kNanosPerMilli);
  TestHttpServer server(FakeKServe(fake));
  const fs::path config =
      WriteConfig(dir.path(), server,
                  "  - {name: flood, kind: rate_sweep, rates: [1000], arrival: constant}\n", "20s");
  const Outcome run = RunServebench(dir.path(), config);
  // The level misses the SLO and the cell is still ok: overload is a result, not a failure.
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json results = json::parse(Slurp(OnlyRunDir(dir.path() / "runs") / "results.json"));
  ASSERT_EQ(results["cells"].size(), 1u);
  const json& cell = results["cells"][0];
  ASSERT_EQ(cell["status"], "ok") << cell.dump(2);
  ASSERT_EQ(cell["levels"].size(), 1u);
  const json& level = cell["levels"][0];
  EXPECT_TRUE(level["overloaded"].get<bool>()) << level.dump(2);
  EXPECT_FALSE(level["max_duration_reached"].get<bool>());
  EXPECT_FALSE(level["stable"].get<bool>());
  // Three windows show it, the one in progress is the last: 4 windows of 200 ms.
  const double window_s = level["load"]["duration_s"];
  EXPECT_LE(window_s, 1.0 + 1e-9) << level["windows"];
  EXPECT_LE(level["windows"].get<int>(), 5);
  // What the server delivered is its capacity, far below the offered rate.
  const double throughput = level["load"]["throughput_rps"];
  EXPECT_NEAR(throughput, 50, 15);
  EXPECT_FALSE(level["slo_met"].get<bool>());
  // The whole cell, recovery included, took a fraction of max_duration.
  EXPECT_LT(cell["duration_s"].get<double>(), 12) << cell["duration_s"];
  EXPECT_LT(run.seconds, 15);
  // report.html puts the overload among the warnings at the top of the page.
  const std::string page = Slurp(OnlyRunDir(dir.path() / "runs") / "report.html");
  EXPECT_NE(page.find("<b>1</b> overloaded levels"), std::string::npos);
  EXPECT_NE(page.find("/s offered, and the level ended early"), std::string::npos);
}

// A server that answers every tenth inference with a wrong body (status 200): about 10% of the
// level's requests are validation errors, 90% successes, and only the successes are timed and
// in the throughput.
TEST(RunLoopbackTest, WrongResponsesAreValidationErrors) {
  TempDir dir;
  FakeKServeOptions fake;
  fake.corrupt_every = 10;
  TestHttpServer server(FakeKServe(fake));
  const fs::path config = WriteConfig(
      dir.path(), server, "  - {name: conc, kind: concurrency_sweep, levels: [4]}\n", "3s");
  const Outcome run = RunServebench(dir.path(), config);
  // 10% errors exceed the SLO's error budget, which fails the level, not the cell.
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const fs::path run_dir = OnlyRunDir(dir.path() / "runs");
  const json results = json::parse(Slurp(run_dir / "results.json"));
  const json& cell = results["cells"][0];
  ASSERT_EQ(cell["status"], "ok") << cell.dump(2);
  const json& load = cell["levels"][0]["load"];
  const json& requests = load["requests"];
  const double completed = requests["completed"];
  const double ok = requests["ok"];
  const double validation = requests["errors"]["validation"];
  ASSERT_GT(completed, 500) << requests.dump();
  EXPECT_NEAR(validation / completed, 0.10, 0.01) << requests.dump();
  EXPECT_NEAR(ok / completed, 0.90, 0.01) << requests.dump();
  EXPECT_EQ(ok + validation, completed);
  EXPECT_EQ(requests["errors"]["http_status"], 0);
  EXPECT_EQ(requests["status_codes"]["200"], completed);
  EXPECT_FALSE(requests["first_validation_error"].get<std::string>().empty());
  // Not in the latency histograms, not in the throughput.
  EXPECT_EQ(load["latency_us"]["count"], ok);
  const double delivered = load["throughput_rps"].get<double>() * load["duration_s"].get<double>();
  EXPECT_NEAR(delivered, ok, 0.02 * ok + 8) << load.dump();
  EXPECT_FALSE(cell["levels"][0]["slo_met"].get<bool>());
  // report.html warns of them, with what the check found wrong in the first.
  const std::string page = Slurp(run_dir / "report.html");
  EXPECT_NE(page.find("<b>1</b> levels with wrong responses"), std::string::npos);
  EXPECT_NE(page.find("responses failed the response check"), std::string::npos);
}

// results.csv cannot be written (a directory stands where it goes): the run exits non-zero,
// names the file, keeps every finished cell in the journal and still writes the other files.
TEST(RunLoopbackTest, FailedOutputWriteExitsNonZeroAndNamesTheFile) {
  TempDir dir;
  const fs::path runs = dir.path() / "runs";
  std::atomic<bool> planted{false};
  FakeKServeOptions fake;
  // At the cell's first inference the run folder exists: put a directory in results.csv's place.
  fake.on_infer = [&](int64_t n) {
    if (n != 0) return;
    for (const auto& e : fs::directory_iterator(runs)) {
      fs::create_directories(e.path() / "results.csv" / "occupied");
      planted = true;
    }
  };
  TestHttpServer server(FakeKServe(fake));
  const fs::path config = WriteConfig(dir.path(), server,
                                      "  - {name: conc, kind: concurrency_sweep, levels: [1]}\n"
                                      "  - {name: conc2, kind: concurrency_sweep, levels: [2]}\n",
                                      "2s");
  const Outcome run = RunServebench(dir.path(), config);
  ASSERT_TRUE(planted.load());
  const fs::path run_dir = OnlyRunDir(runs);
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.err.find("cannot write results.csv"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find((run_dir / "results.csv").string()), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("servebench report " + run_dir.string()), std::string::npos) << run.err;
  // The journal keeps both finished cells; the writers that could write did.
  const std::vector<json> cells = JournalCells(run_dir);
  ASSERT_EQ(cells.size(), 2u);
  for (const json& cell : cells) EXPECT_EQ(cell["status"], "ok") << cell.dump(2);
  EXPECT_EQ(json::parse(Slurp(run_dir / "results.json"))["cells"].size(), 2u);
  EXPECT_TRUE(fs::exists(run_dir / "summary.md"));
  EXPECT_TRUE(fs::is_directory(run_dir / "results.csv"));
  // Once the obstacle is gone, `servebench report` writes the results from the journal.
  fs::remove_all(run_dir / "results.csv");
  const std::string report = std::string(SERVEBENCH_BINARY) + " report " + run_dir.string() +
                             " >/dev/null 2>&1 </dev/null";
  const int status = std::system(report.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(fs::is_regular_file(run_dir / "results.csv"));
}

}  // namespace
}  // namespace servebench
