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
  for (const char* flag :
       {"--concurrency", "--rate", "--arrival", "--trace", "--duration", "--warmup",
        "--connections", "--threads", "--method", "--header", "--body", "--timeout", "--json"}) {
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

}  // namespace
}  // namespace servebench
