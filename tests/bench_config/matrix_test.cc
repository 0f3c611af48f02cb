// Copyright servebench authors.

#include "servebench/bench/matrix.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "servebench/bench/config.h"

namespace servebench {
namespace {

ExperimentConfig Config(const std::string& yaml) {
  ExperimentConfig config;
  std::string error;
  EXPECT_TRUE(ParseConfig(yaml, "bench.yaml", "", &config, &error)) << error;
  return config;
}

// 2 variants x 2 servers x 2 scenarios.
ExperimentConfig SmallConfig() {
  return Config(R"(models: {variants: [mlp, mlp-int8]}
servers:
  - kind: torchscript
  - kind: fastapi
scenarios:
  - kind: cold_start
    repeats: 2
  - name: closed
    kind: concurrency_sweep
    levels: [1, 4]
)");
}

ExperimentConfig DefaultConfig() {
  ExperimentConfig config;
  std::string error;
  EXPECT_TRUE(ParseConfig(DefaultConfigYaml(), "<embedded default>", "", &config, &error));
  return config;
}

std::vector<std::string> Ids(const ExperimentConfig& config, const std::string& filter) {
  std::vector<Cell> cells;
  std::string error;
  EXPECT_TRUE(ExpandMatrix(config, filter, &cells, &error)) << filter << ": " << error;
  std::vector<std::string> ids;
  for (const Cell& cell : cells) ids.push_back(cell.id);
  return ids;
}

std::string FilterError(const ExperimentConfig& config, const std::string& filter) {
  std::vector<Cell> cells = {Cell{}};
  std::string error;
  EXPECT_FALSE(ExpandMatrix(config, filter, &cells, &error)) << filter;
  EXPECT_EQ(cells.size(), 1u);  // untouched on error
  return error;
}

TEST(MatrixTest, ExpandsVariantsThenServersThenScenarios) {
  const ExperimentConfig config = SmallConfig();
  EXPECT_EQ(Ids(config, ""), (std::vector<std::string>{
                                 "mlp/torchscript/cold_start", "mlp/torchscript/closed",
                                 "mlp/fastapi/cold_start", "mlp/fastapi/closed",
                                 "mlp-int8/torchscript/cold_start", "mlp-int8/torchscript/closed",
                                 "mlp-int8/fastapi/cold_start", "mlp-int8/fastapi/closed"}));
  std::vector<Cell> cells;
  std::string error;
  ASSERT_TRUE(ExpandMatrix(config, "", &cells, &error));
  EXPECT_EQ(cells[3].variant.name, "mlp");
  EXPECT_EQ(cells[3].server.kind, "fastapi");
  EXPECT_EQ(cells[3].scenario.concurrency, (std::vector<int>{1, 4}));
}

TEST(MatrixTest, FilterByField) {
  const ExperimentConfig config = SmallConfig();
  EXPECT_EQ(Ids(config, "variant=mlp-int8,scenario=closed"),
            (std::vector<std::string>{"mlp-int8/torchscript/closed", "mlp-int8/fastapi/closed"}));
  EXPECT_EQ(Ids(config, "kind=fast*, variant=mlp"),
            (std::vector<std::string>{"mlp/fastapi/cold_start", "mlp/fastapi/closed"}));
  EXPECT_EQ(Ids(config, "server!=torchscript,scenario!=cold_?tart,variant=m?p"),
            (std::vector<std::string>{"mlp/fastapi/closed"}));
}

TEST(MatrixTest, BareGlobMatchesTheWholeId) {
  const ExperimentConfig config = SmallConfig();
  EXPECT_EQ(
      Ids(config, "*int8/*/cold*"),
      (std::vector<std::string>{"mlp-int8/torchscript/cold_start", "mlp-int8/fastapi/cold_start"}));
  EXPECT_EQ(Ids(config, "mlp/fastapi/closed"), (std::vector<std::string>{"mlp/fastapi/closed"}));
  EXPECT_EQ(Ids(config, "*").size(), 8u);
}

TEST(MatrixTest, FilterSelectingNothingIsAnError) {
  EXPECT_EQ(FilterError(SmallConfig(), "variant=resnet*"),
            "filter 'variant=resnet*' selects none of the 8 cells (variants: mlp, mlp-int8; "
            "servers: torchscript, fastapi; scenarios: cold_start, closed)");
  EXPECT_EQ(FilterError(SmallConfig(), "mlp"),  // a bare glob must match the whole id
            "filter 'mlp' selects none of the 8 cells (variants: mlp, mlp-int8; servers: "
            "torchscript, fastapi; scenarios: cold_start, closed)");
}

TEST(MatrixTest, MalformedFilters) {
  const ExperimentConfig config = SmallConfig();
  EXPECT_EQ(FilterError(config, "varient=mlp"),
            "filter term 'varient=mlp': unknown field 'varient' (did you mean 'variant'?)");
  EXPECT_EQ(FilterError(config, "model=mlp"),
            "filter term 'model=mlp': unknown field 'model' (fields: variant, server, kind, "
            "scenario)");
  EXPECT_EQ(FilterError(config, "server="),
            "filter term 'server=': expected server=GLOB with a non-empty glob");
  EXPECT_EQ(FilterError(config, "server==x"),
            "filter term 'server==x': expected server=GLOB with a non-empty glob");
  EXPECT_EQ(FilterError(config, "variant=mlp,,server=fastapi"),
            "filter 'variant=mlp,,server=fastapi' has an empty term (two commas, or one at an "
            "end)");
  EXPECT_EQ(FilterError(config, "variant=mlp,"),
            "filter 'variant=mlp,' has an empty term (two commas, or one at an end)");
  EXPECT_EQ(FilterError(config, "!mlp"), "filter term '!mlp': '!' only negates as in field!=glob");
}

TEST(MatrixTest, EstimateArithmetic) {
  // Default measurement here: warm-up 300 ms; windows of 300 ms; at least 900 ms and 100
  // requests; at most 2.4 s. A level: 0.3 + max(0.9, 3 x 0.3) = 1.2 s.
  const ExperimentConfig config = DefaultConfig();
  std::vector<Cell> cells;
  std::string error;
  ASSERT_TRUE(ExpandMatrix(config, "variant=digits-mlp,server=torchscript", &cells, &error))
      << error;
  ASSERT_EQ(cells.size(), 3u);
  // A search counts 8 probes (its max_levels), from 100 req/s when the start rate is the idle
  // server's: the first needs 100 requests / 100 req/s = 1 s of measurement (1.3 s with its
  // warm-up), the other seven 1.2 s each; plus start and stop.
  EXPECT_DOUBLE_EQ(EstimateCellSeconds(config, cells[0], nullptr), 3 + 1.3 + 7 * 1.2 + 0.5);
  // Accuracy on its own: start 3 s + one pass over the test split 1 s + stop 0.5 s. After the
  // search on the same server and variant it takes the search's server: the pass alone (its stop
  // is the one counted for the search).
  EXPECT_DOUBLE_EQ(EstimateCellSeconds(config, cells[1], nullptr), 3 + 1 + 0.5);
  EXPECT_DOUBLE_EQ(EstimateCellSeconds(config, cells[1], &cells[0]), 1);
  const std::vector<double> each = EstimateEachCellSeconds(config, cells);
  ASSERT_EQ(each.size(), 3u);
  EXPECT_DOUBLE_EQ(each[0], 3 + 1.3 + 7 * 1.2 + 0.5);
  EXPECT_DOUBLE_EQ(each[1], 1);  // the pass takes the search's server
  EXPECT_DOUBLE_EQ(each[2], 7);
  // 2 repeats x (3 s start + 0.5 s stop).
  EXPECT_DOUBLE_EQ(EstimateCellSeconds(config, cells[2], &cells[1]), 7);

  // A concurrency sweep with the same measurement: start 3 s + 3 levels x 1.2 s + stop 0.5 s.
  const ExperimentConfig sweep = Config(R"(models: {variants: [m]}
servers: [{kind: torchscript}]
scenarios: [{kind: concurrency_sweep, levels: [1, 8, 64]}]
measurement: {warmup: 300ms, window: 300ms, min_duration: 900ms, min_requests: 100,
              max_duration: 2400ms}
)");
  ASSERT_TRUE(ExpandMatrix(sweep, "", &cells, &error)) << error;
  EXPECT_DOUBLE_EQ(EstimateCellSeconds(sweep, cells[0], nullptr), 3 + 3 * 1.2 + 0.5);
}

// The cells whose server an accuracy pass takes (cell_runner.cc hands it over by the same rule).
TEST(MatrixTest, AnAccuracyPassTakesTheServerOfTheCellBeforeOnTheSameServerAndVariant) {
  const ExperimentConfig config = DefaultConfig();
  std::vector<Cell> cells;
  std::string error;
  ASSERT_TRUE(ExpandMatrix(config, "server=torchscript", &cells, &error)) << error;
  auto find = [&cells](const std::string& id) -> const Cell& {
    for (const Cell& c : cells) {
      if (c.id == id) return c;
    }
    ADD_FAILURE() << "no cell " << id;
    return cells[0];
  };
  const Cell& search = find("digits-mlp/torchscript/poisson");
  const Cell& pass = find("digits-mlp/torchscript/accuracy");
  const Cell& cold = find("digits-mlp/torchscript/cold_start");
  EXPECT_TRUE(TakesServerOf(pass, search));
  EXPECT_TRUE(TakesServerOf(pass, pass));     // a pass leaves its server too
  EXPECT_FALSE(TakesServerOf(pass, cold));    // a cold start stops every server it starts
  EXPECT_FALSE(TakesServerOf(search, pass));  // only an accuracy pass takes a server
  EXPECT_FALSE(TakesServerOf(find("digits-mlp-int8/torchscript/accuracy"), search));  // variant
  ASSERT_TRUE(ExpandMatrix(config, "variant=digits-mlp", &cells, &error)) << error;
  EXPECT_FALSE(TakesServerOf(find("digits-mlp/fastapi/accuracy"),
                             find("digits-mlp/torchscript/poisson")));  // server
}

TEST(MatrixTest, EstimateRespectsTheMaximumDuration) {
  ExperimentConfig config = Config(R"(models: {variants: [m]}
servers: [{kind: torchscript}]
scenarios:
  - kind: rate_sweep
    rates: [1, 1000]
measurement:
  warmup: 1s
  window: 1s
  min_duration: 2s
  min_requests: 1000
  max_duration: 10s
)");
  std::vector<Cell> cells;
  std::string error;
  ASSERT_TRUE(ExpandMatrix(config, "", &cells, &error)) << error;
  // 1 req/s would need 1000 s for 1000 requests: capped at 10 s. 1000 req/s: max(2, 3, 1) = 3 s.
  EXPECT_DOUBLE_EQ(EstimateCellSeconds(config, cells[0], nullptr), 3 + (1 + 10) + (1 + 3) + 0.5);
}

TEST(MatrixTest, PlanOfTheDefault) {
  const ExperimentConfig config = DefaultConfig();
  std::vector<Cell> cells;
  std::string error;
  ASSERT_TRUE(ExpandMatrix(config, "variant=digits-mlp,server=torchscript", &cells, &error));
  EXPECT_EQ(FormatPlan(config, cells),
            "Plan for 'default' (<embedded default>)\n"
            "per level: warm-up 300 ms, windows of 300 ms, at least 900 ms and 100 requests, at "
            "most 2.40 s; SLO p99 <= 100 ms (1 per family or variant)\n"
            "\n"
            "  cell                               kind         "
            "scenario                                                 estimate\n"
            "  digits-mlp/torchscript/poisson     torchscript  "
            "poisson SLO search from idle rate x4 to 5%, <= 8 probes  13 s\n"
            "  digits-mlp/torchscript/accuracy    torchscript  "
            "accuracy, batch 1                                        1 s\n"
            "  digits-mlp/torchscript/cold_start  torchscript  "
            "cold start x2                                            7 s\n"
            "\n"
            "3 cells, estimated 21 s\n");
}

TEST(MatrixTest, PlanTotalOfTheWholeDefault) {
  const ExperimentConfig config = DefaultConfig();
  std::vector<Cell> cells;
  std::string error;
  ASSERT_TRUE(ExpandMatrix(config, "", &cells, &error));
  ASSERT_EQ(cells.size(), 54u);
  const std::string plan = FormatPlan(config, cells);
  // Per (variant, server) pair: poisson 3 + (0.3 + 100 requests / 100 req/s) + 7 x 1.2 + 0.5 =
  // 13.2 s; accuracy, on the search's server, 1 s; cold start 2 x (3 s start + 0.5 s stop) = 7 s.
  // 3 variants x 6 servers = 18 pairs x 21.2 s = 381.6 s.
  EXPECT_NE(plan.find("\n54 cells, estimated 6 min 22 s\n"), std::string::npos) << plan;
  EXPECT_NE(plan.find("  resnet18/mlserver/poisson "), std::string::npos) << plan;
}

TEST(MatrixTest, PlanDescribesExplicitRates) {
  const ExperimentConfig config = Config(R"(models: {variants: [m]}
servers: [{kind: torchscript}]
scenarios:
  - kind: rate_sweep
    arrival: constant
    rates: [10, 20.5]
)");
  std::vector<Cell> cells;
  std::string error;
  ASSERT_TRUE(ExpandMatrix(config, "", &cells, &error));
  EXPECT_NE(FormatPlan(config, cells)
                .find("  m/torchscript/rate_sweep  torchscript  constant "
                      "10,20.5 req/s  "),
            std::string::npos)
      << FormatPlan(config, cells);
}

}  // namespace
}  // namespace servebench
