// Copyright servebench authors.
//
// The generic YAML reader: every error carries the file, line, column and key path, says what was
// expected and what was found, and suggests the key meant.

#include "servebench/yaml/yaml_fields.h"

#include <gtest/gtest.h>

namespace servebench {
namespace {

// The message of the ConfigError `read` throws on `yaml`, or "" when it reads.
template <typename Read>
std::string ErrorOf(const std::string& yaml, Read read) {
  try {
    read(YAML::Load(yaml));
  } catch (const ConfigError& e) {
    return FormatError("x.yaml", e);
  }
  return "";
}

TEST(YamlFieldsTest, DidYouMean) {
  const std::vector<std::string> keys = {"levels", "rates", "repeats"};
  EXPECT_EQ(DidYouMean("levles", keys), "levels");  // a transposition is one edit
  EXPECT_EQ(DidYouMean("rate", keys), "rates");
  EXPECT_EQ(DidYouMean("speed", keys), "");
  EXPECT_EQ(DidYouMean("x", {"y"}), "");
  // The nearest wins, the first of equals; candidates too long or short to be near are skipped
  // unmeasured, which must not change the answer.
  EXPECT_EQ(DidYouMean("levels", {"levelsss", "lvels", "levls"}), "lvels");
  EXPECT_EQ(DidYouMean("abcd", {"abcdef", "abxd"}), "abxd");
  EXPECT_EQ(DidYouMean("abcd", {"abcdef", "abcdefg"}), "abcdef");
  EXPECT_EQ(DidYouMean(std::string(100000, 'l'), keys), "");
}

TEST(YamlFieldsTest, UnknownKeysAreNamedWithASuggestionAndAPosition) {
  const auto read = [](const YAML::Node& n) { Fields(n, "section", {"levels", "rates"}); };
  EXPECT_EQ(ErrorOf("levels: 1\nlevles: 2\n", read),
            "x.yaml:2:1: section: unknown key 'levles' (did you mean 'levels'?)");
  EXPECT_EQ(ErrorOf("speed: 1\n", read),
            "x.yaml:1:1: section: unknown key 'speed' (known keys: levels, rates)");
  EXPECT_EQ(ErrorOf("rates: 1\nrates: 2\n", read), "x.yaml:2:1: section: duplicate key 'rates'");
  EXPECT_EQ(ErrorOf("[1, 2]\n", read), "x.yaml:1:1: section: expected a map, got a list");
}

TEST(YamlFieldsTest, ScalarsAreReadAsTheTypeTheKeyWants) {
  const auto read_int = [](const YAML::Node& n) { ReadInt(n["n"], "s.n", 1); };
  EXPECT_EQ(ErrorOf("n: '3'\n", read_int), "x.yaml:1:4: s.n: expected an integer, got a string");
  EXPECT_EQ(ErrorOf("n: 0\n", read_int), "x.yaml:1:4: s.n: must be at least 1, got 0");
  EXPECT_EQ(ErrorOf("n: 2\n", read_int), "");
  const auto read_duration = [](const YAML::Node& n) { ReadDuration(n["d"], "s.d", false); };
  EXPECT_EQ(ErrorOf("d: 2s\n", read_duration), "");
  EXPECT_NE(ErrorOf("d: 2 parsecs\n", read_duration).find("x.yaml:1:4: s.d: "), std::string::npos);
  const auto read_cpus = [](const YAML::Node& n) {
    EXPECT_EQ(ReadCpuSet(n["c"], "s.c"), (std::vector<int>{0, 1, 2, 5}));
  };
  EXPECT_EQ(ErrorOf("c: '5,0-2'\n", read_cpus), "");
}

TEST(YamlFieldsTest, PathsResolveFromTheBaseDirectoryAndHome) {
  EXPECT_EQ(ResolvePath("models", "/configs"), "/configs/models");
  EXPECT_EQ(ResolvePath("/abs/x/", "/configs"), "/abs/x");
  EXPECT_EQ(ResolvePath("~/zoo", "/configs"), HomeDirectory() + "/zoo");
}

}  // namespace
}  // namespace servebench
