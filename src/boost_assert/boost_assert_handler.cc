// Copyright servebench authors.
//
// Where a BOOST_ASSERT goes in builds with assertions (everything but NDEBUG builds: the sanitizer
// tree, the fuzz targets, Debug trees). The top CMakeLists.txt defines
// BOOST_ENABLE_ASSERT_DEBUG_HANDLER for every target, so Release builds compile the assertions out
// as before and this file only decides what a failed one does elsewhere: print it and abort, as
// assert() would, except for one assertion that Boost itself has since corrected.
//
// Boost.Beast 1.74 (Debian 12's) asserts `n >= 5` in basic_parser::parse_chunk_header when a
// chunked body's last chunk ("0\r\n") is parsed and the parser is called again before the blank
// line after it has arrived: called with "0\r\n\r" (4 bytes), it asserts, although the code after
// the assertion handles it and asks for more bytes (error::need_more), which is right. A server
// whose response arrives a few bytes at a time (the http_response fuzzer found it, with one-byte
// reads) would abort a servebench or a C++ server built with assertions; Release builds never
// evaluate it. Upstream corrected the assertion (boostorg/beast pull request 2861, 2024: at least
// 3 bytes, or 5 when a CRLF is still expected). That assertion alone is let through; every other
// assertion aborts.

#include "boost_assert/boost_assert_handler.h"

#include <boost/assert.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

bool EndsWith(const char* text, const char* suffix) {
  const size_t n = std::strlen(text), m = std::strlen(suffix);
  return n >= m && std::strcmp(text + n - m, suffix) == 0;
}

// The one assertion that Boost.Beast 1.74 gets wrong (see above).
bool IsBeastFinalChunkAssertion(const char* expr, const char* function, const char* file) {
  return std::strcmp(expr, "n >= 5") == 0 && std::strstr(function, "parse_chunk_header") &&
         EndsWith(file, "beast/http/impl/basic_parser.ipp");
}

[[noreturn]] void Fail(const char* expr, const char* msg, const char* function, const char* file,
                       long line) {
  std::fprintf(stderr, "%s:%ld: %s: Assertion '%s' failed%s%s\n", file, line, function, expr,
               msg != nullptr ? ": " : "", msg != nullptr ? msg : "");
  std::abort();
}

}  // namespace

namespace boost {

void assertion_failed(const char* expr, const char* function, const char* file, long line) {
  if (IsBeastFinalChunkAssertion(expr, function, file)) return;
  Fail(expr, nullptr, function, file, line);
}

void assertion_failed_msg(const char* expr, const char* msg, const char* function, const char* file,
                          long line) {
  Fail(expr, msg, function, file, line);
}

}  // namespace boost
