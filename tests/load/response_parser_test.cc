// ResponseParser fed the way a worker feeds it (load/worker.cc): the bytes of a response arrive in
// pieces of any size, and the unconsumed tail is offered again with the next piece. Chunked
// bodies split this way reached an assertion of Boost.Beast 1.74 that is wrong (the http_response
// fuzzer found it; src/boost_assert/boost_assert_handler.cc says why it is let through). These
// tests run in the sanitizer tree too, where assertions are live (tests/sanitize).
#include "servebench/load/response_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "boost_assert/boost_assert_handler.h"

namespace servebench {
namespace {

struct Parsed {
  bool done = false;
  int status = 0;
  std::string body;
  std::string error;
};

// Feeds `wire` in pieces of `piece` bytes as the worker does and returns what one response gave.
Parsed ParseInPieces(const std::string& wire, size_t piece) {
  Parsed out;
  ResponseParser parser;
  parser.keep_body(&out.body);
  std::string buffered;
  size_t delivered = 0;
  while (delivered < wire.size()) {
    const size_t n = std::min(piece, wire.size() - delivered);
    buffered.append(wire, delivered, n);
    delivered += n;
    size_t offset = 0;
    while (offset < buffered.size()) {
      boost::beast::error_code ec;
      offset +=
          parser.put(boost::asio::buffer(buffered.data() + offset, buffered.size() - offset), ec);
      if (ec == boost::beast::http::error::need_more) break;
      if (ec) {
        out.error = ec.message();
        return out;
      }
      if (parser.is_done()) {
        out.done = true;
        out.status = parser.status();
        return out;
      }
    }
    buffered.erase(0, offset);
  }
  return out;
}

TEST(ResponseParserTest, ChunkedBodiesParseTheSameInPiecesOfEverySize) {
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  struct Case {
    std::string chunks;
    std::string body;
  };
  const Case cases[] = {
      {"0\r\n\r\n", ""},                              // the last chunk alone: what was found
      {"5\r\nhello\r\n0\r\n\r\n", "hello"},           // a CRLF expected before the last chunk
      {"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", "abcde"},  // several chunks
      {"4;x=y\r\nwxyz\r\n0\r\nTrailer: t\r\n\r\n", "wxyz"},  // an extension and a trailer
  };
  for (const Case& c : cases) {
    for (size_t piece = 1; piece <= head.size() + c.chunks.size(); ++piece) {
      const Parsed parsed = ParseInPieces(head + c.chunks, piece);
      EXPECT_TRUE(parsed.done) << c.chunks << " in pieces of " << piece << ": " << parsed.error;
      EXPECT_EQ(parsed.status, 200);
      EXPECT_EQ(parsed.body, c.body) << c.chunks << " in pieces of " << piece;
    }
  }
}

TEST(ResponseParserTest, TheFuzzerFindingIsAProtocolErrorNotAnAbort) {
  // tests/fuzz/corpus/http_response/beast_final_chunk_in_pieces without its first byte (the
  // piece size, 1): a chunked 200 whose body ends, followed by bytes that are not a response.
  const std::string wire =
      "HTTP/1.1 200 ap\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{\"io8  179\n{\"m&&&";
  const Parsed parsed = ParseInPieces(wire, 1);
  EXPECT_TRUE(parsed.done) << parsed.error;
  EXPECT_EQ(parsed.status, 200);
  EXPECT_EQ(parsed.body, "");
}

TEST(BoostAssertHandlerTest, LetsOnlyBeastsWrongFinalChunkAssertionThrough) {
  boost::assertion_failed("n >= 5",
                          "void boost::beast::http::basic_parser<false>::parse_chunk_header(...)",
                          "/usr/include/boost/beast/http/impl/basic_parser.ipp", 688);
  EXPECT_DEATH(boost::assertion_failed("n >= 3", "parse_chunk_header",
                                       "/usr/include/boost/beast/http/impl/basic_parser.ipp", 700),
               "Assertion 'n >= 3' failed");
  EXPECT_DEATH(boost::assertion_failed("n >= 5", "f", "other.cc", 1), "Assertion 'n >= 5' failed");
  EXPECT_DEATH(boost::assertion_failed_msg("p", "why", "f", "a.cc", 2),
               "Assertion 'p' failed: why");
}

}  // namespace
}  // namespace servebench
