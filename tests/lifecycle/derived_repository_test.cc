// Copyright servebench authors.
//
// The derived model repositories launch plans write, and the pbtxt reader they use.

#include "servebench/lifecycle/derived_repository.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model_fixture.h"
#include "servebench/lifecycle/pbtxt.h"
#include "temp_dir.h"

namespace servebench {
namespace {

namespace fs = std::filesystem;
using testing::Count;
using testing::kZooConfig;
using testing::Parameter;
using testing::Parse;
using testing::Read;
using testing::Scalars;
using testing::TempDir;

// As tests/torchscript_server/make_test_models.py writes them: lists, colons before messages.
const char kCompactConfig[] = R"(name: "mlp"   # a comment
max_batch_size: 64
input [ { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 64 ] } ]
output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 10 ] } ]
parameters: { key: "INTER_OP_THREAD_COUNT" value: { string_value: "1" } }
dynamic_batching { preferred_batch_size: [ 4, 8 ] max_queue_delay_microseconds: 100 }
)";

RepositoryOverrides Batching() {
  RepositoryOverrides config;
  config.server_name = "ts-batching";
  config.dynamic_batching = true;
  config.max_batch_size = 32;
  config.preferred_batch_sizes = {4, 8};
  config.max_queue_delay_us = 500;
  config.instances = 2;
  config.intra_op_threads = 3;
  return config;
}

TEST(PbtxtTest, ReadsBothStylesAndWritesWhatItRead) {
  for (const char* text : {kZooConfig, kCompactConfig}) {
    const PbtxtMessage m = Parse(text);
    const std::string written = WritePbtxt(m);
    EXPECT_EQ(WritePbtxt(Parse(written)), written);
  }
  const PbtxtMessage compact = Parse(kCompactConfig);
  EXPECT_EQ(PbtxtUnquote(compact.Find("name")->scalar), "mlp");
  EXPECT_EQ(compact.Find("input")->message.Find("dims")->scalar, "64");
  EXPECT_EQ(Scalars(compact.Find("dynamic_batching")->message, "preferred_batch_size"),
            (std::vector<std::string>{"4", "8"}));
  EXPECT_NE(WritePbtxt(compact).find("preferred_batch_size: [ 4, 8 ]"), std::string::npos);
  EXPECT_EQ(PbtxtUnquote(PbtxtQuote("a \"q\" \\ b")), "a \"q\" \\ b");
}

TEST(PbtxtTest, ErrorsNameLineAndColumn) {
  PbtxtMessage m;
  std::string error;
  EXPECT_FALSE(ParsePbtxt("name: \"x\"\ninput [ { name: } ]\n", &m, &error));
  EXPECT_EQ(error, "line 2:17: expected a value for 'name', found '}'");
  EXPECT_FALSE(ParsePbtxt("a {\n  b: 1\n", &m, &error));
  EXPECT_EQ(error.rfind("line 3:1: expected a field name or '}'", 0), 0u) << error;
  EXPECT_FALSE(ParsePbtxt("name: \"x\n", &m, &error));
  EXPECT_EQ(error, "line 1:7: unterminated string");
}

TEST(DerivedRepositoryTest, BatchingConfigurationRewritesTheModelConfig) {
  std::string out;
  std::string error;
  ASSERT_TRUE(RewriteModelConfig(kZooConfig, "zoo", Batching(), &out, &error)) << error;
  const PbtxtMessage m = Parse(out);
  EXPECT_EQ(Scalars(m, "max_batch_size"), std::vector<std::string>{"32"});
  ASSERT_EQ(Count(m, "dynamic_batching"), 1);
  const PbtxtMessage& batching = m.Find("dynamic_batching")->message;
  EXPECT_EQ(Scalars(batching, "preferred_batch_size"), (std::vector<std::string>{"4", "8"}));
  EXPECT_EQ(Scalars(batching, "max_queue_delay_microseconds"), std::vector<std::string>{"500"});
  ASSERT_EQ(Count(m, "instance_group"), 1);
  EXPECT_EQ(m.Find("instance_group")->message.Find("count")->scalar, "2");
  EXPECT_EQ(m.Find("instance_group")->message.Find("kind")->scalar, "KIND_CPU");
  EXPECT_EQ(Parameter(m, "INTRA_OP_THREAD_COUNT"), "3");
  EXPECT_EQ(Parameter(m, "QUANTIZED_ENGINE"), "qnnpack");  // other fields are kept
  EXPECT_EQ(Count(m, "parameters"), 2);
  EXPECT_EQ(Count(m, "input"), 1);
  EXPECT_EQ(m.Find("input")->message.Find("dims")->scalar, "64");
  // The original's order is kept: max_batch_size and the thread count where they were.
  EXPECT_EQ(m.fields[2].name, "max_batch_size");
  ASSERT_EQ(m.fields[6].name, "parameters");
  EXPECT_EQ(PbtxtUnquote(m.fields[6].message.Find("key")->scalar), "INTRA_OP_THREAD_COUNT");
}

TEST(DerivedRepositoryTest, NoBatchingRemovesTheBlockAndKeepsMaxBatchSize) {
  RepositoryOverrides config;
  config.server_name = "plain";
  config.instances = 1;
  config.intra_op_threads = 2;
  std::string out;
  std::string error;
  ASSERT_TRUE(RewriteModelConfig(kCompactConfig, "compact", config, &out, &error)) << error;
  const PbtxtMessage m = Parse(out);
  EXPECT_EQ(Count(m, "dynamic_batching"), 0);
  EXPECT_EQ(Scalars(m, "max_batch_size"), std::vector<std::string>{"64"});
  EXPECT_EQ(m.Find("instance_group")->message.Find("count")->scalar, "1");
  EXPECT_EQ(Parameter(m, "INTRA_OP_THREAD_COUNT"), "2");
  EXPECT_EQ(Parameter(m, "INTER_OP_THREAD_COUNT"), "1");
}

TEST(DerivedRepositoryTest, RejectsImpossibleSettings) {
  std::string out;
  std::string error;
  const std::string unbatched = "name: \"pair\"\nmax_batch_size: 0\n";
  EXPECT_FALSE(RewriteModelConfig(unbatched, "pair", Batching(), &out, &error));
  EXPECT_NE(error.find("no batch dimension"), std::string::npos) << error;

  RepositoryOverrides too_big = Batching();
  too_big.preferred_batch_sizes = {64};
  EXPECT_FALSE(RewriteModelConfig(kZooConfig, "zoo", too_big, &out, &error));
  EXPECT_NE(error.find("preferred batch size 64"), std::string::npos) << error;

  RepositoryOverrides no_instances = Batching();
  no_instances.instances = 0;
  EXPECT_FALSE(RewriteModelConfig(kZooConfig, "zoo", no_instances, &out, &error));

  EXPECT_FALSE(RewriteModelConfig("name: [", "broken.pbtxt", Batching(), &out, &error));
  EXPECT_EQ(error.rfind("broken.pbtxt: line 1", 0), 0u) << error;
}

}  // namespace
}  // namespace servebench
