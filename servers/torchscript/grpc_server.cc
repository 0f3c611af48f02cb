#include "grpc_server.h"

#include <grpcpp/grpcpp.h>
#include <pthread.h>

#include <functional>
#include <thread>

#include "grpc_codec.h"
#include "inference.h"
#include "model_config_export.h"
#include "proto/grpc_predict_v2.grpc.pb.h"

namespace servebench::ts {

namespace {

using inference::GRPCInferenceService;
using Service = GRPCInferenceService::AsyncService;

grpc::Status ToGrpc(const Status& st) {
  grpc::StatusCode code = grpc::StatusCode::INTERNAL;
  switch (st.code()) {
    case StatusCode::kOk:
      return grpc::Status::OK;
    case StatusCode::kInvalidArgument:
      code = grpc::StatusCode::INVALID_ARGUMENT;
      break;
    case StatusCode::kNotFound:
      code = grpc::StatusCode::NOT_FOUND;
      break;
    case StatusCode::kUnavailable:
      code = grpc::StatusCode::UNAVAILABLE;
      break;
    case StatusCode::kTooLarge:
      code = grpc::StatusCode::RESOURCE_EXHAUSTED;
      break;
    case StatusCode::kInternal:
      code = grpc::StatusCode::INTERNAL;
      break;
    case StatusCode::kFailedPrecondition:
      code = grpc::StatusCode::FAILED_PRECONDITION;
      break;
  }
  return grpc::Status(code, st.message());
}

void FillDuration(const DurationStat& from, inference::StatisticDuration* to) {
  to->set_count(from.count.load());
  to->set_ns(from.ns.load());
}

void FillStatistics(const ModelVersion& v, inference::ModelStatistics* out) {
  const ModelStats& s = v.stats;
  out->set_name(v.spec.name);
  out->set_version(v.version_name);
  out->set_last_inference(static_cast<uint64_t>(s.last_inference_ms.load()));
  out->set_inference_count(s.inference_count.load());
  out->set_execution_count(s.execution_count.load());
  inference::InferStatistics* stats = out->mutable_inference_stats();
  FillDuration(s.success, stats->mutable_success());
  FillDuration(s.fail, stats->mutable_fail());
  FillDuration(s.queue, stats->mutable_queue());
  FillDuration(s.compute_input, stats->mutable_compute_input());
  FillDuration(s.compute_infer, stats->mutable_compute_infer());
  FillDuration(s.compute_output, stats->mutable_compute_output());
}

// A completion-queue tag: one outstanding operation of one call.
class Call {
 public:
  virtual ~Call() = default;
  virtual void Proceed(bool ok) = 0;
};

// One unary RPC from request to finish. `Handle` answers through Finish, now or later and from
// any thread; a new call of the same kind is armed as soon as this one arrives.
template <typename Request, typename Response>
class UnaryCall : public Call {
 public:
  using RequestMethod = void (Service::*)(grpc::ServerContext*, Request*,
                                          grpc::ServerAsyncResponseWriter<Response>*,
                                          grpc::CompletionQueue*, grpc::ServerCompletionQueue*,
                                          void*);
  using Handler = std::function<void(UnaryCall*)>;

  static void Arm(Service* service, grpc::ServerCompletionQueue* cq, RequestMethod method,
                  Handler handler) {
    auto* call = new UnaryCall(service, cq, method, std::move(handler));
    (service->*method)(&call->context_, &call->request_, &call->writer_, cq, cq, call);
  }

  void Proceed(bool ok) override {
    if (finished_ || !ok) {
      delete this;  // finished, or the server is shutting down before this call arrived
      return;
    }
    Arm(service_, cq_, method_, handler_);
    handler_(this);
  }

  const Request& request() const { return request_; }
  Response* response() { return &response_; }
  void Finish(const Status& status) {
    finished_ = true;
    if (status.ok()) {
      writer_.Finish(response_, grpc::Status::OK, this);
    } else {
      writer_.FinishWithError(ToGrpc(status), this);
    }
  }

 private:
  UnaryCall(Service* service, grpc::ServerCompletionQueue* cq, RequestMethod method,
            Handler handler)
      : service_(service),
        cq_(cq),
        method_(method),
        handler_(std::move(handler)),
        writer_(&context_) {}

  Service* service_;
  grpc::ServerCompletionQueue* cq_;
  RequestMethod method_;
  Handler handler_;
  grpc::ServerContext context_;
  Request request_;
  Response response_;
  grpc::ServerAsyncResponseWriter<Response> writer_;
  bool finished_ = false;
};

}  // namespace

struct GrpcServer::Impl {
  ServerState* state;
  Service service;
  std::unique_ptr<grpc::Server> server;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues;
  std::vector<std::thread> threads;

  void ArmAll(grpc::ServerCompletionQueue* cq);
  void Poll(grpc::ServerCompletionQueue* cq) {
    void* tag;
    bool ok;
    while (cq->Next(&tag, &ok)) static_cast<Call*>(tag)->Proceed(ok);
  }
};

// Loads or unloads the call's model on a thread of its own (a load takes long; the queue's
// thread must not wait for it; the repository does one load or unload at a time), then answers.
template <typename ControlCall>
void RepositoryControl(ServerState* st, ControlCall* call, bool load) {
  if (!st->explicit_model_control) {
    return call->Finish(Status(StatusCode::kFailedPrecondition,
                               "loading and unloading models needs --model-control-mode explicit"));
  }
  std::thread([st, call, load] {
    const std::string& model = call->request().model_name();
    call->Finish(load ? st->repository->Load(model) : st->repository->Unload(model));
  }).detach();
}

void GrpcServer::Impl::ArmAll(grpc::ServerCompletionQueue* cq) {
  ServerState* st = state;
  using namespace inference;

  UnaryCall<ServerLiveRequest, ServerLiveResponse>::Arm(&service, cq, &Service::RequestServerLive,
                                                        [](auto* call) {
                                                          call->response()->set_live(true);
                                                          call->Finish(Status::Ok());
                                                        });
  UnaryCall<ServerReadyRequest, ServerReadyResponse>::Arm(
      &service, cq, &Service::RequestServerReady, [st](auto* call) {
        call->response()->set_ready(st->ready.load());
        call->Finish(Status::Ok());
      });
  UnaryCall<ModelReadyRequest, ModelReadyResponse>::Arm(
      &service, cq, &Service::RequestModelReady, [st](auto* call) {
        std::shared_ptr<ModelVersion> model;
        Status s = st->repository->Find(call->request().name(), call->request().version(), &model);
        // An unknown model is not ready rather than an error, as Triton answers (a Triton
        // client's is_model_ready returns False; REST keeps 404 apart from 400).
        call->response()->set_ready(s.ok());
        call->Finish(Status::Ok());
      });
  UnaryCall<RepositoryModelLoadRequest, RepositoryModelLoadResponse>::Arm(
      &service, cq, &Service::RequestRepositoryModelLoad,
      [st](auto* call) { RepositoryControl(st, call, /*load=*/true); });
  UnaryCall<RepositoryModelUnloadRequest, RepositoryModelUnloadResponse>::Arm(
      &service, cq, &Service::RequestRepositoryModelUnload,
      [st](auto* call) { RepositoryControl(st, call, /*load=*/false); });
  UnaryCall<ServerMetadataRequest, ServerMetadataResponse>::Arm(
      &service, cq, &Service::RequestServerMetadata, [](auto* call) {
        auto* r = call->response();
        r->set_name(kServerName);
        r->set_version(kServerVersion);
        for (const char* e :
             {"binary_tensor_data", "statistics", "model_repository", "model_configuration"}) {
          r->add_extensions(e);
        }
        call->Finish(Status::Ok());
      });
  UnaryCall<ModelMetadataRequest, ModelMetadataResponse>::Arm(
      &service, cq, &Service::RequestModelMetadata, [st](auto* call) {
        std::shared_ptr<ModelVersion> model;
        const auto& req = call->request();
        if (Status s = st->repository->Find(req.name(), req.version(), &model); !s.ok()) {
          return call->Finish(s);
        }
        auto* r = call->response();
        const ModelSpec& spec = model->spec;
        r->set_name(spec.name);
        r->set_platform(spec.platform);
        for (const auto& v : st->repository->Versions(req.name())) r->add_versions(v->version_name);
        auto fill = [&spec](const std::vector<TensorSpec>& tensors, auto add) {
          for (const TensorSpec& t : tensors) {
            auto* m = add();
            m->set_name(t.name);
            m->set_datatype(std::string(DataTypeName(t.type)));
            for (int64_t d : FullShape(spec, t)) m->add_shape(d);
          }
        };
        fill(spec.inputs, [r] { return r->add_inputs(); });
        fill(spec.outputs, [r] { return r->add_outputs(); });
        call->Finish(Status::Ok());
      });
  UnaryCall<ModelConfigRequest, ModelConfigResponse>::Arm(
      &service, cq, &Service::RequestModelConfig, [st](auto* call) {
        std::shared_ptr<ModelVersion> model;
        const auto& req = call->request();
        if (Status s = st->repository->Find(req.name(), req.version(), &model); !s.ok()) {
          return call->Finish(s);
        }
        ToModelConfig(model->spec, call->response()->mutable_config());
        call->Finish(Status::Ok());
      });
  UnaryCall<ModelStatisticsRequest, ModelStatisticsResponse>::Arm(
      &service, cq, &Service::RequestModelStatistics, [st](auto* call) {
        std::vector<std::shared_ptr<ModelVersion>> versions;
        const auto& req = call->request();
        if (Status s = st->repository->Select(req.name(), req.version(), &versions); !s.ok()) {
          return call->Finish(s);
        }
        for (const auto& v : versions) FillStatistics(*v, call->response()->add_model_stats());
        call->Finish(Status::Ok());
      });
  UnaryCall<ModelInferRequest,
            ModelInferResponse>::Arm(&service, cq, &Service::RequestModelInfer, [st](auto* call) {
    Clock::time_point received = Clock::now();
    const auto& req = call->request();
    std::shared_ptr<ModelVersion> model;
    if (Status s = st->repository->Find(req.model_name(), req.model_version(), &model); !s.ok()) {
      return call->Finish(s);
    }
    InferRequest infer;
    if (Status s = FromGrpcRequest(req, &infer); !s.ok()) {
      model->stats.fail.Add(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - received).count()));
      return call->Finish(s);
    }
    InferDone done = [call, name = model->spec.name, version = model->version_name, id = infer.id](
                         const Status& s, std::vector<Tensor>&& outputs, const PreparedRequest&) {
      if (!s.ok()) return call->Finish(s);
      ToGrpcResponse(name, version, id, std::move(outputs), call->response());
      call->Finish(Status::Ok());
    };
    if (Status s = SubmitInference(*model, &infer, received, std::move(done)); !s.ok()) {
      call->Finish(s);
    }
  });
}

GrpcServer::GrpcServer(ServerState* state) : impl_(std::make_unique<Impl>()) {
  impl_->state = state;
}

GrpcServer::~GrpcServer() { Shutdown(std::chrono::milliseconds(0)); }

Status GrpcServer::Start(const std::string& address, int port, int threads,
                         size_t max_message_bytes) {
  grpc::ServerBuilder builder;
  std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
  builder.AddListeningPort(host + ":" + std::to_string(port), grpc::InsecureServerCredentials(),
                           &port_);
  builder.RegisterService(&impl_->service);
  builder.SetMaxReceiveMessageSize(static_cast<int>(max_message_bytes));
  builder.SetMaxSendMessageSize(-1);
  for (int i = 0; i < threads; ++i) impl_->queues.push_back(builder.AddCompletionQueue());
  impl_->server = builder.BuildAndStart();
  if (!impl_->server || port_ == 0) {
    impl_->queues.clear();
    impl_->server.reset();
    return Status::Unavailable("cannot listen for gRPC on " + address + ":" + std::to_string(port));
  }
  for (auto& cq : impl_->queues) {
    impl_->ArmAll(cq.get());
    impl_->threads.emplace_back([this, q = cq.get()] {
      pthread_setname_np(pthread_self(), "grpc-cq");
      impl_->Poll(q);
    });
  }
  return Status::Ok();
}

void GrpcServer::Shutdown(std::chrono::milliseconds deadline) {
  if (!impl_->server) return;
  impl_->server->Shutdown(std::chrono::system_clock::now() + deadline);
  for (auto& cq : impl_->queues) cq->Shutdown();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->queues.clear();
  impl_->server.reset();
}

}  // namespace servebench::ts
