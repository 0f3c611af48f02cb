// Copyright servebench authors.

#include "servebench/core/json_reader.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace servebench {
namespace {

using nlohmann::json;

struct Point {
  int x = 0;
  std::optional<double> weight;
  void Read(JsonReader* in) {
    in->Field("x", &x);
    in->Field("weight", &weight);
  }
};

struct Shape {
  std::string name;
  bool closed = false;
  int64_t id = 0;
  std::vector<Point> points;
  std::optional<Point> center;
  std::map<std::string, int64_t> tags;
  json extra;
  void Read(JsonReader* in) {
    in->Expect("record", "shape");
    in->Field("name", &name);
    in->Field("closed", &closed);
    in->Field("id", &id);
    in->Field("points", &points);
    in->Field("center", &center);
    in->Field("tags", &tags);
    in->Field("extra", &extra);
  }
};

json GoodShape() {
  return {{"record", "shape"},
          {"name", "triangle"},
          {"closed", true},
          {"id", 9007199254740993LL},  // above 2^53: read as an integer, not through a double
          {"points", {{{"x", 1}}, {{"x", 2}, {"weight", 0.5}}, {{"x", 3}, {"weight", nullptr}}}},
          {"center", nullptr},
          {"tags", {{"a", 1}, {"b", 2}}},
          {"extra", {1, "two"}}};
}

// The error of reading `j` as a Shape; empty when it reads.
std::string ErrorOf(const json& j) {
  Shape shape;
  std::string error;
  const bool ok = FromJson(j, &shape, &error);
  EXPECT_EQ(ok, error.empty()) << error;
  return error;
}

TEST(JsonReaderTest, ReadsEveryKindOfField) {
  Shape shape;
  std::string error;
  ASSERT_TRUE(FromJson(GoodShape(), &shape, &error)) << error;
  EXPECT_EQ(shape.name, "triangle");
  EXPECT_TRUE(shape.closed);
  EXPECT_EQ(shape.id, 9007199254740993LL);
  ASSERT_EQ(shape.points.size(), 3u);
  EXPECT_EQ(shape.points[1].x, 2);
  EXPECT_EQ(shape.points[1].weight, 0.5);
  EXPECT_FALSE(shape.points[0].weight.has_value());  // absent
  EXPECT_FALSE(shape.points[2].weight.has_value());  // null
  EXPECT_FALSE(shape.center.has_value());
  EXPECT_EQ(shape.tags, (std::map<std::string, int64_t>{{"a", 1}, {"b", 2}}));
  EXPECT_EQ(shape.extra, json({1, "two"}));
}

TEST(JsonReaderTest, ErrorsNameTheFieldAndWhatIsWrong) {
  json j = GoodShape();
  j.erase("name");
  EXPECT_EQ(ErrorOf(j), "name: missing");

  j = GoodShape();
  j["closed"] = "yes";
  EXPECT_EQ(ErrorOf(j), "closed: expected true or false, got \"yes\"");

  j = GoodShape();
  j["points"][1]["x"] = 2.5;
  EXPECT_EQ(ErrorOf(j), "points[1].x: expected an integer, got 2.5");

  j = GoodShape();
  j["points"][2]["weight"] = "heavy";
  EXPECT_EQ(ErrorOf(j), "points[2].weight: expected a number, got \"heavy\"");

  j = GoodShape();
  j["points"][0]["x"] = 4294967296LL;
  EXPECT_EQ(ErrorOf(j), "points[0].x: expected an integer of at most 32 bits, got 4294967296");

  j = GoodShape();
  j["center"] = {1, 2};
  EXPECT_EQ(ErrorOf(j), "center: expected an object, got [1,2]");

  j = GoodShape();
  j["center"] = json::object();
  EXPECT_EQ(ErrorOf(j), "center.x: missing");

  j = GoodShape();
  j["points"] = "none";
  EXPECT_EQ(ErrorOf(j), "points: expected an array, got \"none\"");

  j = GoodShape();
  j["tags"]["b"] = -1.5;
  EXPECT_EQ(ErrorOf(j), "tags.b: expected an integer, got -1.5");

  j = GoodShape();
  j["id"] = 18446744073709551615ULL;
  EXPECT_EQ(ErrorOf(j), "id: expected an integer of at most 64 bits, got 18446744073709551615");

  j = GoodShape();
  j["record"] = "circle";
  EXPECT_EQ(ErrorOf(j), "record: expected \"shape\", got \"circle\"");

  EXPECT_EQ(ErrorOf(json::array()), "expected an object, got []");
  EXPECT_EQ(ErrorOf(json()), "expected an object, got null");
}

TEST(JsonReaderTest, TheFirstErrorWinsAndLongValuesAreCut) {
  json j = GoodShape();
  j["name"] = 7;
  j["closed"] = std::string(100, 'x');
  EXPECT_EQ(ErrorOf(j), "name: expected a string, got 7");
  j["name"] = "ok";
  const std::string error = ErrorOf(j);
  EXPECT_LT(error.size(), 100u) << error;
  EXPECT_EQ(error.rfind("closed: expected true or false, got \"xxx", 0), 0u) << error;
}

TEST(JsonReaderTest, ASecondReadStartsClean) {
  Shape shape;
  std::string error;
  json bad = GoodShape();
  bad["id"] = "x";
  EXPECT_FALSE(FromJson(bad, &shape, &error));
  EXPECT_TRUE(FromJson(GoodShape(), &shape, &error)) << error;
  EXPECT_TRUE(error.empty());
  EXPECT_EQ(shape.points.size(), 3u);
}

}  // namespace
}  // namespace servebench
