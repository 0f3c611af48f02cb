// Outcome of an operation that can fail for a reason the client must hear about. The code is
// protocol-neutral; the REST and gRPC front ends map it to their own status codes.
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_STATUS_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_STATUS_H_

#include <string>
#include <utility>

namespace servebench::ts {

enum class StatusCode {
  kOk,
  kInvalidArgument,    // bad request content: 400 / INVALID_ARGUMENT
  kNotFound,           // unknown model or version: 404 / NOT_FOUND
  kUnavailable,        // not ready, unloading or shutting down: 503 / UNAVAILABLE
  kTooLarge,           // body over the configured limit: 413 / RESOURCE_EXHAUSTED
  kInternal,           // the model failed: 500 / INTERNAL
  kFailedPrecondition  // operation not allowed in this mode: 400 / FAILED_PRECONDITION
};

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // HTTP status for the REST front end.
  int HttpStatus() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline int Status::HttpStatus() const {
  switch (code_) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kFailedPrecondition:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kTooLarge:
      return 413;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_STATUS_H_
