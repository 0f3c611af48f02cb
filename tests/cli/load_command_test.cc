// Copyright servebench authors.
//
// `servebench load` run as a separate process, the way a user runs it.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "fake_kserve.h"
#include "test_http_server.h"

namespace servebench {
namespace {

using testing::TestHttpServer;

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
  double seconds = 0;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/servebench_cli_test_" + std::to_string(getpid()) +
         "_" + name;
}

// Runs `servebench ARGS` through the shell with stdin closed.
Outcome RunServebench(const std::string& args) {
  const std::string out_path = TempPath("out"), err_path = TempPath("err");
  const std::string command =
      std::string(SERVEBENCH_BINARY) + " " + args + " </dev/null >" + out_path + " 2>" + err_path;
  const auto start = std::chrono::steady_clock::now();
  const int status = std::system(command.c_str());
  Outcome o;
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.out = Slurp(out_path);
  o.err = Slurp(err_path);
  std::remove(out_path.c_str());
  std::remove(err_path.c_str());
  return o;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(LoadCommandTest, HelpDescribesEveryOption) {
  Outcome o = RunServebench("load --help");
  EXPECT_EQ(o.exit_code, 0);
  for (const char* flag : {"--concurrency",
                           "--rate",
                           "--arrival",
                           "--trace",
                           "--duration",
                           "--warmup",
                           "--connections",
                           "--threads",
                           "--method",
                           "--header",
                           "--body",
                           "--timeout",
                           "--json",
                           "--expect-kserve-response",
                           "--send-spin",
                           "--scenario",
                           "single-stream",
                           "multi-stream",
                           "server",
                           "offline",
                           "--samples-per-query",
                           "--total-samples",
                           "--samples-per-request",
                           "--min-duration",
                           "--max-duration",
                           "--min-queries",
                           "--percentile",
                           "--latency-bound",
                           "VALID when every rule",
                           "INVALID with each failed rule and a recommendation"}) {
    EXPECT_TRUE(Contains(o.out, flag)) << flag << " missing from:\n" << o.out;
  }
  Outcome top = RunServebench("--help");
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_TRUE(Contains(top.out, "load"));
}

TEST(LoadCommandTest, RefusedConnectionExitsNonZeroWithinASecond) {
  const std::string url = "http://127.0.0.1:" + std::to_string(testing::UnusedLoopbackPort()) + "/";
  Outcome o = RunServebench("load " + url + " --duration 10s");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_TRUE(Contains(o.err, "Connection refused")) << o.err;
  EXPECT_TRUE(Contains(o.err, "connect to 127.0.0.1:")) << o.err;
  EXPECT_LT(o.seconds, 1.0);
}

TEST(LoadCommandTest, BadInputIsNamed) {
  struct Case {
    std::string args;
    std::string expected;
  } cases[] = {
      {"load http://127.0.0.1:1/ --duration 5x", "--duration"},
      {"load http://127.0.0.1:1/ --rate -5", "rate"},
      {"load https://127.0.0.1:1/", "https"},
      {"load http://127.0.0.1:1/ --rate 10 --arrival gamma", "--arrival 'gamma'"},
      {"load http://127.0.0.1:1/ --arrival constant", "--arrival needs --rate"},
      {"load http://127.0.0.1:1/ --header 'oops'", "--header"},
      {"load http://127.0.0.1:1/ --body @/nonexistent/body.json", "/nonexistent/body.json"},
      {"load http://127.0.0.1:1/ --trace /nonexistent/trace.txt", "/nonexistent/trace.txt"},
      {"load http://127.0.0.1:1/ --threads 4 --connections 2 --rate 5", "threads"},
      {"load http://127.0.0.1:1/ --concurrency 2 --rate 5", "excludes"},
      {"load http://127.0.0.1:1/ --expect-kserve-response /nonexistent/ref.json",
       "--expect-kserve-response: cannot read '/nonexistent/ref.json'"},
      {"load http://127.0.0.1:1/ --send-spin 5ms --rate 10", "send spin"},
      {"load http://127.0.0.1:1/ --scenario bursty", "--scenario 'bursty': expected"},
      {"load http://127.0.0.1:1/ --scenario server", "needs --rate"},
      {"load http://127.0.0.1:1/ --scenario offline", "needs --total-samples"},
      {"load http://127.0.0.1:1/ --scenario offline --total-samples 10 --samples-per-request 3",
       "must be a multiple of samples per request"},
      {"load http://127.0.0.1:1/ --scenario offline --total-samples 10 --warmup 1s", "no warm-up"},
      {"load http://127.0.0.1:1/ --scenario single-stream --concurrency 2",
       "--concurrency does not apply to --scenario single-stream"},
      {"load http://127.0.0.1:1/ --scenario multi-stream --duration 5s",
       "--duration does not apply"},
      {"load http://127.0.0.1:1/ --scenario single-stream --samples-per-query 4",
       "--samples-per-query does not apply"},
      {"load http://127.0.0.1:1/ --scenario server --rate 5 --total-samples 9",
       "--total-samples does not apply"},
      {"load http://127.0.0.1:1/ --scenario multi-stream --samples-per-query 0",
       "samples per query"},
      {"load http://127.0.0.1:1/ --scenario server --rate 5 --percentile 100", "--percentile"},
      {"load http://127.0.0.1:1/ --scenario server --rate 5 --min-duration 2m",
       "min duration exceeds max duration"},
      {"load http://127.0.0.1:1/ --samples-per-query 4", "--samples-per-query needs --scenario"},
      {"load http://127.0.0.1:1/ --rate 5 --latency-bound 10ms",
       "--latency-bound needs --scenario"},
  };
  for (const Case& c : cases) {
    Outcome o = RunServebench(c.args);
    EXPECT_EQ(o.exit_code, 2) << c.args << "\n" << o.err;
    EXPECT_TRUE(Contains(o.err, c.expected)) << c.args << " said:\n" << o.err;
  }
}

TEST(LoadCommandTest, BadTraceLineIsNamed) {
  const std::string path = TempPath("trace.txt");
  std::ofstream(path) << "# intervals\n100us\n2ms\nfast\n";
  Outcome o = RunServebench("load http://127.0.0.1:1/ --trace " + path);
  std::remove(path.c_str());
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_TRUE(Contains(o.err, path + ":4")) << o.err;
}

TEST(LoadCommandTest, SummaryShowsThePercentileTable) {
  TestHttpServer server({});
  Outcome o = RunServebench("load " + server.url() + " --rate 200 --duration 0.5s --warmup 0.2s");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  for (const char* row : {"p50", "p90", "p95", "p99 ", "p99.9 ", "p99.99", "max", "Throughput",
                          "Generator", "schedule lag", "open loop, poisson"}) {
    EXPECT_TRUE(Contains(o.out, row)) << row << " missing from:\n" << o.out;
  }
}

TEST(LoadCommandTest, JsonOnStdoutHasTheStableFields) {
  TestHttpServer server({});
  Outcome o = RunServebench("load " + server.url() + " -c 2 --duration 0.3s --warmup 0s --json -");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  nlohmann::json j = nlohmann::json::parse(o.out);  // nothing but JSON on stdout
  EXPECT_EQ(j["mode"], "closed");
  EXPECT_EQ(j["concurrency"], 2);
  EXPECT_GT(j["requests"]["ok"].get<int64_t>(), 0);
  EXPECT_GT(j["throughput_rps"].get<double>(), 0);
  EXPECT_TRUE(j["latency_us"].contains("p9999"));
}

TEST(LoadCommandTest, PostsTheBodyFromAFile) {
  TestHttpServer server({});
  const std::string path = TempPath("body.json");
  std::ofstream(path) << R"({"inputs": []})";
  Outcome o = RunServebench(
      "load " + server.url("/v2/models/m/infer") +
      " -c 1 -d 0.2s -w 0s -m POST -H 'Content-Type: application/json' --body @" + path);
  std::remove(path.c_str());
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(Contains(o.out, "POST /v2/models/m/infer")) << o.out;
  EXPECT_TRUE(Contains(o.out, "Errors      none")) << o.out;
}

// A KServe v2 server that answers every tenth inference with a wrong body (status 200):
// checked against a correct response saved to a file, about 10% of the requests are validation
// errors and 90% successes; without the check, all are successes.
TEST(LoadCommandTest, ExpectKServeResponseCountsWrongBodiesAsValidationErrors) {
  testing::FakeKServeOptions fake;
  fake.corrupt_every = 10;
  TestHttpServer server(testing::FakeKServe(fake));
  const std::string reference = TempPath("reference.json");
  std::ofstream(reference) << testing::FakeKServeInferResponse("mlp");
  const std::string load = "load " + server.url("/v2/models/mlp/infer") +
                           " -c 4 -w 0.1s -m POST --body '{\"inputs\":[]}'";

  Outcome checked =
      RunServebench(load + " -d 1s --expect-kserve-response " + reference + " --json -");
  ASSERT_EQ(checked.exit_code, 0) << checked.err;
  nlohmann::json j = nlohmann::json::parse(checked.out);
  const nlohmann::json& requests = j["requests"];
  const double completed = requests["completed"];
  const double ok = requests["ok"];
  const double validation = requests["errors"]["validation"];
  ASSERT_GT(completed, 500) << requests.dump();
  EXPECT_NEAR(validation / completed, 0.10, 0.01) << requests.dump();
  EXPECT_NEAR(ok / completed, 0.90, 0.01) << requests.dump();
  EXPECT_EQ(ok + validation, completed);
  EXPECT_EQ(j["latency_us"]["count"], ok);
  EXPECT_TRUE(Contains(requests["first_validation_error"].get<std::string>(), "OUTPUT__0"))
      << requests.dump();

  // The summary says what was checked and what was wrong.
  Outcome summary = RunServebench(load + " -d 0.3s --expect-kserve-response " + reference);
  ASSERT_EQ(summary.exit_code, 0) << summary.err;
  EXPECT_TRUE(Contains(
      summary.out, "checking    KServe v2 outputs as in " + reference + ": OUTPUT__0 FP32 [1,10]"))
      << summary.out;
  EXPECT_TRUE(Contains(summary.out, "first validation error: output 'OUTPUT__0'")) << summary.out;

  Outcome unchecked = RunServebench(load + " -d 1s --json -");
  ASSERT_EQ(unchecked.exit_code, 0) << unchecked.err;
  nlohmann::json u = nlohmann::json::parse(unchecked.out);
  EXPECT_EQ(u["requests"]["errors"]["validation"], 0);
  EXPECT_EQ(u["requests"]["ok"], u["requests"]["completed"]);
  std::remove(reference.c_str());
}

TEST(LoadCommandTest, ExpectKServeResponseRefusesAReferenceThatIsNotOne) {
  const std::string reference = TempPath("not_a_response.json");
  std::ofstream(reference) << R"({"error": "model not found"})";
  Outcome o = RunServebench("load http://127.0.0.1:1/ --expect-kserve-response " + reference);
  std::remove(reference.c_str());
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_TRUE(Contains(o.err, "--expect-kserve-response " + reference +
                                  " is not a correct KServe v2 inference response: an error "
                                  "response"))
      << o.err;
}

// Each scenario from the command line: the summary names it, its metric and its verdict, and
// --json carries the scenario's settings, metric and verdict.
TEST(LoadCommandTest, ScenariosRunFromTheCommandLine) {
  TestHttpServer::Options five_ms;
  five_ms.delay_ns = [](int64_t) { return int64_t{5'000'000}; };
  TestHttpServer server(five_ms);
  const std::string load = "load " + server.url() + " -q ";
  struct Case {
    std::string args;
    std::string name;
    std::string metric;
  } cases[] = {
      {"--scenario single-stream --min-duration 0.1s -w 0.1s", "single-stream", "p90_latency_us"},
      {"--scenario multi-stream --samples-per-query 4 --min-duration 0s --min-queries 70 "
       "--percentile 90 -w 0.1s",
       "multi-stream", "p90_query_latency_us"},
      {"--scenario server --rate 500 --min-duration 0.3s --latency-bound 1s -w 0.1s", "server",
       "target_rate"},
      {"--scenario offline --total-samples 64 --samples-per-request 8 --connections 2 "
       "--min-duration 0s",
       "offline", "samples_per_second"},
  };
  for (const Case& c : cases) {
    Outcome o = RunServebench(load + c.args + " --json -");
    ASSERT_EQ(o.exit_code, 0) << c.args << "\n" << o.err;
    nlohmann::json j = nlohmann::json::parse(o.out);
    const nlohmann::json& s = j["scenario"];
    EXPECT_EQ(s["name"], c.name) << c.args;
    EXPECT_EQ(s["metric"]["name"], c.metric) << c.args;
    EXPECT_TRUE(s["metric"]["value"].is_number()) << c.args << ": " << s.dump();
    EXPECT_EQ(s["min_duration_met"], true) << c.args;
    EXPECT_EQ(s["min_queries_met"], true) << c.args;
    EXPECT_EQ(j["requests"]["errors"]["timeout"], 0) << c.args;
    // Every rule holds, except that on a crowded machine the generator's own lag may be a tenth
    // of the server's 5 ms, which the Server scenario must then call INVALID.
    if (c.name == "server" && s["result"] == "INVALID") {
      ASSERT_EQ(s["failed_rules"].size(), 1u) << s.dump();
      EXPECT_EQ(s["failed_rules"][0]["rule"], "generator_lag") << s.dump();
    } else {
      EXPECT_EQ(s["result"], "VALID") << c.args << ": " << s.dump();
      EXPECT_EQ(s["failed_rules"], nlohmann::json::array());
    }
    EXPECT_EQ(s["summary"].get<std::string>().rfind(c.name + ": ", 0), 0u) << s["summary"];

    Outcome summary = RunServebench(load + c.args);
    ASSERT_EQ(summary.exit_code, 0) << summary.err;
    EXPECT_TRUE(Contains(summary.out, "Scenario    " + c.name + ":")) << summary.out;
    EXPECT_TRUE(Contains(summary.out, "Metric      ")) << summary.out;
    EXPECT_TRUE(Contains(summary.out, "Minimums    duration")) << summary.out;
    EXPECT_TRUE(Contains(summary.out, "  Result      ")) << summary.out;
  }
  Outcome o = RunServebench(load + cases[1].args + " --json -");
  nlohmann::json j = nlohmann::json::parse(o.out);
  EXPECT_EQ(j["concurrency"], 4);
  EXPECT_EQ(j["scenario"]["settings"]["samples_per_query"], 4);
  EXPECT_EQ(j["scenario"]["settings"]["min_queries"], 70);
  EXPECT_EQ(j["scenario"]["queries"], 70);  // no minimum duration: the count ends the run
  o = RunServebench(load + cases[3].args + " --json -");
  j = nlohmann::json::parse(o.out);
  EXPECT_EQ(j["requests"]["ok"], 8);
  EXPECT_EQ(j["scenario"]["ok_samples"], 64);
  EXPECT_EQ(j["warmup_s"], 0);
  EXPECT_TRUE(j["arrival"].is_null());

  // An INVALID run: the summary names the rule that failed, its figures and what to change.
  o = RunServebench(load + "--scenario single-stream --min-duration 0s -w 0s --latency-bound 1ms");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(Contains(o.out,
                       "  Result      INVALID\n    latency_bound: p90 <= 1.00 ms is not met: "
                       "64 of 64 queries over the bound"))
      << o.out;
  EXPECT_TRUE(Contains(o.out,
                       "      recommendation: a faster server or model, or a looser "
                       "latency bound\n"))
      << o.out;
}

}  // namespace
}  // namespace servebench
