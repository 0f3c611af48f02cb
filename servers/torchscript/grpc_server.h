// KServe v2 gRPC (inference.GRPCInferenceService) on gRPC C++'s async API: completion-queue
// threads accept calls, ModelInfer completes from the model's instance thread when the result
// is ready, so no gRPC thread waits on a model.
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_GRPC_SERVER_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_GRPC_SERVER_H_

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server_state.h"
#include "status.h"

namespace servebench::ts {

class GrpcServer {
 public:
  explicit GrpcServer(ServerState* state);
  ~GrpcServer();
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // Binds address:port (0: ephemeral) and starts `threads` completion-queue threads.
  Status Start(const std::string& address, int port, int threads, size_t max_message_bytes);
  int port() const { return port_; }

  // Stops accepting calls, lets the in-flight ones finish (up to `deadline`), joins threads.
  void Shutdown(std::chrono::milliseconds deadline);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_GRPC_SERVER_H_
