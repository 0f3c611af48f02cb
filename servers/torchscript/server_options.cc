#include "server_options.h"

#include <charconv>
#include <string_view>

namespace servebench::ts {

namespace {

Status ParseInt(std::string_view flag, const std::string& v, long long lo, long long hi,
                long long* out) {
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), *out);
  if (ec != std::errc() || ptr != v.data() + v.size() || *out < lo || *out > hi) {
    return Status::InvalidArgument(std::string(flag) + ": '" + v + "' is not an integer in " +
                                   std::to_string(lo) + ".." + std::to_string(hi));
  }
  return Status::Ok();
}

Status ParseBool(std::string_view flag, const std::string& v, bool* out) {
  if (v == "true" || v == "1") {
    *out = true;
  } else if (v == "false" || v == "0") {
    *out = false;
  } else {
    return Status::InvalidArgument(std::string(flag) + ": '" + v + "' is not true or false");
  }
  return Status::Ok();
}

}  // namespace

std::string ServerUsage() {
  return R"(usage: servebench-torchscript --model-repository DIR [options]

A KServe v2 (REST and gRPC) server for TorchScript models, with dynamic batching.

  --model-repository DIR       Triton-style repository: DIR/<model>/config.pbtxt, DIR/<model>/<v>/model.pt
  --http-address ADDR          default 127.0.0.1
  --http-port N                default 8000 (0: ephemeral)
  --grpc-address ADDR          default 127.0.0.1
  --grpc-port N                default 8001 (0: ephemeral)
  --metrics-address ADDR       default 127.0.0.1
  --metrics-port N             Prometheus metrics, default 8002 (0: ephemeral)
  --allow-http / --allow-grpc / --allow-metrics true|false
  --http-thread-count N        HTTP I/O threads, default 1
  --grpc-thread-count N        gRPC completion-queue threads, default 1
  --model-control-mode none|explicit
                               none: load every model at start; explicit: load only --load-model
                               ones, and allow the repository API's load and unload
  --load-model NAME            with explicit mode, repeatable; '*' loads all
  --max-request-bytes N        larger bodies get 413, default 67108864
  --exit-timeout-secs N        how long SIGTERM waits for in-flight requests, default 30
  --http-idle-timeout-secs N   close HTTP connections (REST and metrics) that sit this long
                               waiting for a request or for the client to take a response;
                               0: never; default 60. Requests being inferred never time out.
  --port-file FILE             write the bound ports as JSON once serving
)";
}

Status ParseServerOptions(int argc, char** argv, ServerOptions* o, bool* help) {
  *help = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      *help = true;
      return Status::Ok();
    }
    if (arg.rfind("--", 0) != 0)
      return Status::InvalidArgument("unexpected argument '" + arg + "'");
    std::string flag = arg;
    std::string value;
    size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else {
      if (i + 1 >= argc) return Status::InvalidArgument(flag + ": needs a value");
      value = argv[++i];
    }
    long long n = 0;
    Status st;
    if (flag == "--model-repository" || flag == "--model-store") {
      o->model_repository = value;
    } else if (flag == "--http-address") {
      o->http_address = value;
    } else if (flag == "--grpc-address") {
      o->grpc_address = value;
    } else if (flag == "--metrics-address") {
      o->metrics_address = value;
    } else if (flag == "--http-port") {
      if ((st = ParseInt(flag, value, 0, 65535, &n)).ok()) o->http_port = static_cast<int>(n);
    } else if (flag == "--grpc-port") {
      if ((st = ParseInt(flag, value, 0, 65535, &n)).ok()) o->grpc_port = static_cast<int>(n);
    } else if (flag == "--metrics-port") {
      if ((st = ParseInt(flag, value, 0, 65535, &n)).ok()) o->metrics_port = static_cast<int>(n);
    } else if (flag == "--allow-http") {
      st = ParseBool(flag, value, &o->allow_http);
    } else if (flag == "--allow-grpc") {
      st = ParseBool(flag, value, &o->allow_grpc);
    } else if (flag == "--allow-metrics") {
      st = ParseBool(flag, value, &o->allow_metrics);
    } else if (flag == "--http-thread-count") {
      if ((st = ParseInt(flag, value, 1, 256, &n)).ok()) o->http_threads = static_cast<int>(n);
    } else if (flag == "--grpc-thread-count") {
      if ((st = ParseInt(flag, value, 1, 256, &n)).ok()) o->grpc_threads = static_cast<int>(n);
    } else if (flag == "--model-control-mode") {
      if (value == "explicit") {
        o->explicit_model_control = true;
      } else if (value == "none") {
        o->explicit_model_control = false;
      } else {
        st = Status::InvalidArgument(flag + ": '" + value + "' is not none or explicit");
      }
    } else if (flag == "--load-model") {
      o->load_models.push_back(value);
    } else if (flag == "--max-request-bytes") {
      if ((st = ParseInt(flag, value, 1024, 1LL << 31, &n)).ok()) {
        o->max_request_bytes = static_cast<size_t>(n);
      }
    } else if (flag == "--exit-timeout-secs") {
      if ((st = ParseInt(flag, value, 0, 3600, &n)).ok())
        o->exit_timeout_secs = static_cast<int>(n);
    } else if (flag == "--http-idle-timeout-secs") {
      if ((st = ParseInt(flag, value, 0, 86400, &n)).ok()) {
        o->http_idle_timeout_secs = static_cast<int>(n);
      }
    } else if (flag == "--port-file") {
      o->port_file = value;
    } else {
      return Status::InvalidArgument("unknown option '" + flag + "'");
    }
    if (!st.ok()) return st;
  }
  if (o->model_repository.empty()) return Status::InvalidArgument("--model-repository is required");
  if (!o->load_models.empty() && !o->explicit_model_control) {
    return Status::InvalidArgument("--load-model needs --model-control-mode explicit");
  }
  return Status::Ok();
}

}  // namespace servebench::ts
