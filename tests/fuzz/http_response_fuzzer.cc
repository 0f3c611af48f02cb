// libFuzzer target: the bytes a server sends to the load engine, read the way a worker reads them
// (load/worker.cc): arriving in pieces into a fixed 64 KiB buffer, through ResponseParser with the
// body of a 2xx response kept, interim 1xx responses skipped, responses back to back on a kept-
// alive connection, the end of the connection delimiting a body; each kept body goes through the
// KServe v2 response check and the KServe output readers. Servers are untrusted input: nothing
// here may crash, leak or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "servebench/load/response_check.h"
#include "servebench/load/response_parser.h"
#include "servebench/protocols/kserve_json.h"
#include "servebench/protocols/kserve_v2_response_check.h"

namespace servebench {
namespace {

constexpr size_t kBufferBytes = 64 * 1024;  // the worker's read buffer

constexpr char kReference[] =
    R"({"model_name":"m","model_version":"1","outputs":[{"name":"OUTPUT__0","datatype":"FP32",)"
    R"("shape":[1,3],"data":[0.5,1.5,-2]},{"name":"B","datatype":"BOOL","shape":[1],)"
    R"("data":[true]}]})";

ResponseChecker* Checker() {
  static std::shared_ptr<const ResponseCheck> check = [] {
    std::string error;
    auto made = NewKServeV2ResponseCheck(kReference, "fuzz reference", &error);
    if (!made) __builtin_trap();
    return made;
  }();
  static std::unique_ptr<ResponseChecker> checker = check->NewChecker();
  return checker.get();
}

void CheckBody(std::string* body) {
  if (body->capacity() < body->size() + kResponseBodyPadding) {
    body->reserve(body->size() + kResponseBodyPadding);
  }
  std::string why;
  const bool ok = Checker()->Check(*body, nullptr);
  // Asked why, the checker must reach the same verdict.
  if (Checker()->Check(*body, &why) != ok) __builtin_trap();
  std::string error;
  CheckKServeOutputs(*body, 1, &error);
  std::vector<TensorValues> outputs;
  ReadKServeOutputs(*body, &outputs, &error);
}

}  // namespace
}  // namespace servebench

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using servebench::ResponseParser;
  if (size < 1) return 0;
  // The first byte sets how many bytes each read delivers (1..256), as a network would split them.
  const size_t piece = static_cast<size_t>(data[0]) + 1;
  const char* stream = reinterpret_cast<const char*>(data + 1);
  const size_t stream_size = size - 1;

  static std::unique_ptr<char[]> buffer(new char[servebench::kBufferBytes]);
  size_t buffered = 0;
  size_t delivered = 0;
  std::string body;
  auto parser = std::make_unique<ResponseParser>();
  parser->keep_body(&body);
  for (;;) {
    if (buffered == servebench::kBufferBytes) return 0;  // a header larger than the buffer
    if (delivered == stream_size) {
      // The connection ends: only a body delimited by it completes a response.
      if (buffered == 0 && parser->need_eof()) {
        boost::beast::error_code ec;
        parser->put_eof(ec);
        if (!ec && parser->is_done() && parser->status() >= 200 && parser->status() < 300)
          servebench::CheckBody(&body);
      }
      return 0;
    }
    size_t n = std::min({piece, stream_size - delivered, servebench::kBufferBytes - buffered});
    std::memcpy(buffer.get() + buffered, stream + delivered, n);
    delivered += n;
    buffered += n;

    size_t offset = 0;
    while (offset < buffered) {
      boost::beast::error_code ec;
      const size_t used =
          parser->put(boost::asio::buffer(buffer.get() + offset, buffered - offset), ec);
      if (used > buffered - offset) __builtin_trap();
      offset += used;
      if (ec == boost::beast::http::error::need_more) break;
      if (ec) return 0;  // a protocol error: the worker drops the connection
      if (parser->is_done()) {
        const int status = parser->status();
        if (status >= 200 && status < 300) servebench::CheckBody(&body);
        if (status >= 200 && !parser->keep_alive()) return 0;  // the worker reopens
        // The next response on this connection (or the real one after an interim 1xx).
        body.clear();
        parser = std::make_unique<ResponseParser>();
        parser->keep_body(&body);
      } else if (used == 0) {
        break;
      }
    }
    if (offset > 0) {
      std::memmove(buffer.get(), buffer.get() + offset, buffered - offset);
      buffered -= offset;
    }
  }
}
