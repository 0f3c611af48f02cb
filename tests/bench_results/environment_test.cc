// Copyright servebench authors.

#include "servebench/bench/environment.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace servebench {
namespace {

TEST(EnvironmentTest, DescribesTheMachineAndTheSoftware) {
  const nlohmann::json env = CollectEnvironment();
  ASSERT_TRUE(env["cpu_model"].is_string());
  EXPECT_FALSE(env["cpu_model"].get<std::string>().empty());
  ASSERT_TRUE(env["cores"].is_number_integer());
  EXPECT_GE(env["cores"].get<int>(), 1);
  EXPECT_GE(env["cores_allowed"].get<int>(), 1);
  EXPECT_LE(env["cores_allowed"].get<int>(), env["cores"].get<int>());
  ASSERT_TRUE(env["kernel"].is_string());
  EXPECT_EQ(env["kernel"].get<std::string>().rfind("Linux ", 0), 0u) << env["kernel"];
  EXPECT_GT(env["memory_bytes"].get<int64_t>(), 0);
  EXPECT_EQ(env["servebench_version"], "0.1.0");
  EXPECT_FALSE(env["compiler"].get<std::string>().empty());
  EXPECT_EQ(env["libraries"]["sqlite"], sqlite3_libversion());
  EXPECT_TRUE(env["libraries"]["boost"].is_string());
  EXPECT_TRUE(env["gpu"].is_array());
  // torch is there exactly when its package is installed; either way never an empty string.
  if (env["libraries"].contains("torch")) {
    EXPECT_FALSE(env["libraries"]["torch"].get<std::string>().empty());
  }
}

}  // namespace
}  // namespace servebench
