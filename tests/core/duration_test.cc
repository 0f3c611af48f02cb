// Copyright servebench authors.

#include "servebench/core/duration.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace servebench {
namespace {

int64_t Parse(const std::string& text) {
  int64_t nanos = -1;
  std::string error;
  EXPECT_TRUE(ParseDuration(text, &nanos, &error)) << text << ": " << error;
  return nanos;
}

std::string ParseError(const std::string& text) {
  int64_t nanos = 77;
  std::string error;
  EXPECT_FALSE(ParseDuration(text, &nanos, &error)) << text;
  EXPECT_EQ(nanos, 77);  // untouched on error
  EXPECT_FALSE(error.empty());
  return error;
}

TEST(DurationTest, ParsesUnits) {
  EXPECT_EQ(Parse("30s"), 30000000000);
  EXPECT_EQ(Parse("500ms"), 500000000);
  EXPECT_EQ(Parse("250us"), 250000);
  EXPECT_EQ(Parse("100ns"), 100);
  EXPECT_EQ(Parse("2m"), 120000000000);
  EXPECT_EQ(Parse("1h"), 3600000000000);
  EXPECT_EQ(Parse("1.5s"), 1500000000);
  EXPECT_EQ(Parse("10"), 10000000000);  // bare number: seconds
  EXPECT_EQ(Parse("0"), 0);
  EXPECT_EQ(Parse("0.1s"), 100000000);  // exact, not via binary floating point
  EXPECT_EQ(Parse(".5ms"), 500000);
  EXPECT_EQ(Parse("2."), 2000000000);
  EXPECT_EQ(Parse("  5 ms "), 5000000);
  EXPECT_EQ(Parse("1.0000000005s"), 1000000001);  // rounded half up to whole ns
  EXPECT_EQ(Parse("1.0000000004999s"), 1000000000);
  EXPECT_EQ(Parse("0.000000000001h"), 4);   // 3.6 ns
  EXPECT_EQ(Parse("0.0000000000001h"), 0);  // 0.36 ns
  EXPECT_EQ(Parse("0.0000000000003h"), 1);  // 1.08 ns
  EXPECT_EQ(Parse("9223372036854775807ns"), INT64_MAX);
  EXPECT_EQ(Parse("1.000000000000000000000000001s"), 1000000000);  // long fractions are fine
}

TEST(DurationTest, RejectsMalformedText) {
  EXPECT_NE(ParseError("").find("empty"), std::string::npos);
  EXPECT_NE(ParseError("   ").find("empty"), std::string::npos);
  EXPECT_NE(ParseError("-1s").find("negative"), std::string::npos);
  EXPECT_NE(ParseError("abc").find("number"), std::string::npos);
  EXPECT_NE(ParseError("s").find("number"), std::string::npos);
  EXPECT_NE(ParseError(".").find("number"), std::string::npos);
  EXPECT_NE(ParseError("1x").find("unknown unit 'x'"), std::string::npos);
  EXPECT_NE(ParseError("1.2.3s").find("unknown unit"), std::string::npos);
  EXPECT_NE(ParseError("1e3").find("unknown unit"), std::string::npos);
  EXPECT_NE(ParseError("+1s").find("number"), std::string::npos);
  EXPECT_NE(ParseError("1 2s").find("unknown unit"), std::string::npos);
  EXPECT_NE(ParseError("9223372036854775808ns").find("too large"), std::string::npos);
  EXPECT_NE(ParseError("3000000h").find("too large"), std::string::npos);
  EXPECT_NE(ParseError("99999999999999999999999999s").find("too large"), std::string::npos);
  EXPECT_NE(ParseError("1S").find("unknown unit 'S'"), std::string::npos);
}

TEST(DurationTest, Formats) {
  EXPECT_EQ(FormatDuration(0), "0 ns");
  EXPECT_EQ(FormatDuration(999), "999 ns");
  EXPECT_EQ(FormatDuration(1000), "1.00 us");
  EXPECT_EQ(FormatDuration(12345), "12.3 us");
  EXPECT_EQ(FormatDuration(250000000), "250 ms");
  EXPECT_EQ(FormatDuration(1500000000), "1.50 s");
  EXPECT_EQ(FormatDuration(30000000000), "30.0 s");
  EXPECT_EQ(FormatDuration(3600000000000), "3600 s");
  EXPECT_EQ(FormatDuration(999960), "1.00 ms");  // rounds into the next unit, not "1000 us"
  EXPECT_EQ(FormatDuration(999499), "999 us");
  EXPECT_EQ(FormatDuration(9996), "10.0 us");
  EXPECT_EQ(FormatDuration(-1500), "-1.50 us");
  EXPECT_EQ(FormatDuration(INT64_MIN).substr(0, 1), "-");  // no overflow
}

TEST(DurationTest, FormatThenParseIsClose) {
  for (int64_t ns : {int64_t{1234}, int64_t{5678901}, int64_t{42000000000}}) {
    std::string text = FormatDuration(ns);
    text.erase(text.find(' '), 1);
    const double back = static_cast<double>(Parse(text));
    EXPECT_NEAR(back, static_cast<double>(ns), 5e-3 * static_cast<double>(ns)) << text;
  }
}

}  // namespace
}  // namespace servebench
