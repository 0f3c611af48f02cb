// Copyright servebench authors.

#include "servebench/load/http_request.h"

#include <gtest/gtest.h>

namespace servebench {
namespace {

TEST(HttpRequestTest, SerializesGet) {
  LoadSettings s;
  std::string error;
  ASSERT_TRUE(ParseUrl("http://127.0.0.1:8000/v2/health/ready", &s.url, &error));
  EXPECT_EQ(SerializeRequest(s),
            "GET /v2/health/ready HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
            "User-Agent: servebench/0.1\r\n\r\n");
}

TEST(HttpRequestTest, SerializesPostWithBodyAndHeaders) {
  LoadSettings s;
  std::string error;
  ASSERT_TRUE(ParseUrl("http://h/infer", &s.url, &error));
  s.method = "POST";
  s.headers = {{"Content-Type", "application/json"}, {"User-Agent", "mine"}};
  s.body = "{\"a\":1}";
  EXPECT_EQ(SerializeRequest(s),
            "POST /infer HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
            "User-Agent: mine\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
  s.body.clear();
  EXPECT_NE(SerializeRequest(s).find("Content-Length: 0\r\n"), std::string::npos);
}

TEST(HttpRequestTest, ParsesHeaders) {
  std::pair<std::string, std::string> h;
  std::string error;
  ASSERT_TRUE(ParseHeader("Content-Type:  application/json ", &h, &error)) << error;
  EXPECT_EQ(h.first, "Content-Type");
  EXPECT_EQ(h.second, "application/json");
  EXPECT_FALSE(ParseHeader("no colon", &h, &error));
  EXPECT_FALSE(ParseHeader("Bad Name: x", &h, &error));
  EXPECT_FALSE(ParseHeader("X: a\r\nInjected: b", &h, &error));
  EXPECT_FALSE(ParseHeader("Content-Length: 5", &h, &error));
  EXPECT_NE(error.find("Content-Length"), std::string::npos);
  EXPECT_FALSE(ParseHeader("Connection: close", &h, &error));
}

TEST(HttpRequestTest, Methods) {
  EXPECT_TRUE(IsValidMethod("GET"));
  EXPECT_TRUE(IsValidMethod("PURGE"));
  EXPECT_FALSE(IsValidMethod(""));
  EXPECT_FALSE(IsValidMethod("GE T"));
}

}  // namespace
}  // namespace servebench
