// Copyright servebench authors.
//
// The recommendation's rules on cells whose numbers are chosen so that each rule decides:
// the cheapest pair that meets the SLO and the accuracy floor, the default floor (one point
// below the family's fp32 model), a configured floor, the open-loop sweep preferred, families
// kept apart, and what the choice gives up.

#include "servebench/report/recommendation.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace servebench {
namespace {

using nlohmann::json;

json Card(const std::string& name, const std::string& family, std::optional<double> top1) {
  json card = {{"name", name}, {"family", family}, {"technique", "test"}};
  card["base_model"] = name == family ? json(nullptr) : json(family);
  card["accuracy"] = {{"top1", top1 ? json(*top1) : json(nullptr)}};
  if (!top1) card["accuracy"]["status"] = "not applicable: untrained";
  return card;
}

// A sweep cell whose one level met the SLO at `throughput` (none when 0) for `cost`.
CellRecord Sweep(const std::string& variant, const std::string& server, const json& card,
                 double throughput, double cost, double p99_us,
                 const std::string& kind = "rate_sweep") {
  CellRecord c;
  c.variant = variant;
  c.server = server;
  c.scenario = kind == "rate_sweep" ? "poisson" : "concurrency";
  c.scenario_kind = kind;
  c.cell_id = variant + "/" + server + "/" + c.scenario;
  c.model_card = card;
  LevelRecord level;
  level.level = LevelPoint::Rate(100, "poisson");
  level.load.throughput_rps = throughput > 0 ? throughput : 50;
  level.slo_met = throughput > 0;
  level.slo_verdict = throughput > 0 ? "met" : "not_met";
  c.levels.push_back(level);
  c.slo.constraints = {{99, 100000}};
  c.summary.max_throughput_rps = level.load.throughput_rps;
  if (throughput > 0) {
    c.summary.throughput_within_slo_rps = throughput;
    c.summary.cost_per_million = cost;
    c.summary.slo_latency_us = p99_us;
  }
  c.summary.p99_us = p99_us;
  c.summary.rss_max_bytes = 100e6;
  return c;
}

RunRecord TestRun() {
  RunRecord run;
  run.run_id = "test";
  run.slo.constraints = {{99, 100000}};
  run.cost = {0.1, 0, "USD"};
  return run;
}

std::vector<CellRecord> DigitsCells() {
  const json fp32 = Card("digits-mlp", "digits-mlp", 0.98);
  const json int8 = Card("digits-mlp-int8", "digits-mlp", 0.975);
  const json prune = Card("digits-mlp-prune90", "digits-mlp", 0.90);
  return {Sweep("digits-mlp", "a", fp32, 1000, 0.05, 9000),
          Sweep("digits-mlp-int8", "a", int8, 1600, 0.03, 12000),
          Sweep("digits-mlp-prune90", "a", prune, 3000, 0.01, 5000),
          Sweep("digits-mlp-int8", "b", int8, 0, 0, 150000),
          Sweep("digits-mlp", "b", fp32, 1250, 0.04, 8000)};
}

TEST(RecommendationTest, CheapestPairMeetingTheSloAndOnePointBelowFp32) {
  const Recommendation r = Recommend(TestRun(), DigitsCells());
  EXPECT_EQ(r.ranked_by, "cost_per_million");
  ASSERT_EQ(r.families.size(), 1u);
  const FamilyRecommendation& f = r.families[0];
  EXPECT_EQ(f.family, "digits-mlp");
  ASSERT_TRUE(f.accuracy_floor);
  EXPECT_NEAR(*f.accuracy_floor, 0.97, 1e-12);  // 0.98 - one point
  ASSERT_TRUE(f.choice);
  // prune90 is cheaper but 8 points below the floor; int8 on b met no SLO.
  EXPECT_EQ(f.choice->variant, "digits-mlp-int8");
  EXPECT_EQ(f.choice->server, "a");
  ASSERT_TRUE(f.runner_up);
  EXPECT_EQ(f.runner_up->variant, "digits-mlp");
  EXPECT_EQ(f.runner_up->server, "b");
  ASSERT_EQ(f.excluded.size(), 2u);
  EXPECT_NE(f.excluded[0].find("prune90 on a: top-1 90.00 % is below the floor"), std::string::npos)
      << f.excluded[0];
  EXPECT_NE(f.excluded[1].find("digits-mlp-int8 on b: no level of poisson met the SLO"),
            std::string::npos)
      << f.excluded[1];
  // Against the pairs that meet the SLO: 0.5 points of accuracy (fp32), and p99 12 ms against
  // prune90's 5 ms.
  ASSERT_EQ(f.gives_up.size(), 2u);
  EXPECT_EQ(f.gives_up[0].metric, "accuracy");
  EXPECT_NEAR(f.gives_up[0].best, 0.98, 1e-12);
  EXPECT_EQ(f.gives_up[1].metric, "p99_us");
  EXPECT_EQ(f.gives_up[1].best, 5000);
  EXPECT_EQ(f.gives_up[1].best_variant, "digits-mlp-prune90");
  EXPECT_NE(f.sentence.find("serve digits-mlp-int8 on a (poisson): 0.0300 USD per million"),
            std::string::npos)
      << f.sentence;
  EXPECT_NE(f.sentence.find("Runner-up: digits-mlp on b (poisson), 0.0400 USD per million "
                            "(33 % more)"),
            std::string::npos)
      << f.sentence;

  const json j = r.ToJson();
  EXPECT_EQ(j["families"][0]["choice"]["cell_id"], "digits-mlp-int8/a/poisson");
  EXPECT_NEAR(j["families"][0]["margin"]["accuracy_above_floor"].get<double>(), 0.005, 1e-12);
  EXPECT_NEAR(j["families"][0]["margin"]["runner_up_cost_ratio"].get<double>(), 0.04 / 0.03, 1e-12);
  EXPECT_EQ(j["families"][0]["margin"]["slo_latency_us"], 12000);
}

TEST(RecommendationTest, ConfiguredFloorAdmitsTheCheaperVariant) {
  RunRecord run = TestRun();
  run.accuracy_floor = 0.85;
  const FamilyRecommendation f = Recommend(run, DigitsCells()).families.at(0);
  EXPECT_EQ(f.floor_basis, "report.accuracy_floor");
  ASSERT_TRUE(f.choice);
  EXPECT_EQ(f.choice->variant, "digits-mlp-prune90");
  EXPECT_EQ(f.runner_up->variant, "digits-mlp-int8");
}

TEST(RecommendationTest, OpenLoopSweepSpeaksForAPairMeasuredUnderBoth) {
  const json fp32 = Card("digits-mlp", "digits-mlp", 0.98);
  // The closed-loop sweep looks far cheaper, but its latency hides queueing.
  const std::vector<CellRecord> cells = {
      Sweep("digits-mlp", "a", fp32, 9000, 0.003, 2000, "concurrency_sweep"),
      Sweep("digits-mlp", "a", fp32, 1000, 0.03, 9000, "rate_sweep")};
  const FamilyRecommendation f = Recommend(TestRun(), cells).families.at(0);
  ASSERT_TRUE(f.choice);
  EXPECT_EQ(f.choice->scenario, "poisson");
  EXPECT_EQ(f.choice->cost_per_million, 0.03);
  EXPECT_FALSE(f.runner_up);
}

TEST(RecommendationTest, FamiliesNeverCompeteAndUnknownAccuracyIsNotJudged) {
  std::vector<CellRecord> cells = DigitsCells();
  const json resnet = Card("resnet18", "resnet18", std::nullopt);
  cells.push_back(Sweep("resnet18", "a", resnet, 20, 2.0, 40000));
  cells.push_back(Sweep("resnet18", "b", resnet, 25, 1.5, 60000));
  const Recommendation r = Recommend(TestRun(), cells);
  ASSERT_EQ(r.families.size(), 2u);
  EXPECT_EQ(r.families[0].choice->variant, "digits-mlp-int8");
  const FamilyRecommendation& f = r.families[1];
  EXPECT_EQ(f.family, "resnet18");
  EXPECT_FALSE(f.accuracy_floor);
  EXPECT_NE(f.floor_basis.find("unknown: not applicable: untrained"), std::string::npos)
      << f.floor_basis;
  ASSERT_TRUE(f.choice);
  EXPECT_EQ(f.choice->server, "b");
  EXPECT_NE(f.sentence.find("accuracy not judged"), std::string::npos) << f.sentence;
}

TEST(RecommendationTest, NoPairMeetingTheSloIsSaidSo) {
  const json fp32 = Card("digits-mlp", "digits-mlp", 0.98);
  const FamilyRecommendation f =
      Recommend(TestRun(), {Sweep("digits-mlp", "a", fp32, 0, 0, 300000)}).families.at(0);
  EXPECT_FALSE(f.choice);
  EXPECT_NE(f.sentence.find("digits-mlp: no recommendation: no pair meets the SLO (p99 ≤ 100 ms)"),
            std::string::npos)
      << f.sentence;
  EXPECT_TRUE(Recommend(TestRun(), {}).families.empty());
}

TEST(RecommendationTest, AccuracyMeasuredThroughTheServerIsPreferredToTheCard) {
  std::vector<CellRecord> cells = DigitsCells();
  // int8 served by a answered 96.5 % right: below the floor of 97 %, whatever its card says.
  CellRecord measured;
  measured.variant = "digits-mlp-int8";
  measured.server = "a";
  measured.scenario = measured.scenario_kind = "accuracy";
  measured.cell_id = "digits-mlp-int8/a/accuracy";
  measured.model_card = cells[1].model_card;
  AccuracyRecord accuracy;
  accuracy.top1 = 0.965;
  measured.accuracy = accuracy;
  cells.push_back(measured);
  const FamilyRecommendation f = Recommend(TestRun(), cells).families.at(0);
  ASSERT_TRUE(f.choice);
  EXPECT_EQ(f.choice->variant, "digits-mlp");
  EXPECT_EQ(f.choice->server, "b");
  EXPECT_NE(f.excluded[1].find("digits-mlp-int8 on a: top-1 96.50 % is below the floor"),
            std::string::npos)
      << f.excluded[1];
  // A skipped accuracy cell measured nothing: the card speaks again.
  cells.back().accuracy->skipped = true;
  EXPECT_EQ(Recommend(TestRun(), cells).families.at(0).choice->variant, "digits-mlp-int8");
}

TEST(RecommendationTest, UnpricedRunsRankByThroughputWithinTheSlo) {
  std::vector<CellRecord> cells = DigitsCells();
  for (CellRecord& c : cells) c.summary.cost_per_million.reset();
  RunRecord run = TestRun();
  run.accuracy_floor = 0.85;
  const Recommendation r = Recommend(run, cells);
  EXPECT_EQ(r.ranked_by, "throughput_within_slo_rps");
  EXPECT_EQ(r.families.at(0).choice->variant, "digits-mlp-prune90");  // 3000/s
  EXPECT_EQ(r.families.at(0).runner_up->variant, "digits-mlp-int8");  // 1600/s
}

}  // namespace
}  // namespace servebench
