#include "server_process.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace servebench::ts::testing {

namespace net = boost::asio;
namespace http = boost::beast::http;

std::string ModelsDir() { return SERVEBENCH_TS_MODELS_DIR; }

ServerProcess::ServerProcess(std::vector<std::string> extra_args) {
  char tmpl[] = "/tmp/servebench-ts-test-XXXXXX";
  dir_ = mkdtemp(tmpl);
  std::string port_file = dir_ + "/ports.json";
  std::vector<std::string> args = {SERVEBENCH_TS_SERVER_BINARY,
                                   "--model-repository",
                                   ModelsDir() + "/repository",
                                   "--http-port",
                                   "0",
                                   "--grpc-port",
                                   "0",
                                   "--metrics-port",
                                   "0",
                                   "--port-file",
                                   port_file};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = fork();
  if (pid_ == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline && Running()) {
    std::ifstream in(port_file);
    if (in) {
      nlohmann::json ports = nlohmann::json::parse(in, nullptr, false);
      if (!ports.is_discarded()) {
        http_port_ = ports["http"];
        grpc_port_ = ports["grpc"];
        metrics_port_ = ports["metrics"];
        return;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && Running()) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

bool ServerProcess::Running() const {
  if (pid_ <= 0) return false;
  int status;
  return waitpid(pid_, &status, WNOHANG) == 0;
}

int ServerProcess::Terminate(int timeout_s) {
  kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

HttpResult HttpRequestTo(int port, const std::string& method, const std::string& target,
                         const std::string& body,
                         const std::map<std::string, std::string>& headers) {
  HttpResult result;
  try {
    net::io_context io;
    net::ip::tcp::socket socket(io);
    socket.connect({net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)});
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::write(socket, req);
    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1 << 30);
    http::read(socket, buffer, parser);
    auto res = parser.release();
    result.status = static_cast<int>(res.result_int());
    result.body = res.body();
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(c));
      result.headers[name] = std::string(field.value());
    }
  } catch (const std::exception&) {
    result.status = 0;
  }
  return result;
}

HttpResult RawHttp(int port, const std::string& raw) {
  HttpResult result;
  try {
    net::io_context io;
    net::ip::tcp::socket socket(io);
    socket.connect({net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)});
    net::write(socket, net::buffer(raw));
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    result.status = static_cast<int>(res.result_int());
    result.body = res.body();
  } catch (const std::exception&) {
    result.status = 0;
  }
  return result;
}

HttpResult ServerProcess::Http(const std::string& method, const std::string& target,
                               const std::string& body,
                               const std::map<std::string, std::string>& headers) const {
  return HttpRequestTo(http_port_, method, target, body, headers);
}

HttpResult ServerProcess::Metrics() const {
  return HttpRequestTo(metrics_port_, "GET", "/metrics", "", {});
}

std::unique_ptr<inference::GRPCInferenceService::Stub> ServerProcess::GrpcStub() const {
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port_),
                                     grpc::InsecureChannelCredentials());
  return inference::GRPCInferenceService::NewStub(channel);
}

}  // namespace servebench::ts::testing
