// Copyright servebench authors.
//
// docs/config.md shows the default experiment in full; it must be the one compiled in.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "servebench/bench/config.h"

namespace servebench {
namespace {

TEST(ConfigDocsTest, ShowsTheEmbeddedDefaultVerbatim) {
  std::ifstream in(std::string(SERVEBENCH_SOURCE_DIR) + "/docs/config.md");
  ASSERT_TRUE(in) << "docs/config.md not found";
  std::stringstream docs;
  docs << in.rdbuf();
  EXPECT_NE(docs.str().find("```yaml\n" + DefaultConfigYaml() + "```\n"), std::string::npos)
      << "update the default experiment at the end of docs/config.md";
}

}  // namespace
}  // namespace servebench
