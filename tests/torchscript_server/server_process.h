// Test harness: runs build/servebench-torchscript on ephemeral 127.0.0.1 ports and talks to it
// over HTTP (a small Beast client) and gRPC (the generated stub).
#ifndef SERVEBENCH_TESTS_TORCHSCRIPT_SERVER_SERVER_PROCESS_H_
#define SERVEBENCH_TESTS_TORCHSCRIPT_SERVER_SERVER_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "proto/grpc_predict_v2.grpc.pb.h"

namespace servebench::ts::testing {

struct HttpResult {
  int status = 0;  // 0: no response (connection failed or closed)
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

class ServerProcess {
 public:
  // Starts the server on the test repository with `extra_args`; waits until it serves.
  explicit ServerProcess(std::vector<std::string> extra_args = {});
  ~ServerProcess();  // SIGKILL if still running

  bool started() const { return http_port_ > 0; }
  int http_port() const { return http_port_; }
  int grpc_port() const { return grpc_port_; }
  int metrics_port() const { return metrics_port_; }
  pid_t pid() const { return pid_; }

  // Sends SIGTERM and returns the exit status (-1 if it did not exit within `timeout_s`).
  int Terminate(int timeout_s = 30);
  bool Running() const;

  HttpResult Http(const std::string& method, const std::string& target,
                  const std::string& body = "",
                  const std::map<std::string, std::string>& headers = {}) const;
  HttpResult Metrics() const;
  std::unique_ptr<inference::GRPCInferenceService::Stub> GrpcStub() const;

 private:
  pid_t pid_ = -1;
  int http_port_ = 0;
  int grpc_port_ = 0;
  int metrics_port_ = 0;
  std::string dir_;
};

HttpResult HttpRequestTo(int port, const std::string& method, const std::string& target,
                         const std::string& body,
                         const std::map<std::string, std::string>& headers);

// Sends `raw` bytes as the whole request and reads one response.
HttpResult RawHttp(int port, const std::string& raw);

std::string ModelsDir();  // where make_test_models.py wrote the repository

}  // namespace servebench::ts::testing

#endif  // SERVEBENCH_TESTS_TORCHSCRIPT_SERVER_SERVER_PROCESS_H_
