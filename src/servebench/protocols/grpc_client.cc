// Copyright servebench authors.

#include "servebench/protocols/grpc_client.h"

#include <grpc/support/time.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/channel_arguments.h>

#include <cctype>

#include "servebench/load/grpc_status.h"

namespace servebench {

bool GrpcFetch(const Url& url, const std::vector<std::pair<std::string, std::string>>& headers,
               const std::string& request, int64_t timeout_ns, HttpReply* reply,
               std::string* error) {
  if (url.scheme != "grpc") {
    *error = "not a grpc:// URL (host " + url.host + ")";
    return false;
  }
  const std::string host =
      url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  const std::string target = host + ":" + std::to_string(url.port);
  grpc::ChannelArguments args;
  // A new connection per call, as HttpFetch makes: nothing is shared with other channels.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(-1);
  auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(
      gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_nanos(timeout_ns, GPR_TIMESPAN)));
  for (const auto& [name, value] : headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "content-type" || lower == "host" || lower == "te") continue;
    context.AddMetadata(lower, value);
  }
  grpc::Slice slice(request.data(), request.size());
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::CompletionQueue cq;
  grpc::ByteBuffer response;
  grpc::Status status;
  auto call = stub.PrepareUnaryCall(&context, url.target, request_buffer, &cq);
  call->StartCall();
  call->Finish(&response, &status, &response);
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);  // the call always ends: at the latest at its deadline
  call.reset();
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  const int code = static_cast<int>(status.error_code());
  if (code == kGrpcDeadlineExceeded) {
    *error = "gRPC " + url.target + " at " + target + ": no answer within " +
             std::to_string(timeout_ns / 1000000) + " ms (DEADLINE_EXCEEDED)";
    return false;
  }
  reply->status = HttpStatusForGrpc(code);
  reply->body.clear();
  if (code != kGrpcOk) {
    reply->body = std::string("gRPC ") + GrpcStatusName(code) + ": " + status.error_message();
    return true;
  }
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) {
    *error = "gRPC " + url.target + " at " + target + ": unreadable response";
    return false;
  }
  for (const grpc::Slice& s : slices) {
    reply->body.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return true;
}

}  // namespace servebench
