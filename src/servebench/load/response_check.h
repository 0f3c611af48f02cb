// Copyright servebench authors.
//
// What makes a 2xx response a success beyond its status: a check of its body, which a wire
// protocol provides (protocols/ builds one from a correct response) and the load engine applies
// to every response of a run. A response that fails it is a validation error, not a success: it
// is neither in the throughput nor in the latency histograms. The engine knows only this
// interface, never a protocol.

#ifndef SERVEBENCH_LOAD_RESPONSE_CHECK_H_
#define SERVEBENCH_LOAD_RESPONSE_CHECK_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace servebench {

// A body handed to a ResponseChecker is followed by at least this many readable bytes, so that
// a SIMD parser may read past its end without copying it (simdjson needs 64).
inline constexpr size_t kResponseBodyPadding = 64;

// A worker's buffer for checked bodies starts this large (a small inference response fits) and
// grows to the largest body seen, once: after the first responses, keeping a body allocates
// nothing.
inline constexpr size_t kInitialCheckedBodyBytes = 4096;

// One worker thread's checker: it may keep scratch state (a parser and its buffers) between
// calls, so it is used by one thread only and should allocate nothing once warmed up.
class ResponseChecker {
 public:
  virtual ~ResponseChecker() = default;
  // True when `body` (the whole body of a 2xx response, followed by kResponseBodyPadding
  // readable bytes) is correct. When it is not and `why` is not null, says what is wrong; the
  // engine asks that only off the hot path.
  virtual bool Check(std::string_view body, std::string* why) = 0;
};

// The check itself, shared by a run's threads: immutable, and hands each thread its own
// checker, which may refer to the check: the check must outlive its checkers.
class ResponseCheck {
 public:
  virtual ~ResponseCheck() = default;
  virtual std::unique_ptr<ResponseChecker> NewChecker() const = 0;
  // One line for a summary, e.g. "KServe v2 outputs as in ref.json".
  virtual std::string Describe() const = 0;
};

// The usual check: what a correct response holds (`Expected`, e.g. its outputs' names and
// shapes), kept once, and one `Checker` per thread made from a reference to it.
template <typename Checker, typename Expected>
class ExpectedResponseCheck final : public ResponseCheck {
 public:
  ExpectedResponseCheck(Expected expected, std::string description)
      : expected_(std::move(expected)), description_(std::move(description)) {}
  std::unique_ptr<ResponseChecker> NewChecker() const override {
    return std::make_unique<Checker>(expected_);
  }
  std::string Describe() const override { return description_; }

 private:
  const Expected expected_;
  const std::string description_;
};

}  // namespace servebench

#endif  // SERVEBENCH_LOAD_RESPONSE_CHECK_H_
