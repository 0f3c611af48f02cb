// A closed-loop KServe v2 gRPC load generator for the TorchScript server's bench: N
// ModelInfer calls outstanding on one channel per 8 calls, one completion-queue thread, for a
// fixed duration; prints completed calls per second. wrk cannot speak gRPC, and the project's
// own load generator has no gRPC adapter yet.
//
// usage: torchscript_grpc_load HOST:PORT MODEL CONCURRENCY SECONDS
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "proto/grpc_predict_v2.grpc.pb.h"

namespace {

struct Call {
  grpc::ClientContext context;
  inference::ModelInferResponse response;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<inference::ModelInferResponse>> reader;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s HOST:PORT MODEL CONCURRENCY SECONDS\n", argv[0]);
    return 2;
  }
  const std::string target = argv[1];
  const std::string model = argv[2];
  const int concurrency = std::atoi(argv[3]);
  const int seconds = std::atoi(argv[4]);
  if (concurrency < 1 || seconds < 1) return 2;

  inference::ModelInferRequest request;
  request.set_model_name(model);
  auto* in = request.add_inputs();
  in->set_name("INPUT__0");
  in->set_datatype("FP32");
  in->add_shape(1);
  in->add_shape(64);
  std::vector<float> data(64);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  for (float& v : data) v = normal(rng);
  request.add_raw_input_contents(
      std::string(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(float)));

  std::vector<std::unique_ptr<inference::GRPCInferenceService::Stub>> stubs;
  for (int i = 0; i < (concurrency + 7) / 8; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.use_local_subchannel_pool", 1);  // a connection per channel
    stubs.push_back(inference::GRPCInferenceService::NewStub(
        grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args)));
  }
  grpc::CompletionQueue cq;
  auto start_call = [&](int slot) {
    auto* call = new Call;
    call->reader =
        stubs[static_cast<size_t>(slot / 8)]->AsyncModelInfer(&call->context, request, &cq);
    call->reader->Finish(&call->response, &call->status, call);
  };
  using Clock = std::chrono::steady_clock;
  const auto warmup_end = Clock::now() + std::chrono::seconds(1);
  const auto end = warmup_end + std::chrono::seconds(seconds);
  for (int i = 0; i < concurrency; ++i) start_call(i);
  long ok = 0, failed = 0, outstanding = concurrency;
  int slot = 0;
  void* tag;
  bool got;
  while (outstanding > 0 && cq.Next(&tag, &got)) {
    auto* call = static_cast<Call*>(tag);
    Clock::time_point now = Clock::now();
    if (now >= warmup_end && now < end) (call->status.ok() ? ok : failed)++;
    if (!call->status.ok() && failed == 1) {
      std::fprintf(stderr, "error: %s\n", call->status.error_message().c_str());
    }
    delete call;
    --outstanding;
    if (now < end) {
      start_call(slot++ % concurrency);
      ++outstanding;
    }
  }
  std::printf("grpc %s concurrency %d: %.0f inferences/s over %d s (%ld ok, %ld failed)\n",
              model.c_str(), concurrency, static_cast<double>(ok) / seconds, seconds, ok, failed);
  return failed == 0 ? 0 : 1;
}
