// Command-line options, named after tritonserver's where they mean the same, so that users'
// scripts carry over.
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_SERVER_OPTIONS_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_SERVER_OPTIONS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "status.h"

namespace servebench::ts {

struct ServerOptions {
  std::string model_repository;
  std::string http_address = "127.0.0.1";
  std::string grpc_address = "127.0.0.1";
  std::string metrics_address = "127.0.0.1";
  int http_port = 8000;  // 0: an ephemeral port, reported through --port-file
  int grpc_port = 8001;
  int metrics_port = 8002;
  bool allow_http = true;
  bool allow_grpc = true;
  bool allow_metrics = true;
  int http_threads = 1;
  int grpc_threads = 1;
  bool explicit_model_control = false;   // --model-control-mode explicit
  std::vector<std::string> load_models;  // --load-model, repeatable; "*" loads all
  size_t max_request_bytes = size_t{64} << 20;
  int exit_timeout_secs = 30;
  // A connection that has not completed a request, or a response write, for this long is
  // closed (0: never). Requests running in a model are never timed out.
  int http_idle_timeout_secs = 60;
  std::string port_file;  // JSON {"http":..,"grpc":..,"metrics":..} written once serving
};

// Accepts "--flag value" and "--flag=value". *help is set for --help.
Status ParseServerOptions(int argc, char** argv, ServerOptions* options, bool* help);

std::string ServerUsage();

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_SERVER_OPTIONS_H_
