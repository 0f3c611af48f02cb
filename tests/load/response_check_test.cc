// Copyright servebench authors.
//
// The load engine's response check against a real server on loopback that answers a known share
// of its requests with a wrong body: those responses must be validation errors, never successes
// (not in ok, the throughput, the windows or the latency histograms). The check here is a
// stand-in that accepts one exact body; protocols/ provides the real ones.

#include "servebench/load/response_check.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "servebench/core/clock.h"
#include "servebench/load/load_engine.h"
#include "test_http_server.h"

namespace servebench {
namespace {

using testing::TestHttpServer;

// Accepts exactly `expected`; counts the bodies it saw, and checks the padding promise.
class ExactBody final : public ResponseCheck {
 public:
  explicit ExactBody(std::string expected) : expected_(std::move(expected)) {}

  std::unique_ptr<ResponseChecker> NewChecker() const override {
    return std::make_unique<Checker>(expected_);
  }
  std::string Describe() const override { return "exact body"; }

 private:
  class Checker final : public ResponseChecker {
   public:
    explicit Checker(const std::string& expected) : expected_(expected) {}
    bool Check(std::string_view body, std::string* why) override {
      // The padding must be readable: touch its last byte (ASan would catch a short buffer).
      volatile char last = body.data()[body.size() + kResponseBodyPadding - 1];
      (void)last;
      if (body == expected_) return true;
      if (why != nullptr) *why = "body '" + std::string(body.substr(0, 20)) + "'";
      return false;
    }

   private:
    const std::string& expected_;
  };
  const std::string expected_;
};

// Every tenth body (n = 9, 19, ...) is "bad"; the others are `good`.
TestHttpServer::Options EveryTenthBad(const std::string& good) {
  TestHttpServer::Options o;
  o.body_for = [good](int64_t n) { return n % 10 == 9 ? std::string("bad") : good; };
  return o;
}

LoadSettings Closed(const TestHttpServer& server, int concurrency) {
  LoadSettings s;
  std::string error;
  EXPECT_TRUE(ParseUrl(server.url(), &s.url, &error)) << error;
  s.concurrency = concurrency;
  s.connections = concurrency;
  s.warmup_ns = 100 * kNanosPerMilli;
  s.duration_ns = kNanosPerSecond;
  s.window_ns = 100 * kNanosPerMilli;
  return s;
}

LoadResult MustRun(const LoadSettings& s) {
  LoadResult result;
  std::string error;
  EXPECT_TRUE(RunLoad(s, nullptr, nullptr, &result, &error)) << error;
  return result;
}

TEST(ResponseCheckTest, EveryTenthWrongBodyIsAValidationErrorNotASuccess) {
  TestHttpServer server(EveryTenthBad("good"));
  LoadSettings s = Closed(server, 4);
  s.response_check = std::make_shared<ExactBody>("good");
  const LoadResult r = MustRun(s);
  const LoadCounters& c = r.counters;
  ASSERT_GT(c.completed, 1000);
  // Every response was a 200; one in ten was wrong.
  EXPECT_EQ(c.status_codes[200], c.completed);
  EXPECT_EQ(c.ok + c.errors.validation, c.completed);
  EXPECT_EQ(c.errors.total(), c.errors.validation);
  EXPECT_NEAR(static_cast<double>(c.errors.validation) / c.completed, 0.10, 0.005);
  EXPECT_NEAR(static_cast<double>(c.ok) / c.completed, 0.90, 0.005);
  // Not in the latency histograms, not in the throughput, not in the windows.
  EXPECT_EQ(r.latency.count(), c.ok);
  EXPECT_EQ(r.service_time.count(), c.ok);
  EXPECT_LE(std::abs(c.ok_in_window - c.ok), 2 * s.concurrency);
  int64_t windows_ok = 0;
  for (const WindowStats& w : r.windows) windows_ok += w.ok;
  EXPECT_EQ(windows_ok, c.ok_in_window);
  EXPECT_EQ(r.first_validation_error, "body 'bad'");
  EXPECT_EQ(r.ToJson()["requests"]["errors"]["validation"], c.errors.validation);
  EXPECT_EQ(r.ToJson()["requests"]["first_validation_error"], "body 'bad'");
}

TEST(ResponseCheckTest, OpenLoopCountsTheSameWay) {
  TestHttpServer server(EveryTenthBad("good"));
  LoadSettings s = Closed(server, 1);
  s.mode = LoopMode::kOpen;
  s.arrival = Arrival::kConstant;
  s.rate = 2000;
  s.connections = 8;
  s.threads = 2;
  s.response_check = std::make_shared<ExactBody>("good");
  const LoadResult r = MustRun(s);
  const LoadCounters& c = r.counters;
  ASSERT_GT(c.completed, 1500);
  EXPECT_EQ(c.ok + c.errors.validation, c.scheduled);
  EXPECT_NEAR(static_cast<double>(c.errors.validation) / c.completed, 0.10, 0.01);
  EXPECT_EQ(r.latency.count(), c.ok);
}

TEST(ResponseCheckTest, WithoutACheckEveryTwoHundredIsASuccess) {
  TestHttpServer server(EveryTenthBad("good"));
  const LoadResult r = MustRun(Closed(server, 4));
  EXPECT_GT(r.counters.completed, 1000);
  EXPECT_EQ(r.counters.ok, r.counters.completed);
  EXPECT_EQ(r.counters.errors.validation, 0);
  EXPECT_TRUE(r.first_validation_error.empty());
  EXPECT_FALSE(r.ToJson()["requests"].contains("first_validation_error"));
}

// A body far larger than the read buffer's first read and the kept body's first capacity
// arrives in many pieces and is checked whole.
TEST(ResponseCheckTest, LargeBodiesAreCheckedWhole) {
  const std::string large(300 * 1024, 'x');
  TestHttpServer server(EveryTenthBad(large));
  LoadSettings s = Closed(server, 2);
  s.duration_ns = 300 * kNanosPerMilli;
  s.response_check = std::make_shared<ExactBody>(large);
  const LoadResult r = MustRun(s);
  EXPECT_GT(r.counters.completed, 50);
  EXPECT_EQ(r.counters.ok + r.counters.errors.validation, r.counters.completed);
  EXPECT_NEAR(static_cast<double>(r.counters.errors.validation) / r.counters.completed, 0.10, 0.05);
}

TEST(ResponseCheckTest, HeadRequestsCannotBeChecked) {
  TestHttpServer server({});
  LoadSettings s = Closed(server, 1);
  s.method = "HEAD";
  s.response_check = std::make_shared<ExactBody>("good");
  LoadResult r;
  std::string error;
  EXPECT_FALSE(RunLoad(s, nullptr, nullptr, &r, &error));
  EXPECT_NE(error.find("HEAD"), std::string::npos) << error;
}

}  // namespace
}  // namespace servebench
