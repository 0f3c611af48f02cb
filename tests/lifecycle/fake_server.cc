// Copyright servebench authors.
//
// A stand-in for a serving system whose behaviour the lifecycle tests know exactly: it sleeps a
// given time before it listens (the truth a cold start measurement is checked against), answers
// every HTTP request with 200 and a small KServe v2 inference response, and on request exits
// early, ignores SIGTERM, starts a child, burns a core, holds memory, or has its model become
// ready a given time after it listens.
//
// usage: lifecycle_fake_server --port P [--sleep-ms N] [--exit-status S] [--ignore-term]
//                              [--child-pid-file F] [--child-ignores-term] [--burn]
//                              [--alloc-mb N] [--model-ready-ms N]
//   --model-ready-ms N  for N ms after listening, a model's readiness (a path under /v2/models/
//                       ending in /ready) answers 400 and its inference 503, as a server that
//                       says ready before its model has loaded (TorchServe's /ping)
//   --exit-status S  after the sleep, exit with S instead of listening
//   --child-pid-file F  fork a child that waits for signals; write its pid to F

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Flags {
  int port = 0;
  int sleep_ms = 0;
  int exit_status = -1;
  bool ignore_term = false;
  std::string child_pid_file;
  bool child_ignores_term = false;
  bool burn = false;
  int alloc_mb = 0;
  int model_ready_ms = 0;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr, "lifecycle_fake_server: %s\n", why);
  std::exit(2);
}

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage((arg + " needs a value").c_str());
      return argv[++i];
    };
    if (arg == "--port") {
      f.port = std::atoi(value().c_str());
    } else if (arg == "--sleep-ms") {
      f.sleep_ms = std::atoi(value().c_str());
    } else if (arg == "--exit-status") {
      f.exit_status = std::atoi(value().c_str());
    } else if (arg == "--ignore-term") {
      f.ignore_term = true;
    } else if (arg == "--child-pid-file") {
      f.child_pid_file = value();
    } else if (arg == "--child-ignores-term") {
      f.child_ignores_term = true;
    } else if (arg == "--burn") {
      f.burn = true;
    } else if (arg == "--alloc-mb") {
      f.alloc_mb = std::atoi(value().c_str());
    } else if (arg == "--model-ready-ms") {
      f.model_ready_ms = std::atoi(value().c_str());
    } else {
      Usage(("unknown flag " + arg).c_str());
    }
  }
  return f;
}

void StartChild(const Flags& flags) {
  if (fork() != 0) return;
  // The child writes its own pid, and only once it ignores SIGTERM: a test that reads the pid
  // and stops the server at once must meet a child that already ignores it (under ASan the
  // parent's write came first often enough to fail such a test).
  if (flags.child_ignores_term) signal(SIGTERM, SIG_IGN);
  // Written to a temporary name and renamed, so that the test never reads half a pid.
  const std::string temporary = flags.child_pid_file + ".tmp";
  FILE* out = std::fopen(temporary.c_str(), "w");
  if (out == nullptr) Usage("cannot write the child pid file");
  std::fprintf(out, "%d\n", static_cast<int>(getpid()));
  std::fclose(out);
  std::rename(temporary.c_str(), flags.child_pid_file.c_str());
  while (true) pause();
}

std::string Response(const std::string& status, const std::string& body) {
  return "HTTP/1.1 " + status +
         "\r\nContent-Type: application/json\r\n"
         "Connection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

void Serve(int port, int model_ready_ms) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listener, 64) != 0) {
    std::perror("lifecycle_fake_server: bind/listen");
    std::exit(1);
  }
  std::printf("fake server: listening on %d\n", port);
  std::fflush(stdout);
  const auto model_ready_at =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(model_ready_ms);
  const std::string ok =
      Response("200 OK",
               R"({"outputs":[{"name":"OUT","shape":[1,2],"datatype":"FP32","data":[0.5,0.25]}]})");
  const std::string not_ready = Response("400 Bad Request", R"({"ready":false})");
  const std::string loading = Response("503 Service Unavailable", R"({"error":"loading"})");
  while (true) {
    const int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) continue;
    // Read the head, then as much body as Content-Length says.
    std::string request;
    char buffer[4096];
    size_t head_end = std::string::npos;
    size_t wanted = 0;
    while (true) {
      const ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n <= 0) break;
      request.append(buffer, static_cast<size_t>(n));
      if (head_end == std::string::npos) {
        head_end = request.find("\r\n\r\n");
        if (head_end == std::string::npos) continue;
        const size_t length = request.find("Content-Length:");
        const size_t lower = request.find("content-length:");
        const size_t at = length != std::string::npos ? length : lower;
        wanted =
            head_end + 4 +
            (at != std::string::npos && at < head_end ? std::atoi(request.c_str() + at + 15) : 0);
      }
      if (request.size() >= wanted) break;
    }
    const std::string* answer = &ok;
    if (std::chrono::steady_clock::now() < model_ready_at) {
      const std::string path = request.substr(0, request.find(" HTTP/"));
      const bool model_path = path.find(" /v2/models/") != std::string::npos;
      if (model_path && path.size() >= 6 && path.compare(path.size() - 6, 6, "/ready") == 0) {
        answer = &not_ready;
      } else if (model_path) {
        answer = &loading;
      }
    }
    const std::string& response = *answer;
    size_t sent = 0;
    while (sent < response.size()) {
      const ssize_t n = write(fd, response.data() + sent, response.size() - sent);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    close(fd);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  if (flags.ignore_term) signal(SIGTERM, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  if (!flags.child_pid_file.empty()) StartChild(flags);
  std::vector<char> memory;
  if (flags.alloc_mb > 0) {
    // Touched page by page, so that it is resident and not only reserved.
    memory.assign(static_cast<size_t>(flags.alloc_mb) * 1024 * 1024, 1);
  }
  if (flags.burn) {
    std::thread([] {
      volatile uint64_t spins = 0;
      while (true) spins = spins + 1;
    }).detach();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(flags.sleep_ms));
  if (flags.exit_status >= 0) {
    std::fprintf(stderr, "fake server: giving up with status %d\n", flags.exit_status);
    return flags.exit_status;
  }
  Serve(flags.port, flags.model_ready_ms);
}
