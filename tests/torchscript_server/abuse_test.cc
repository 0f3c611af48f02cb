// servebench-torchscript under the abuse a public endpoint sees (docs/reliability.md, "C++ server
// under abuse"): slow-loris connections, a connection flood past the descriptor limit, oversized
// headers and bodies, pipelined requests, binary requests whose JSON header length exceeds the
// body, path tricks on the repository API, and loading and unloading a model while requests to
// it are in flight. In each, the server answers within its limits or closes the offending
// connection, keeps serving a well-behaved client (whose latency is measured during the abuse),
// stays up, and its memory stays bounded.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "server_process.h"

namespace servebench::ts::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// The server's resident memory, from /proc.
int64_t RssBytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      int64_t kib = 0;
      status >> kib;
      return kib * 1024;
    }
    std::string rest;
    std::getline(status, rest);
  }
  return -1;
}

// Raises this process's descriptor limit to its hard limit, so that the test (and the server it
// forks, which inherits it) can hold thousands of connections; returns the new soft limit.
rlim_t RaiseDescriptorLimit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  ::getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

// A TCP connection to 127.0.0.1:port; -1 if it cannot be made. Non-blocking sockets connect in
// the background (the server may not accept them at once).
int Connect(int port, bool nonblocking) {
  const int fd =
      ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 &&
      errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  if (!nonblocking) {
    timeval tv{10, 0};  // no test waits longer for one answer
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  return fd;
}

// Reads HTTP/1.1 responses (Content-Length framed, as the server sends them) off a blocking
// socket.
class ResponseReader {
 public:
  explicit ResponseReader(int fd) : fd_(fd) {}

  // The next response's status and body; status 0 when the connection closed or timed out first.
  int Next(std::string* body = nullptr) {
    for (;;) {
      const size_t end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        const std::string head = buffer_.substr(0, end);
        size_t length = 0;
        std::string lower = head;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        const size_t cl = lower.find("content-length:");
        if (cl != std::string::npos) length = std::stoul(head.substr(cl + 15));
        if (buffer_.size() >= end + 4 + length) {
          if (body != nullptr) *body = buffer_.substr(end + 4, length);
          buffer_.erase(0, end + 4 + length);
          return head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
        }
      }
      char chunk[65536];
      const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) return 0;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }
  // True when the server closed the connection (after any response already read).
  bool Closed() {
    char c;
    return buffer_.empty() && ::recv(fd_, &c, 1, 0) == 0;
  }

 private:
  int fd_;
  std::string buffer_;
};

bool SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

std::string InferBody(const std::string& id) {
  std::string data;
  for (int i = 0; i < 64; ++i) data += (i ? ",0.5" : "0.5");
  return R"({"id":")" + id + R"(","inputs":[{"name":"INPUT__0","datatype":"FP32","shape":[1,64],)" +
         R"("data":[)" + data + "]}]}";
}

std::string InferRequest(const std::string& model, const std::string& id) {
  const std::string body = InferBody(id);
  return "POST /v2/models/" + model + "/infer HTTP/1.1\r\nHost: x\r\nContent-Type: " +
         "application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A well-behaved client: one kept-alive connection, one inference at a time, each latency kept.
class WellBehavedClient {
 public:
  explicit WellBehavedClient(int port) : port_(port) {}
  ~WellBehavedClient() { Stop(); }

  void Start() {
    thread_ = std::thread([this] {
      int fd = Connect(port_, false);
      ResponseReader reader(fd);
      while (!stop_) {
        const Clock::time_point t0 = Clock::now();
        int status = 0;
        if (fd >= 0 && SendAll(fd, InferRequest("mlp", "w"))) status = reader.Next();
        const double seconds = Seconds(t0);
        if (status != 200) {
          ++failures_;
          ::close(fd);
          fd = Connect(port_, false);
          reader = ResponseReader(fd);
          continue;
        }
        latencies_.push_back(seconds);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      ::close(fd);
    });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int failures() const { return failures_; }
  size_t count() const { return latencies_.size(); }
  double Percentile(double p) const {
    if (latencies_.empty()) return 1e9;
    std::vector<double> sorted = latencies_;
    std::sort(sorted.begin(), sorted.end());
    const size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1));
    return sorted[rank];
  }

 private:
  int port_;
  std::atomic<bool> stop_{false};
  std::atomic<int> failures_{0};
  std::vector<double> latencies_;
  std::thread thread_;
};

// A baseline of the well-behaved client's latency with no abuse going on.
double BaselineP99(int port) {
  WellBehavedClient client(port);
  client.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  client.Stop();
  EXPECT_EQ(client.failures(), 0);
  return client.Percentile(99);
}

// The well-behaved client's p99 during abuse may rise (the abuse takes CPU on the same machine)
// but stays within this bound: what "keeps serving" means here.
void ExpectServed(const WellBehavedClient& client, double baseline_p99, const char* abuse) {
  const double p99 = client.Percentile(99);
  std::printf(
      "[ measure ] %s: well-behaved client %zu requests, p50 %.2f ms, p99 %.2f ms "
      "(baseline p99 %.2f ms), %d failed\n",
      abuse, client.count(), client.Percentile(50) * 1e3, p99 * 1e3, baseline_p99 * 1e3,
      client.failures());
  EXPECT_EQ(client.failures(), 0) << abuse;
  EXPECT_GT(client.count(), 20u) << abuse;
  EXPECT_LT(p99, std::max(0.5, 20 * baseline_p99)) << abuse;
}

TEST(TorchScriptAbuseTest, SlowLorisConnectionsAreClosedAndOthersServed) {
  const rlim_t limit = RaiseDescriptorLimit();
  ServerProcess server({"--http-idle-timeout-secs", "2"});
  ASSERT_TRUE(server.started());
  const double baseline = BaselineP99(server.http_port());
  const int64_t rss_before = RssBytes(server.pid());

  // Thousands of connections, each sending its request a byte at a time, never finishing it.
  const int count = static_cast<int>(std::min<rlim_t>(2000, (limit - 64) / 2));
  std::vector<int> loris;
  for (int i = 0; i < count; ++i) {
    const int fd = Connect(server.http_port(), true);
    ASSERT_GE(fd, 0) << "connection " << i;
    loris.push_back(fd);
  }
  const std::string request =
      "POST /v2/models/mlp/infer HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(4000, 'a');
  WellBehavedClient client(server.http_port());
  client.Start();
  std::vector<bool> closed(loris.size(), false);
  int still_open = count;
  int64_t rss_peak = rss_before;
  const Clock::time_point t0 = Clock::now();
  size_t position = 0;
  // Every 100 ms each connection sends its next byte: for 8 s, far more than the 2 s the server
  // gives a request to arrive.
  while (Seconds(t0) < 8 && still_open > 0) {
    for (size_t i = 0; i < loris.size(); ++i) {
      if (closed[i]) continue;
      char byte = request[position % request.size()];
      const ssize_t n = ::send(loris[i], &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      char c;
      const ssize_t r = ::recv(loris[i], &c, 1, MSG_DONTWAIT);
      if ((n < 0 && errno != EAGAIN && errno != ENOTCONN) || r == 0 || (r < 0 && errno != EAGAIN)) {
        closed[i] = true;
        --still_open;
      }
    }
    ++position;
    rss_peak = std::max(rss_peak, RssBytes(server.pid()));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const double all_closed_after = Seconds(t0);
  client.Stop();
  for (int fd : loris) ::close(fd);

  std::printf(
      "[ measure ] slow-loris: %d connections, all closed by the server after %.1f s; "
      "server RSS %.1f MiB before, %.1f MiB at most during\n",
      count, all_closed_after, rss_before / 1048576.0, rss_peak / 1048576.0);
  EXPECT_EQ(still_open, 0) << "connections still open after " << all_closed_after << " s";
  // Idle timeout 2 s, swept once a second; connecting thousands takes a moment on a busy machine.
  EXPECT_LT(all_closed_after, 7.0);
  ExpectServed(client, baseline, "slow-loris");
  // A connection costs the server its read buffer (16 KiB) and a session: bounded, and far below
  // this for 2000 of them.
  EXPECT_LT(rss_peak - rss_before, int64_t{256} << 20);
  EXPECT_TRUE(server.Running());
  EXPECT_EQ(server.Terminate(), 0);
}

TEST(TorchScriptAbuseTest, ConnectionFloodPastTheDescriptorLimit) {
  RaiseDescriptorLimit();
  ServerProcess server({"--http-idle-timeout-secs", "2"});
  ASSERT_TRUE(server.started());
  const double baseline = BaselineP99(server.http_port());
  const int64_t rss_before = RssBytes(server.pid());
  // The server may hold 200 connections more than it has open now; the flood is 1000.
  int open_fds = 0;
  for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(server.pid()) + "/fd")) {
    (void)e;
    ++open_fds;
  }
  rlimit original{};
  ASSERT_EQ(::prlimit(server.pid(), RLIMIT_NOFILE, nullptr, &original), 0);
  rlimit tight = original;
  tight.rlim_cur = static_cast<rlim_t>(open_fds + 200);
  WellBehavedClient client(server.http_port());
  client.Start();  // connected before the flood: its connection holds a descriptor
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(::prlimit(server.pid(), RLIMIT_NOFILE, &tight, nullptr), 0);

  std::vector<int> flood;
  for (int i = 0; i < 1000; ++i) {
    const int fd = Connect(server.http_port(), true);
    if (fd >= 0) flood.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::seconds(4));  // two idle sweeps of the accepted ones
  const int64_t rss_during = RssBytes(server.pid());
  client.Stop();
  ExpectServed(client, baseline, "connection flood");

  // The flood ends: a new client is accepted and answered as soon as descriptors are free.
  for (int fd : flood) ::close(fd);
  const Clock::time_point t0 = Clock::now();
  int status = 0;
  while (status != 200 && Seconds(t0) < 10) {
    status = server.Http("GET", "/v2/health/ready").status;
  }
  std::printf(
      "[ measure ] flood: %zu connections against a limit of %d descriptors; a new "
      "client answered %.2f s after the flood ended; server RSS %.1f -> %.1f MiB\n",
      flood.size(), open_fds + 200, Seconds(t0), rss_before / 1048576.0, rss_during / 1048576.0);
  EXPECT_EQ(status, 200);
  EXPECT_LT(rss_during - rss_before, int64_t{128} << 20);
  ASSERT_EQ(::prlimit(server.pid(), RLIMIT_NOFILE, &original, nullptr), 0);
  EXPECT_TRUE(server.Running());
  EXPECT_EQ(server.Terminate(), 0);
}

// One request on its own connection: the status of the answer (0: none), and whether the server
// closed the connection after it.
struct Answer {
  int status = 0;
  bool closed = false;
};

Answer Exchange(int port, const std::string& bytes) {
  Answer answer;
  const int fd = Connect(port, false);
  if (fd < 0) return answer;
  SendAll(fd, bytes);  // the server may answer and close before it has read everything
  ResponseReader reader(fd);
  answer.status = reader.Next();
  answer.closed = answer.status == 0 || reader.Closed();
  ::close(fd);
  return answer;
}

TEST(TorchScriptAbuseTest, OversizedHeadersAndBodiesAreRefusedWithinLimits) {
  ServerProcess server({"--max-request-bytes", "1048576"});
  ASSERT_TRUE(server.started());
  const int port = server.http_port();
  const int64_t rss_before = RssBytes(server.pid());
  // A header block beyond the server's 64 KiB limit, as one field, as many, and as a request line.
  const std::string big_field =
      "GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(100000, 'a') + "\r\n\r\n";
  std::string many = "GET /v2/health/live HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 20000; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  many += "\r\n";
  const std::string many_fields = many;
  const std::string long_target =
      "GET /v2/models/" + std::string(100000, 'm') + "/ready HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const std::string* request : {&big_field, &many_fields, &long_target}) {
    const Answer a = Exchange(port, *request);
    EXPECT_TRUE(a.status == 400 || a.status == 431 || a.status == 0) << a.status;
    EXPECT_TRUE(a.closed);
  }
  // Bodies beyond the 1 MiB limit: declared (refused from the header, never read), chunked (refused
  // once the limit is passed), and a length that does not fit in 64 bits.
  const Answer declared = Exchange(port,
                                   "POST /v2/models/mlp/infer HTTP/1.1\r\nHost: x\r\n"
                                   "Content-Length: 1073741824\r\n\r\n" +
                                       std::string(65536, 'x'));
  EXPECT_EQ(declared.status, 413);
  EXPECT_TRUE(declared.closed);
  std::string chunked =
      "POST /v2/models/mlp/infer HTTP/1.1\r\nHost: x\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) chunked += "10000\r\n" + std::string(65536, 'x') + "\r\n";
  const Answer streamed = Exchange(port, chunked);
  EXPECT_EQ(streamed.status, 413);
  EXPECT_TRUE(streamed.closed);
  const Answer overflow = Exchange(port,
                                   "POST /v2/models/mlp/infer HTTP/1.1\r\nHost: x\r\n"
                                   "Content-Length: 99999999999999999999999\r\n\r\n");
  EXPECT_EQ(overflow.status, 400);
  const Answer conflicting = Exchange(port,
                                      "POST /v2/models/mlp/infer HTTP/1.1\r\nHost: x\r\n"
                                      "Content-Length: 5\r\nContent-Length: 7\r\n\r\n1234567");
  EXPECT_EQ(conflicting.status, 400);
  // Many of them in parallel: memory stays bounded (nothing beyond the limits is buffered).
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        Exchange(port, chunked);
        Exchange(port, big_field);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const int64_t rss_after = RssBytes(server.pid());
  std::printf("[ measure ] oversized: server RSS %.1f MiB before, %.1f MiB after 80 more\n",
              rss_before / 1048576.0, rss_after / 1048576.0);
  EXPECT_LT(rss_after - rss_before, int64_t{128} << 20);
  EXPECT_EQ(server.Http("POST", "/v2/models/mlp/infer", InferBody("after")).status, 200);
  EXPECT_TRUE(server.Running());
  EXPECT_EQ(server.Terminate(), 0);
}

std::string Id(int i) {
  std::string id = std::to_string(i);
  id.insert(0, 1, 'r');  // not "r" + ...: GCC 12 warns falsely (-Wrestrict) on that
  return id;
}

TEST(TorchScriptAbuseTest, PipelinedRequestsAreAnsweredInOrder) {
  ServerProcess server;
  ASSERT_TRUE(server.started());
  // 64 requests in one write: inferences with their own ids between health checks.
  std::string pipeline;
  for (int i = 0; i < 32; ++i) {
    pipeline += InferRequest("mlp", Id(i));
    pipeline += "GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n";
  }
  const int fd = Connect(server.http_port(), false);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, pipeline));
  ResponseReader reader(fd);
  for (int i = 0; i < 32; ++i) {
    std::string body;
    ASSERT_EQ(reader.Next(&body), 200) << "inference " << i;
    const json j = json::parse(body, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << body;
    EXPECT_EQ(j.value("id", ""), Id(i));
    ASSERT_EQ(reader.Next(&body), 200) << "health check " << i;
  }
  // A malformed request in a pipeline: the ones before it are answered, it gets 400, and the
  // connection closes (what follows it cannot be framed).
  const std::string broken =
      InferRequest("mlp", "a") + "NOT HTTP AT ALL\r\n\r\n" + InferRequest("mlp", "b");
  ASSERT_TRUE(SendAll(fd, broken));
  std::string body;
  EXPECT_EQ(reader.Next(&body), 200);
  EXPECT_EQ(reader.Next(&body), 400);
  EXPECT_TRUE(reader.Closed());
  ::close(fd);
  EXPECT_TRUE(server.Running());
  EXPECT_EQ(server.Terminate(), 0);
}

TEST(TorchScriptAbuseTest, BinaryHeaderLengthBeyondTheBodyIsRefused) {
  ServerProcess server;
  ASSERT_TRUE(server.started());
  const std::string header = R"({"inputs":[{"name":"INPUT__0","datatype":"FP32","shape":[1,64],)"
                             R"("parameters":{"binary_data_size":256}}]})";
  const std::string body = header + std::string(256, '\0');
  const std::vector<std::string> lengths = {std::to_string(body.size() + 1),
                                            std::to_string(body.size() + 1000000),
                                            "4294967296",
                                            "18446744073709551615",
                                            "18446744073709551616",
                                            "-1",
                                            "0x10",
                                            ""};
  for (const std::string& length : lengths) {
    const HttpResult r = server.Http("POST", "/v2/models/mlp/infer", body,
                                     {{"Inference-Header-Content-Length", length}});
    EXPECT_EQ(r.status, 400) << "Inference-Header-Content-Length: '" << length << "': " << r.body;
  }
  // The same request with the right length is answered.
  EXPECT_EQ(server
                .Http("POST", "/v2/models/mlp/infer", body,
                      {{"Inference-Header-Content-Length", std::to_string(header.size())}})
                .status,
            200);
  EXPECT_TRUE(server.Running());
  EXPECT_EQ(server.Terminate(), 0);
}

// A repository of its own: mlp, and beside the repository (outside it) a valid model called
// "outside" that no request may load.
class TempRepository {
 public:
  TempRepository() {
    char tmpl[] = "/tmp/servebench-abuse-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    const fs::path source = fs::path(ModelsDir()) / "repository";
    fs::create_directories(root_ / "repository");
    fs::create_directory_symlink(source / "mlp", root_ / "repository" / "mlp");
    fs::create_directories(root_ / "outside" / "1");
    fs::create_symlink(source / "mlp" / "1" / "model.pt", root_ / "outside" / "1" / "model.pt");
    std::ifstream in(source / "mlp" / "config.pbtxt");
    std::string config((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t name = config.find("\"mlp\"");
    if (name != std::string::npos) config.replace(name, 5, "\"outside\"");
    std::ofstream(root_ / "outside" / "config.pbtxt") << config;
  }
  ~TempRepository() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  std::string repository() const { return (root_ / "repository").string(); }

 private:
  fs::path root_;
};

TEST(TorchScriptAbuseTest, PathTricksOnTheRepositoryApiStayInTheRepository) {
  TempRepository repo;
  ServerProcess server({"--model-repository", repo.repository(), "--model-control-mode", "explicit",
                        "--load-model", "mlp"});
  ASSERT_TRUE(server.started());
  const std::vector<std::string> names = {"..",
                                          ".",
                                          "../outside",
                                          "..%2Foutside",
                                          "%2e%2e%2foutside",
                                          "mlp/../../outside",
                                          "..\\outside",
                                          "%00",
                                          "mlp%00",
                                          "/outside",
                                          "//outside",
                                          "./mlp/../../outside",
                                          std::string(5000, 'a'),
                                          std::string(300, '.')};
  for (const std::string& name : names) {
    const std::string shown = name.size() > 40 ? name.substr(0, 40) + "..." : name;
    for (const char* action : {"load", "unload"}) {
      const int status = server.Http("POST", "/v2/repository/models/" + name + "/" + action).status;
      EXPECT_TRUE(status == 400 || status == 404) << action << " '" << shown << "': " << status;
    }
    EXPECT_NE(server.Http("GET", "/v2/models/" + name + "/ready").status, 200) << shown;
    EXPECT_NE(server.Http("GET", "/v2/models/" + name).status, 200) << shown;
    EXPECT_NE(server.Http("POST", "/v2/models/" + name + "/infer", InferBody("x")).status, 200)
        << shown;
    ASSERT_TRUE(server.Running()) << "after '" << shown << "'";
  }
  // Nothing outside the repository was loaded, and the index lists only what is in it.
  const json index = json::parse(server.Http("POST", "/v2/repository/index").body);
  ASSERT_TRUE(index.is_array());
  for (const json& e : index) EXPECT_EQ(e.value("name", ""), "mlp") << e.dump();
  EXPECT_EQ(server.Http("GET", "/v2/models/mlp/ready").status, 200);
  EXPECT_TRUE(server.Running());
  EXPECT_EQ(server.Terminate(), 0);
}

TEST(TorchScriptAbuseTest, LoadAndUnloadWhileRequestsAreInFlight) {
  ServerProcess server(
      {"--model-control-mode", "explicit", "--load-model", "slow_batched", "--load-model", "mlp"});
  ASSERT_TRUE(server.started());
  const int port = server.http_port();
  // slow_batched holds a request up to 300 ms for a batch: unloads find requests in flight.
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, not_loaded{0}, other{0};
  std::vector<std::string> others;
  std::mutex others_mu;
  std::vector<std::thread> clients;
  for (int t = 0; t < 6; ++t) {
    clients.emplace_back([&, t] {
      int i = 0;
      while (!stop) {
        const HttpResult r =
            HttpRequestTo(port, "POST", "/v2/models/slow_batched/infer",
                          InferBody(std::to_string(t) + "-" + std::to_string(i++)), {});
        if (r.status == 200) {
          ++ok;
        } else if (r.status == 404 || r.status == 400 || r.status == 503) {
          ++not_loaded;  // "not loaded": the request arrived while the model was unloaded
        } else {
          ++other;
          std::lock_guard<std::mutex> lock(others_mu);
          others.push_back(std::to_string(r.status) + " " + r.body);
        }
      }
    });
  }
  const int64_t rss_start = RssBytes(server.pid());
  int64_t rss_peak = rss_start;
  for (int cycle = 0; cycle < 15; ++cycle) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    EXPECT_EQ(server.Http("POST", "/v2/repository/models/slow_batched/unload").status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(server.Http("POST", "/v2/repository/models/slow_batched/load").status, 200);
    rss_peak = std::max(rss_peak, RssBytes(server.pid()));
  }
  stop = true;
  for (std::thread& t : clients) t.join();
  std::printf(
      "[ measure ] load/unload: 15 cycles; %d answered, %d refused while unloaded, %d "
      "other; server RSS %.1f -> at most %.1f MiB\n",
      ok.load(), not_loaded.load(), other.load(), rss_start / 1048576.0, rss_peak / 1048576.0);
  EXPECT_EQ(other.load(), 0) << (others.empty() ? "" : others.front());
  EXPECT_GT(ok.load(), 0);
  EXPECT_LT(rss_peak - rss_start, int64_t{256} << 20);
  EXPECT_EQ(server.Http("POST", "/v2/models/slow_batched/infer", InferBody("last")).status, 200);
  EXPECT_EQ(server.Http("POST", "/v2/models/mlp/infer", InferBody("mlp")).status, 200);
  EXPECT_TRUE(server.Running());
  EXPECT_EQ(server.Terminate(), 0);
}

}  // namespace
}  // namespace servebench::ts::testing
