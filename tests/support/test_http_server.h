// Copyright servebench authors.
//
// A real HTTP/1.1 server for tests, on a loopback port of its own, whose response time the test
// controls: each request is answered after a delay the test's function chooses, on a timer, so
// one thread serves any number of slow requests at once. The known delay is the truth the load
// engine's measurements are checked against.

#ifndef SERVEBENCH_TESTS_SUPPORT_TEST_HTTP_SERVER_H_
#define SERVEBENCH_TESTS_SUPPORT_TEST_HTTP_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace servebench::testing {

class TestHttpServer {
 public:
  struct Options {
    // Delay before answering a request that arrived at `arrival_ns` (MonotonicNanos); the
    // default answers at once.
    std::function<int64_t(int64_t arrival_ns)> delay_ns;
    // When set, the delay for the n-th request to arrive (n = 0, 1, 2, ... over all
    // connections, in arrival order) instead of delay_ns; called on the server's thread.
    std::function<int64_t(int64_t n)> delay_for_request;
    int status = 200;
    std::string body = "ok\n";
    // Close the connection after every response ("Connection: close").
    bool close_after_response = false;
    // Bodies for particular request targets (path and query, matched exactly), answered with
    // `status`; every other target gets `body`.
    std::map<std::string, std::string> path_bodies;
    // When set, the body for every target not in path_bodies instead of `body`: called on the
    // server's thread with n = 0, 1, 2, ... in the order those requests arrived, so that a test
    // can vary or corrupt chosen responses.
    std::function<std::string(int64_t n)> body_for;
  };

  // A delay_ns for a server with one worker and a fixed service time: requests are served one
  // at a time in arrival order, each taking `service_ns`, so its capacity is 1e9 / service_ns
  // requests per second and a request waits for every one that arrived before it.
  static std::function<int64_t(int64_t arrival_ns)> OneWorker(int64_t service_ns);

  explicit TestHttpServer(Options options);
  ~TestHttpServer();  // stops the server and joins its thread

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/") const;
  int64_t requests() const { return requests_.load(); }

  // Every request the server has read, in arrival order: the truth a load pattern is checked
  // against.
  struct LoggedRequest {
    int64_t arrival_ns = 0;  // MonotonicNanos when the whole request had been read
    int64_t respond_ns = 0;  // when its response started to be written; 0: not yet answered
    int64_t connection = 0;  // the connection it came on: 0, 1, 2, ... in accept order
  };
  std::vector<LoggedRequest> request_log() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
  std::atomic<int64_t> requests_{0};
};

// A port on 127.0.0.1 that nothing listens on (bound, then released).
uint16_t UnusedLoopbackPort();

}  // namespace servebench::testing

#endif  // SERVEBENCH_TESTS_SUPPORT_TEST_HTTP_SERVER_H_
