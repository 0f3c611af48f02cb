// Copyright servebench authors.
//
// A KServe v2 REST server that fails on purpose, for the fault tests (docs/reliability.md). It
// takes the command line servebench gives kind `torchscript` (--http-address, --http-port,
// --load-model; the other flags are read and ignored), so that a config's `binary:` runs it, and
// answers readiness, model readiness, metadata and the first few inferences correctly (the
// cell's first inference and its probes must pass before any load), then fails every inference
// after those in the way its mode says.
//
// The mode is the part after "fault-" of the name it is started under (a test links
// fault-hang, fault-garbage, ... to this program), or --fault MODE:
//   ok                  every inference answered correctly
//   hang                reads the request, never answers, keeps the connection open
//   close_mid_response  sends half of the response head, then closes
//   truncated_body      sends the head and half the body Content-Length announces, then closes
//   short_length        announces a Content-Length 10 bytes short of the body it sends
//   garbage             answers with bytes that are not HTTP
//   status_500          answers 500 Internal Server Error
//   wrong_body          answers 200 with a body that is not the model's answer
//   die_mid_level       answers correctly for 400 ms of load, then SIGKILLs itself; once per
//                       $FAULT_STATE_DIR (a marker file there), so a fresh server serves
//   never_ready         answers 503 to readiness forever, logging that it is still loading
//   port_taken          its port is in use (it holds it itself, as another program would), so
//                       it cannot listen and exits 1 saying why
//   fork_child          serves correctly and starts a child in its group that outlives it
//                       unless the group is killed (its pid in $FAULT_STATE_DIR/child.pid)
// It writes its pid, its mode and its arguments (one a line, exactly as received) to stdout,
// which is servebench's server log.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

namespace {

constexpr int kHealthyInferences = 4;  // the cell's first inference and its three probes
constexpr int kDieAfterMs = 400;

std::string g_mode = "ok";
std::string g_model = "mlp";
std::string g_state_dir;
std::atomic<int> g_inferences{0};
std::atomic<int64_t> g_first_faulty_ms{-1};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

std::string Response(int status, const std::string& reason, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

std::string InferBody() {
  return "{\"model_name\":\"" + g_model +
         "\",\"model_version\":\"1\",\"outputs\":[{\"name\":\"OUTPUT__0\",\"datatype\":\"FP32\","
         "\"shape\":[1,10],\"data\":[-3.4217851,1.2039485,0.0045128,-0.8823401,7.912344,"
         "-2.1000733,0.33812097,-5.6649127,2.4471338,-1.0923378]}]}";
}

std::string MetadataBody() {
  return "{\"name\":\"" + g_model +
         "\",\"versions\":[\"1\"],\"platform\":\"pytorch_libtorch\",\"inputs\":[{\"name\":"
         "\"INPUT__0\",\"datatype\":\"FP32\",\"shape\":[-1,64]}],\"outputs\":[{\"name\":"
         "\"OUTPUT__0\",\"datatype\":\"FP32\",\"shape\":[-1,10]}]}";
}

// Reads one request (head and Content-Length body); false when the client went away.
bool ReadRequest(int fd, std::string* buffer, std::string* method, std::string* target) {
  size_t head_end;
  while ((head_end = buffer->find("\r\n\r\n")) == std::string::npos) {
    char chunk[8192];
    const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer->append(chunk, static_cast<size_t>(n));
  }
  const std::string head = buffer->substr(0, head_end);
  const size_t sp1 = head.find(' '), sp2 = head.find(' ', sp1 + 1);
  *method = head.substr(0, sp1);
  *target = head.substr(sp1 + 1, sp2 - sp1 - 1);
  size_t length = 0;
  for (const char* name : {"Content-Length:", "content-length:"}) {
    const size_t at = head.find(name);
    if (at != std::string::npos) length = std::strtoul(head.c_str() + at + 15, nullptr, 10);
  }
  const size_t total = head_end + 4 + length;
  while (buffer->size() < total) {
    char chunk[8192];
    const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer->append(chunk, static_cast<size_t>(n));
  }
  buffer->erase(0, total);
  return true;
}

// Answers one inference the mode's way; false when the connection must end here.
bool AnswerInference(int fd) {
  const int n = g_inferences.fetch_add(1);
  if (g_mode == "ok" || g_mode == "fork_child" || n < kHealthyInferences) {
    SendAll(fd, Response(200, "OK", InferBody()));
    return true;
  }
  int64_t expected = -1;
  g_first_faulty_ms.compare_exchange_strong(expected, NowMs());
  const std::string good = InferBody();
  if (g_mode == "hang") {
    char c;
    while (recv(fd, &c, 1, 0) > 0) {
    }
    return false;
  }
  if (g_mode == "close_mid_response") {
    const std::string whole = Response(200, "OK", good);
    SendAll(fd, whole.substr(0, whole.find("\r\n\r\n") / 2));
    return false;
  }
  if (g_mode == "truncated_body") {
    const std::string whole = Response(200, "OK", good);
    SendAll(fd, whole.substr(0, whole.size() - good.size() / 2));
    return false;
  }
  if (g_mode == "short_length") {
    SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(good.size() - 10) + "\r\n\r\n" + good);
    return true;
  }
  if (g_mode == "garbage") {
    // A TLS record header, zero bytes and text: what a misconfigured proxy might send.
    static constexpr char kGarbage[] =
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n";
    SendAll(fd, std::string(kGarbage, sizeof kGarbage - 1));
    return true;
  }
  if (g_mode == "status_500") {
    SendAll(fd, Response(500, "Internal Server Error", "{\"error\":\"injected fault\"}"));
    return true;
  }
  if (g_mode == "wrong_body") {
    SendAll(fd, Response(200, "OK", "{\"model_name\":\"" + g_model + "\",\"outputs\":[]}"));
    return true;
  }
  if (g_mode == "die_mid_level") {
    const std::string marker = g_state_dir + "/died";
    if (!g_state_dir.empty() && std::ifstream(marker).good()) {  // died once already
      SendAll(fd, Response(200, "OK", good));
      return true;
    }
    if (NowMs() - g_first_faulty_ms.load() >= kDieAfterMs) {
      if (!g_state_dir.empty()) std::ofstream(marker) << getpid() << "\n";
      std::printf("dying: SIGKILL to myself after %d inferences\n", n);
      std::fflush(stdout);
      kill(getpid(), SIGKILL);
    }
    SendAll(fd, Response(200, "OK", good));
    return true;
  }
  std::printf("unknown mode %s\n", g_mode.c_str());
  std::fflush(stdout);
  return false;
}

void Serve(int fd) {
  std::string buffer, method, target;
  const std::string models = "/v2/models/" + g_model;
  while (ReadRequest(fd, &buffer, &method, &target)) {
    if (target == "/v2/health/ready" || target == "/v2/health/live") {
      if (g_mode == "never_ready") {
        std::printf("still loading the model...\n");
        std::fflush(stdout);
        SendAll(fd, Response(503, "Service Unavailable", "{\"error\":\"loading\"}"));
      } else {
        SendAll(fd, Response(200, "OK", ""));
      }
    } else if (target == models + "/ready") {
      SendAll(fd, Response(200, "OK", ""));
    } else if (target == models || target == models + "/versions/1") {
      SendAll(fd, Response(200, "OK", MetadataBody()));
    } else if (method == "POST" && target == models + "/infer") {
      if (!AnswerInference(fd)) break;
    } else {
      SendAll(fd, Response(404, "Not Found", "{\"error\":\"no such path\"}"));
    }
  }
  close(fd);
}

int Listen(const std::string& address, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) {
    std::printf("bad address %s\n", address.c_str());
    std::exit(2);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 512) != 0) {
    std::printf("bind %s:%d: %s\n", address.c_str(), port, std::strerror(errno));
    std::fflush(stdout);
    std::exit(1);
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  std::string address = "127.0.0.1";
  int port = 0;
  const std::string self = argv[0];
  const std::string base = self.substr(self.find_last_of('/') + 1);
  if (base.rfind("fault-", 0) == 0) g_mode = base.substr(6);
  for (int i = 1; i + 1 < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--http-address")
      address = argv[++i];
    else if (flag == "--http-port")
      port = std::atoi(argv[++i]);
    else if (flag == "--load-model")
      g_model = argv[++i];
    else if (flag == "--fault")
      g_mode = argv[++i];
  }
  if (const char* state = std::getenv("FAULT_STATE_DIR")) g_state_dir = state;
  std::printf("fault server pid %d mode %s\n", getpid(), g_mode.c_str());
  for (int i = 0; i < argc; ++i) std::printf("argv[%d]=%s\n", i, argv[i]);
  std::fflush(stdout);
  signal(SIGPIPE, SIG_IGN);

  if (g_mode == "port_taken") {
    const int holder = Listen(address, port);  // another program, in effect
    Listen(address, port);                     // exits 1: address already in use
    close(holder);
  }
  if (g_mode == "fork_child") {
    const pid_t child = fork();
    if (child == 0) {
      while (true) pause();  // outlives the leader unless the group is killed
    }
    if (!g_state_dir.empty()) std::ofstream(g_state_dir + "/child.pid") << child << "\n";
  }
  const int listener = Listen(address, port);
  std::printf("serving: %s:%d model %s\n", address.c_str(), port, g_model.c_str());
  std::fflush(stdout);
  while (true) {
    const int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::thread(Serve, fd).detach();
  }
}
