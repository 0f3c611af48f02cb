// Copyright servebench authors.

#include "servebench/lifecycle/prometheus.h"

#include <gtest/gtest.h>

#include <cmath>

#include "servebench/core/clock.h"
#include "test_http_server.h"

namespace servebench {
namespace {

TEST(PrometheusTest, ParsesLabelsEscapesCommentsAndSpecialValues) {
  const std::string text =
      "# HELP nv_inference_count Number of inferences\n"
      "# TYPE nv_inference_count counter\n"
      "nv_inference_count{model=\"mlp\",version=\"1\"} 42\n"
      "nv_inference_count{version=\"2\", model=\"mlp\",} 8 1700000000000\n"
      "\n"
      "   # an indented comment\n"
      "odd{path=\"C:\\\\dir\",quote=\"say \\\"hi\\\"\",nl=\"a\\nb\"} 1.5e3\n"
      "plain 3\r\n"
      "not_a_number NaN\n"
      "up +Inf\n"
      "down -Inf\n"
      "spaced { a = \"x\" } 7";
  MetricSamples samples;
  std::string error;
  ASSERT_TRUE(ParsePrometheusText(text, &samples, &error)) << error;
  EXPECT_EQ(samples.size(), 8u);
  EXPECT_EQ(samples.at("nv_inference_count{model=\"mlp\",version=\"1\"}"), 42);
  EXPECT_EQ(samples.at("nv_inference_count{model=\"mlp\",version=\"2\"}"), 8);
  // Labels sorted, values escaped as exposed.
  EXPECT_EQ(samples.at("odd{nl=\"a\\nb\",path=\"C:\\\\dir\",quote=\"say \\\"hi\\\"\"}"), 1500);
  EXPECT_EQ(samples.at("plain"), 3);
  EXPECT_TRUE(std::isnan(samples.at("not_a_number")));
  EXPECT_EQ(samples.at("up"), INFINITY);
  EXPECT_EQ(samples.at("down"), -INFINITY);
  EXPECT_EQ(samples.at("spaced{a=\"x\"}"), 7);
}

TEST(PrometheusTest, MalformedLinesAreErrorsNamingTheLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"ok 1\nbroken\n", "line 2: no value"},
      {"ok 1\n\nx{a=\"1\" 2\n", "line 3: expected ',' or '}'"},
      {"x{a=1} 2\n", "line 1: expected '\"'"},
      {"x{a=\"1} 2\n", "line 1: unterminated"},
      {"x 1 2 3\n", "line 1: unexpected text"},
      {"x one\n", "line 1: 'one' is not a number"},
      {"x 1 soon\n", "line 1: 'soon' is not a timestamp"},
      {"{a=\"1\"} 2\n", "line 1: expected a metric name"},
  };
  for (const auto& [text, expected] : cases) {
    MetricSamples samples;
    std::string error;
    EXPECT_FALSE(ParsePrometheusText(text, &samples, &error)) << text;
    EXPECT_EQ(error.rfind(expected, 0), 0u) << text << " -> " << error;
  }
}

MetricSamples Counters(double success, double count, double exec, double queue, double compute,
                       double request, const std::string& version = "1") {
  const std::string labels = "{model=\"mlp\",version=\"" + version + "\"}";
  return {{"nv_inference_request_success" + labels, success},
          {"nv_inference_count" + labels, count},
          {"nv_inference_exec_count" + labels, exec},
          {"nv_inference_queue_duration_us" + labels, queue},
          {"nv_inference_compute_infer_duration_us" + labels, compute},
          {"nv_inference_request_duration_us" + labels, request}};
}

TEST(PrometheusTest, SplitBetweenSumsVersionsAndDividesByRequests) {
  MetricSamples before = Counters(10, 80, 5, 1000, 2000, 4000, "1");
  MetricSamples more = Counters(0, 0, 0, 0, 0, 0, "2");
  before.insert(more.begin(), more.end());
  // Another model and a longer metric name with the same prefix must not count.
  before["nv_inference_count{model=\"other\",version=\"1\"}"] = 1000;
  before["nv_inference_count_total{model=\"mlp\",version=\"1\"}"] = 1000;

  MetricSamples after = Counters(50, 400, 25, 5000, 10000, 24000, "1");
  MetricSamples after2 = Counters(10, 80, 5, 1000, 2000, 4000, "2");
  after.insert(after2.begin(), after2.end());
  after["nv_inference_count{model=\"other\",version=\"1\"}"] = 5000;
  after["nv_inference_count_total{model=\"mlp\",version=\"1\"}"] = 9000;

  const std::optional<ServerSideRecord> split = SplitBetween(before, after, "mlp");
  ASSERT_TRUE(split.has_value());
  // Deltas: success 40 + 10 = 50, count 320 + 80 = 400, exec 20 + 5 = 25,
  // queue 4000 + 1000 = 5000, compute 8000 + 2000 = 10000, request 20000 + 4000 = 24000.
  EXPECT_DOUBLE_EQ(split->requests, 50);
  EXPECT_DOUBLE_EQ(split->inferences, 400);
  EXPECT_DOUBLE_EQ(split->executions, 25);
  EXPECT_DOUBLE_EQ(split->queue_us_per_request, 100);
  EXPECT_DOUBLE_EQ(split->compute_us_per_request, 200);
  EXPECT_DOUBLE_EQ(split->request_us_per_request, 480);
  const nlohmann::json json = split->ToJson();
  EXPECT_EQ(json["queue_us_per_request"], 100);
  EXPECT_EQ(json["inferences"], 400);
}

TEST(PrometheusTest, SplitIsAbsentWithoutCountersRequestsOrAfterARestart) {
  const MetricSamples before = Counters(10, 80, 5, 1000, 2000, 4000);
  EXPECT_FALSE(SplitBetween(before, before, "mlp").has_value());  // no request in between
  EXPECT_FALSE(SplitBetween(before, Counters(20, 160, 10, 2000, 4000, 8000), "other").has_value());
  // A restart in between: the counters went down.
  EXPECT_FALSE(SplitBetween(Counters(20, 160, 10, 2000, 4000, 8000), before, "mlp").has_value());
  MetricSamples missing = Counters(20, 160, 10, 2000, 4000, 8000);
  missing.erase("nv_inference_queue_duration_us{model=\"mlp\",version=\"1\"}");
  EXPECT_FALSE(SplitBetween(before, missing, "mlp").has_value());
  EXPECT_TRUE(SplitBetween(before, Counters(20, 160, 10, 2000, 4000, 8000), "mlp").has_value());
}

TEST(PrometheusTest, ScrapesAnEndpoint) {
  testing::TestHttpServer::Options options;
  options.body = "# TYPE nv_inference_count counter\nnv_inference_count{model=\"m\"} 5\n";
  testing::TestHttpServer server(options);
  MetricSamples samples;
  std::string error;
  ASSERT_TRUE(ScrapePrometheus(server.url("/metrics"), kNanosPerSecond, &samples, &error)) << error;
  EXPECT_EQ(samples.at("nv_inference_count{model=\"m\"}"), 5);

  testing::TestHttpServer::Options bad_options;
  bad_options.body = "nv_inference_count{model=\"m\"}\n";
  testing::TestHttpServer bad(bad_options);
  EXPECT_FALSE(ScrapePrometheus(bad.url("/metrics"), kNanosPerSecond, &samples, &error));
  EXPECT_NE(error.find("line 1"), std::string::npos) << error;
}

}  // namespace
}  // namespace servebench
