// Copyright servebench authors.
//
// An HTTP/1.1 response parser that keeps only what a load generator needs (the status and
// whether the connection stays open) and discards the body as it streams past, unless asked to
// keep the body of a 2xx response for a response check. It stores no fields, so parsing a
// response allocates nothing (a kept body goes into a buffer the caller reuses).

#ifndef SERVEBENCH_LOAD_RESPONSE_PARSER_H_
#define SERVEBENCH_LOAD_RESPONSE_PARSER_H_

#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <string>

namespace servebench {

class ResponseParser final : public boost::beast::http::basic_parser<false> {
 public:
  // Large enough for any sane response header; a header that does not fit is a protocol error.
  static constexpr uint32_t kHeaderLimit = 32 * 1024;

  ResponseParser() {
    eager(true);
    header_limit(kHeaderLimit);
    // Unlimited, spelled as the largest value: Boost 1.74 compares a known Content-Length against
    // the optional limit, and "no limit" (none) compares below every length.
    body_limit(UINT64_MAX);
  }

  int status() const { return status_; }
  uint64_t body_bytes() const { return body_bytes_; }
  // Appends the body of a 2xx response to *sink as it arrives (null: none is kept). Other
  // statuses are not checked, so their bodies are dropped.
  void keep_body(std::string* sink) { sink_ = sink; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                       error_code& ec) override {
    ec = boost::beast::http::error::bad_status;  // never called for a response parser
  }
  void on_response_impl(int code, string_view, int, error_code&) override { status_ = code; }
  void on_field_impl(boost::beast::http::field, string_view, string_view, error_code&) override {}
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<uint64_t>&, error_code&) override {}
  size_t on_body_impl(string_view body, error_code&) override {
    Keep(body);
    return body.size();
  }
  void on_chunk_header_impl(uint64_t, string_view, error_code&) override {}
  size_t on_chunk_body_impl(uint64_t, string_view body, error_code&) override {
    Keep(body);
    return body.size();
  }
  void Keep(string_view body) {
    body_bytes_ += body.size();
    if (sink_ != nullptr && status_ >= 200 && status_ < 300)
      sink_->append(body.data(), body.size());
  }
  void on_finish_impl(error_code&) override {}

  int status_ = 0;
  uint64_t body_bytes_ = 0;
  std::string* sink_ = nullptr;
};

}  // namespace servebench

#endif  // SERVEBENCH_LOAD_RESPONSE_PARSER_H_
