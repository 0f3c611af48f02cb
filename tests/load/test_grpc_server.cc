// Copyright servebench authors.

#include "test_grpc_server.h"

#include <grpc/support/time.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/byte_buffer.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "servebench/core/clock.h"

namespace servebench::testing {

namespace {

std::string Bytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices)
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

}  // namespace

struct TestGrpcServer::Impl {
  // One call's life: requested -> read -> (delay) -> answered -> done.
  struct Call {
    enum class Step { kRequested, kRead, kDelayed, kDone };
    grpc::GenericServerContext context;
    grpc::GenericServerAsyncReaderWriter stream{&context};
    grpc::ByteBuffer request;
    Step step = Step::kRequested;
  };

  Options options;
  grpc::AsyncGenericService service;
  std::unique_ptr<grpc::ServerCompletionQueue> cq;
  std::unique_ptr<grpc::Server> server;
  std::thread thread;
  std::atomic<int64_t>* calls = nullptr;
  std::once_flag stopped;
  // Delayed calls by the time they are due (MonotonicNanos), answered by the timer thread: a
  // condition variable wakes within tens of microseconds, where a gRPC alarm may be late by
  // a millisecond or more.
  std::mutex mu;
  std::condition_variable cv;
  std::multimap<int64_t, Call*> due;
  bool stopping = false;
  std::thread timer;

  void TimerLoop() {
    std::unique_lock<std::mutex> lock(mu);
    while (true) {
      if (stopping) {
        for (auto& [at, call] : due) {
          call->step = Call::Step::kDone;
          call->stream.Finish(grpc::Status::CANCELLED, call);
        }
        due.clear();
        return;
      }
      if (due.empty()) {
        cv.wait(lock);
        continue;
      }
      const int64_t at = due.begin()->first;
      if (MonotonicNanos() < at) {
        cv.wait_until(lock, std::chrono::steady_clock::time_point(std::chrono::nanoseconds(at)));
        continue;
      }
      Call* call = due.begin()->second;
      due.erase(due.begin());
      Answer(call);
    }
  }

  void Arm() {
    auto* call = new Call();
    service.RequestCall(&call->context, &call->stream, cq.get(), cq.get(), call);
  }

  void Answer(Call* call) {
    call->step = Call::Step::kDone;
    if (options.status_code != 0) {
      call->stream.Finish(
          grpc::Status(static_cast<grpc::StatusCode>(options.status_code), "test server status"),
          call);
      return;
    }
    const int64_t n = calls->fetch_add(1);
    const std::string body =
        options.respond ? options.respond(call->context.method(), Bytes(call->request), n) : "ok";
    grpc::Slice slice(body.data(), body.size());
    grpc::ByteBuffer response(&slice, 1);
    call->stream.WriteAndFinish(response, grpc::WriteOptions(), grpc::Status::OK, call);
  }

  void Loop() {
    void* tag;
    bool ok;
    while (cq->Next(&tag, &ok)) {
      auto* call = static_cast<Call*>(tag);
      switch (call->step) {
        case Call::Step::kRequested:
          if (!ok) {  // shutting down
            delete call;
            break;
          }
          Arm();
          call->step = Call::Step::kRead;
          call->stream.Read(&call->request, call);
          break;
        case Call::Step::kRead:
          if (!ok) {
            delete call;
            break;
          }
          if (options.delay_ns > 0) {
            call->step = Call::Step::kDelayed;
            std::lock_guard<std::mutex> lock(mu);
            due.emplace(MonotonicNanos() + options.delay_ns, call);
            cv.notify_one();
          } else {
            Answer(call);
          }
          break;
        case Call::Step::kDelayed:  // the timer thread answers it; no event comes meanwhile
          break;
        case Call::Step::kDone:
          delete call;
          break;
      }
    }
  }
};

TestGrpcServer::TestGrpcServer(Options options) : impl_(new Impl) {
  impl_->options = std::move(options);
  impl_->calls = &calls_;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterAsyncGenericService(&impl_->service);
  impl_->cq = builder.AddCompletionQueue();
  impl_->server = builder.BuildAndStart();
  port_ = static_cast<uint16_t>(port);
  impl_->Arm();
  impl_->thread = std::thread([this] { impl_->Loop(); });
  impl_->timer = std::thread([this] { impl_->TimerLoop(); });
}

TestGrpcServer::~TestGrpcServer() { Stop(); }

void TestGrpcServer::Stop() {
  std::call_once(impl_->stopped, [this] {
    // Open calls are cancelled; the delayed ones still get their (cancelled) answer before the
    // queue shuts down, since no operation may start on a queue that has.
    impl_->server->Shutdown(
        gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(100, GPR_TIMESPAN)));
    {
      std::lock_guard<std::mutex> lock(impl_->mu);
      impl_->stopping = true;
      impl_->cv.notify_one();
    }
    impl_->timer.join();
    impl_->cq->Shutdown();
    impl_->thread.join();
  });
}

std::string TestGrpcServer::url(const std::string& method) const {
  return "grpc://127.0.0.1:" + std::to_string(port_) + method;
}

}  // namespace servebench::testing
