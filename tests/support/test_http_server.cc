// Copyright servebench authors.

#include "test_http_server.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <utility>  // Boost 1.74 Asio uses std::exchange without including it

#include "servebench/core/clock.h"

namespace servebench::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// What the sessions share; touched by the server's thread, except the log, which tests read.
struct ServerState {
  int64_t next_body_index = 0;
  int64_t next_request_index = 0;
  int64_t next_connection = 0;
  mutable std::mutex log_mu;
  std::vector<TestHttpServer::LoggedRequest> log;
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const TestHttpServer::Options& options,
          std::atomic<int64_t>* requests, ServerState* state)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        options_(options),
        requests_(requests),
        state_(state),
        connection_(state->next_connection++) {}

  void Start() { Read(); }

 private:
  void Read() {
    request_ = {};
    http::async_read(socket_, buffer_, request_,
                     [self = shared_from_this()](boost::beast::error_code ec, size_t) {
                       if (!ec) self->OnRequest();
                     });
  }

  void OnRequest() {
    const int64_t arrival_ns = MonotonicNanos();
    requests_->fetch_add(1);
    if (options_.body_for && !options_.path_bodies.count(std::string(request_.target()))) {
      body_index_ = state_->next_body_index++;
    }
    const int64_t n = state_->next_request_index++;
    {
      std::lock_guard<std::mutex> lock(state_->log_mu);
      log_index_ = state_->log.size();
      state_->log.push_back({arrival_ns, 0, connection_});
    }
    const int64_t delay = options_.delay_for_request ? options_.delay_for_request(n)
                          : options_.delay_ns        ? options_.delay_ns(arrival_ns)
                                                     : 0;
    if (delay <= 0) {
      Respond();
      return;
    }
    timer_.expires_at(asio::steady_timer::time_point(std::chrono::nanoseconds(arrival_ns + delay)));
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->Respond();
    });
  }

  void Respond() {
    {
      std::lock_guard<std::mutex> lock(state_->log_mu);
      state_->log[log_index_].respond_ns = MonotonicNanos();
    }
    response_ = {};
    response_.version(11);
    response_.result(static_cast<http::status>(options_.status));
    response_.set(http::field::content_type, "text/plain");
    const auto by_path = options_.path_bodies.find(std::string(request_.target()));
    if (by_path != options_.path_bodies.end()) {
      response_.body() = by_path->second;
    } else {
      response_.body() = options_.body_for ? options_.body_for(body_index_) : options_.body;
    }
    response_.keep_alive(!options_.close_after_response && request_.keep_alive());
    response_.prepare_payload();
    http::async_write(socket_, response_,
                      [self = shared_from_this()](boost::beast::error_code ec, size_t) {
                        if (ec) return;
                        if (!self->response_.keep_alive()) {
                          boost::system::error_code ignored;
                          self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
                          return;
                        }
                        self->Read();
                      });
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  const TestHttpServer::Options& options_;
  std::atomic<int64_t>* requests_;
  ServerState* state_;
  const int64_t connection_;
  int64_t body_index_ = 0;
  size_t log_index_ = 0;
  boost::beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

}  // namespace

struct TestHttpServer::Impl {
  explicit Impl(Options o) : options(std::move(o)), acceptor(io) {}

  void Accept(std::atomic<int64_t>* requests) {
    acceptor.async_accept([this, requests](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      socket.set_option(tcp::no_delay(true));
      std::make_shared<Session>(std::move(socket), options, requests, &state)->Start();
      Accept(requests);
    });
  }

  Options options;
  ServerState state;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::thread thread;
};

TestHttpServer::TestHttpServer(Options options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen(asio::socket_base::max_listen_connections);
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->Accept(&requests_);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

TestHttpServer::~TestHttpServer() {
  impl_->io.stop();
  impl_->thread.join();
}

std::string TestHttpServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<TestHttpServer::LoggedRequest> TestHttpServer::request_log() const {
  std::lock_guard<std::mutex> lock(impl_->state.log_mu);
  return impl_->state.log;
}

std::function<int64_t(int64_t)> TestHttpServer::OneWorker(int64_t service_ns) {
  auto busy_until = std::make_shared<int64_t>(0);
  return [busy_until, service_ns](int64_t arrival_ns) {
    *busy_until = std::max(*busy_until, arrival_ns) + service_ns;
    return *busy_until - arrival_ns;
  };
}

uint16_t UnusedLoopbackPort() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

}  // namespace servebench::testing
