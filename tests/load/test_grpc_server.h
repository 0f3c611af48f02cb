// Copyright servebench authors.
//
// A gRPC server for tests of the gRPC load engine, on 127.0.0.1 and a free port: it accepts
// any method (a generic service), and answers every call after a fixed delay (a timer, so
// concurrent calls do not queue) with a status and a response that the test chooses. Its
// known delay and statuses are the truth the engine's measurements are checked against.

#ifndef SERVEBENCH_TESTS_LOAD_TEST_GRPC_SERVER_H_
#define SERVEBENCH_TESTS_LOAD_TEST_GRPC_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace servebench::testing {

class TestGrpcServer {
 public:
  struct Options {
    int64_t delay_ns = 0;  // before answering each call
    int status_code = 0;   // gRPC status of every answer (0: OK)
    // The response message's bytes for call n = 0, 1, ... (in arrival order), given the method
    // and the request's bytes; the default answers "ok".
    std::function<std::string(const std::string& method, const std::string& request, int64_t n)>
        respond;
  };

  explicit TestGrpcServer(Options options);
  ~TestGrpcServer();  // Stop()

  // Shuts the server down now: open calls end, connections close, the port refuses.
  void Stop();

  uint16_t port() const { return port_; }
  std::string url(const std::string& method = "/test.Service/Call") const;
  int64_t calls() const { return calls_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
  std::atomic<int64_t> calls_{0};
};

}  // namespace servebench::testing

#endif  // SERVEBENCH_TESTS_LOAD_TEST_GRPC_SERVER_H_
