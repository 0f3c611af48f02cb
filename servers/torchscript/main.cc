// servebench-torchscript: serves a Triton-style repository of TorchScript models over KServe v2
// REST and gRPC, with Prometheus metrics. SIGTERM (or SIGINT) stops accepting work, lets the
// requests in flight finish, and exits 0.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "grpc_server.h"
#include "http_server.h"
#include "metrics.h"
#include "model_repository.h"
#include "rest_api.h"
#include "server_options.h"
#include "server_state.h"
#include "torch_runner.h"

namespace ts = servebench::ts;

namespace {

void LoadStartupModels(const ts::ServerOptions& options, ts::ModelRepository* repository) {
  std::vector<std::string> names;
  bool all = !options.explicit_model_control ||
             std::find(options.load_models.begin(), options.load_models.end(), "*") !=
                 options.load_models.end();
  names = all ? repository->ListModelDirectories() : options.load_models;
  for (const std::string& name : names) {
    ts::Status st = repository->Load(name);
    if (st.ok()) {
      std::fprintf(stderr, "loaded model '%s'\n", name.c_str());
    } else {
      // One bad model must not keep the others from serving.
      std::fprintf(stderr, "model '%s' not loaded: %s\n", name.c_str(), st.message().c_str());
    }
  }
}

bool WritePortFile(const std::string& path, int http, int grpc, int metrics) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << "{\"http\":" << http << ",\"grpc\":" << grpc << ",\"metrics\":" << metrics << "}\n";
    if (!out) return false;
  }
  // Renamed into place so a reader never sees a half-written file.
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

int main(int argc, char** argv) {
  ts::ServerOptions options;
  bool help = false;
  if (ts::Status st = ts::ParseServerOptions(argc, argv, &options, &help); !st.ok()) {
    std::fprintf(stderr, "error: %s\n\n%s", st.message().c_str(), ts::ServerUsage().c_str());
    return 2;
  }
  if (help) {
    std::fputs(ts::ServerUsage().c_str(), stdout);
    return 0;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(options.model_repository, ec)) {
    std::fprintf(stderr, "error: --model-repository '%s' is not a directory\n",
                 options.model_repository.c_str());
    return 2;
  }

  // Every thread started from here on inherits this mask; only sigwait below sees the signals.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  ts::ModelRepository repository(options.model_repository, ts::LoadTorchScriptRunner);
  ts::ServerState state;
  state.repository = &repository;
  state.explicit_model_control = options.explicit_model_control;
  LoadStartupModels(options, &repository);

  boost::asio::io_context io(options.http_threads);
  auto work = boost::asio::make_work_guard(io);
  ts::RestApi rest(&state);
  ts::MetricsApi metrics_api(&repository);
  std::unique_ptr<ts::HttpServer> http, metrics;
  ts::GrpcServer grpc(&state);
  if (options.allow_http) {
    ts::Status st;
    http = std::make_unique<ts::HttpServer>(
        io, options.http_address, static_cast<uint16_t>(options.http_port), &rest,
        options.max_request_bytes, options.http_idle_timeout_secs, &st);
    if (!st.ok()) {
      std::fprintf(stderr, "error: HTTP: %s\n", st.message().c_str());
      return 1;
    }
    http->Start();
  }
  if (options.allow_metrics) {
    ts::Status st;
    metrics = std::make_unique<ts::HttpServer>(
        io, options.metrics_address, static_cast<uint16_t>(options.metrics_port), &metrics_api,
        1 << 16, options.http_idle_timeout_secs, &st);
    if (!st.ok()) {
      std::fprintf(stderr, "error: metrics: %s\n", st.message().c_str());
      return 1;
    }
    metrics->Start();
  }
  if (options.allow_grpc) {
    size_t max_message = std::min<size_t>(options.max_request_bytes, INT_MAX);
    if (ts::Status st =
            grpc.Start(options.grpc_address, options.grpc_port, options.grpc_threads, max_message);
        !st.ok()) {
      std::fprintf(stderr, "error: gRPC: %s\n", st.message().c_str());
      return 1;
    }
  }
  std::vector<std::thread> io_threads;
  for (int i = 0; i < options.http_threads; ++i) {
    io_threads.emplace_back([&io] {
      pthread_setname_np(pthread_self(), "http-io");  // REST and metrics connections
      io.run();
    });
  }

  int http_port = http ? http->port() : 0;
  int grpc_port = options.allow_grpc ? grpc.port() : 0;
  int metrics_port = metrics ? metrics->port() : 0;
  state.ready = true;
  std::fprintf(stderr, "serving: http %s:%d, grpc %s:%d, metrics %s:%d\n",
               options.http_address.c_str(), http_port, options.grpc_address.c_str(), grpc_port,
               options.metrics_address.c_str(), metrics_port);
  if (!options.port_file.empty() &&
      !WritePortFile(options.port_file, http_port, grpc_port, metrics_port)) {
    std::fprintf(stderr, "error: cannot write --port-file %s\n", options.port_file.c_str());
  }

  int sig = 0;
  sigwait(&signals, &sig);
  std::fprintf(stderr, "signal %d: draining\n", sig);
  state.ready = false;
  if (http) http->StopAccepting();
  if (metrics) metrics->StopAccepting();
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(options.exit_timeout_secs);
  grpc.Shutdown(std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now()));
  while (http && http->in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  work.reset();
  io.stop();
  for (auto& t : io_threads) t.join();
  repository.StopAll();
  std::fprintf(stderr, "stopped\n");
  return 0;
}
