// Copyright servebench authors.

#include "servebench/core/url.h"

#include <gtest/gtest.h>

namespace servebench {
namespace {

TEST(UrlTest, HostPortAndTarget) {
  Url url;
  std::string error;
  ASSERT_TRUE(ParseUrl("http://127.0.0.1:8080/v2/models/m/infer?x=1", &url, &error)) << error;
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 8080);
  EXPECT_EQ(url.target, "/v2/models/m/infer?x=1");
  EXPECT_EQ(url.host_header, "127.0.0.1:8080");
}

TEST(UrlTest, DefaultsPortAndPath) {
  Url url;
  std::string error;
  ASSERT_TRUE(ParseUrl("http://localhost", &url, &error)) << error;
  EXPECT_EQ(url.port, 80);
  EXPECT_EQ(url.target, "/");
  ASSERT_TRUE(ParseUrl("http://localhost?q", &url, &error)) << error;
  EXPECT_EQ(url.target, "/?q");
}

TEST(UrlTest, Ipv6Literal) {
  Url url;
  std::string error;
  ASSERT_TRUE(ParseUrl("http://[::1]:9000/x", &url, &error)) << error;
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 9000);
  EXPECT_EQ(url.host_header, "[::1]:9000");
}

TEST(UrlTest, RejectsWhatItCannotSend) {
  Url url;
  std::string error;
  EXPECT_FALSE(ParseUrl("https://example/", &url, &error));
  EXPECT_NE(error.find("https is not supported"), std::string::npos) << error;
  EXPECT_FALSE(ParseUrl("ftp://x/", &url, &error));
  EXPECT_FALSE(ParseUrl("http://", &url, &error));
  EXPECT_FALSE(ParseUrl("http://host:0/", &url, &error));
  EXPECT_FALSE(ParseUrl("http://host:65536/", &url, &error));
  EXPECT_NE(error.find("65536"), std::string::npos) << error;
  EXPECT_FALSE(ParseUrl("http://host:/", &url, &error));
  EXPECT_FALSE(ParseUrl("http://host:8a/", &url, &error));
  EXPECT_FALSE(ParseUrl("http://user@host/", &url, &error));
  EXPECT_FALSE(ParseUrl("http://host/#frag", &url, &error));
  EXPECT_FALSE(ParseUrl("http://[::1/", &url, &error));
}

}  // namespace
}  // namespace servebench
