// Copyright servebench authors.

#include "servebench/cli/model_request.h"

#include <nlohmann/json.hpp>

#include "servebench/core/file.h"
#include "servebench/protocols/http_client.h"
#include "servebench/protocols/kserve_grpc_tensors.h"
#include "servebench/protocols/protocol_adapter.h"

namespace servebench {

namespace {

// The request that carries the file's inputs, in the protocol's form.
bool CallFromFile(const std::string& protocol, const std::string& model, const std::string& path,
                  HttpCall* call, std::string* error) {
  std::string text;
  if (!ReadWholeFile(path, &text, error)) {
    *error = "--input-data: " + *error;
    return false;
  }
  const nlohmann::json request = nlohmann::json::parse(text, nullptr, false);
  if (!request.is_object() || !request.contains("inputs") || !request["inputs"].is_array()) {
    *error = "--input-data " + path +
             ": expected a KServe v2 JSON inference request, {\"inputs\": [{\"name\", \"shape\", "
             "\"datatype\", \"data\"}, ...]}";
    return false;
  }
  call->method = "POST";
  if (protocol == kKServeV2Grpc) {
    call->path = kGrpcModelInfer;
    if (!EncodeGrpcInferRequest(model, request["inputs"], &call->body, error)) {
      *error = "--input-data " + path + ": " + *error;
      return false;
    }
  } else {
    call->path = "/v2/models/" + model + "/infer";
    call->headers = {{"Content-Type", "application/json"}};
    call->body = nlohmann::json{{"inputs", request["inputs"]}}.dump();
  }
  return true;
}

}  // namespace

bool BuildModelRequest(const std::string& base_url, const ModelRequestOptions& options,
                       LoadSettings* s, std::string* error) {
  const bool grpc_url = base_url.rfind("grpc://", 0) == 0;
  const std::string protocol = !options.protocol.empty() ? options.protocol
                               : grpc_url                ? kKServeV2Grpc
                                                         : kKServeV2Rest;
  std::unique_ptr<ProtocolAdapter> adapter = NewProtocolAdapter(protocol, "", error);
  if (adapter == nullptr) {
    std::string names;
    for (const std::string& name : ProtocolNames()) names += (names.empty() ? "" : ", ") + name;
    *error = "--protocol: " + *error + " (protocols: " + names + ")";
    return false;
  }
  // The gRPC protocols' calls are gRPC methods; the others' HTTP paths.
  const bool grpc_protocol = protocol == kKServeV2Grpc || protocol == kTfServingGrpc;
  if (grpc_protocol != grpc_url) {
    *error = "--protocol " + protocol + " speaks to " + (grpc_protocol ? "grpc://" : "http://") +
             " URLs, not " + base_url;
    return false;
  }
  if (!options.input_data_path.empty() && protocol != kKServeV2Grpc && protocol != kKServeV2Rest) {
    *error = "--input-data holds a KServe v2 request: it goes over kserve-v2-rest or grpc, not " +
             protocol;
    return false;
  }
  HttpCall call;
  if (options.input_data_path.empty()) {
    if (!adapter->BuildInferCall(base_url, options.model, options.batch, &call, error)) {
      return false;
    }
  } else if (!CallFromFile(protocol, options.model, options.input_data_path, &call, error)) {
    return false;
  }
  HttpReply reply;
  if (!HttpFetch(call.method, base_url + call.path, call.headers, call.body, options.timeout_ns,
                 &reply, error)) {
    *error = "the first inference of model '" + options.model + "' failed: " + *error;
    return false;
  }
  if (reply.status != 200) {
    *error = "the first inference of model '" + options.model + "' answered " +
             std::to_string(reply.status) + ": " + reply.body.substr(0, 300);
    return false;
  }
  // A file's batch is its own: the check takes the first dimension as it comes.
  const int batch = options.input_data_path.empty() ? options.batch : 0;
  if (batch > 0 && !adapter->CheckInferResponse(reply.body, batch, error)) {
    *error = "the first inference's response is wrong: " + *error;
    return false;
  }
  s->response_check =
      adapter->NewResponseCheck(reply.body, "the first inference's response", error);
  if (!s->response_check) return false;
  if (!ParseUrl(base_url + call.path, &s->url, error)) return false;
  s->method = call.method;
  s->headers = call.headers;
  s->body = call.body;
  return true;
}

}  // namespace servebench
