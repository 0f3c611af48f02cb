// Copyright servebench authors.
//
// KServe v2 / Open Inference Protocol over REST with JSON tensors. The request's shape and types
// come from the model's metadata (GET /v2/models/{m}); its data is deterministic so that every
// server, configuration and run is sent the same bytes (protocols/kserve_json.h).

#include <cstdint>
#include <nlohmann/json.hpp>

#include "servebench/core/clock.h"
#include "servebench/protocols/http_client.h"
#include "servebench/protocols/kserve_json.h"
#include "servebench/protocols/kserve_v2_response_check.h"
#include "servebench/protocols/protocol_adapter.h"

namespace servebench {

namespace {

using nlohmann::json;

// Metadata is a control-plane call; a server that cannot answer it in this time is broken.
constexpr int64_t kMetadataTimeoutNs = 30 * kNanosPerSecond;

class KServeV2RestAdapter : public ProtocolAdapter {
 public:
  std::string name() const override { return kKServeV2Rest; }

  std::string ServerReadyPath() const override { return "/v2/health/ready"; }

  // Triton's model repository extension, which the C++ server implements too.
  bool ModelControlCalls(const std::string& model, HttpCall* unload,
                         HttpCall* load) const override {
    for (auto [call, action] : {std::pair{unload, "unload"}, std::pair{load, "load"}}) {
      call->method = "POST";
      call->path = "/v2/repository/models/" + model + "/" + action;
      call->headers = {{"Content-Type", "application/json"}};
      call->body = "{}";
    }
    return true;
  }

  std::string ModelReadyPath(const std::string& model) const override {
    return "/v2/models/" + model + "/ready";
  }

  bool BuildInferCall(const std::string& base_url, const std::string& model, int batch,
                      HttpCall* call, std::string* error) const override {
    if (batch < 1) {
      *error = "batch must be at least 1, not " + std::to_string(batch);
      return false;
    }
    std::string metadata, origin;
    if (!FetchMetadata(base_url, model, &metadata, &origin, error)) return false;
    json inputs;
    if (!KServeInputsFromMetadata(metadata, origin, model, batch, &inputs, error)) return false;
    *call = InferCall(model, std::move(inputs));
    return true;
  }

  bool BuildInferCallsWithData(const std::string& base_url, const std::string& model,
                               const TensorValues& data, int batch, std::vector<HttpCall>* calls,
                               std::string* error) const override {
    std::string metadata, origin;
    if (!FetchMetadata(base_url, model, &metadata, &origin, error)) return false;
    std::vector<json> inputs_per_request;
    if (!KServeInputsFromData(metadata, origin, model, data, batch, &inputs_per_request, error)) {
      return false;
    }
    calls->clear();
    for (json& inputs : inputs_per_request) calls->push_back(InferCall(model, std::move(inputs)));
    return true;
  }

  bool ReadOutputs(const std::string& body, std::vector<TensorValues>* outputs,
                   std::string* error) const override {
    return ReadKServeOutputs(body, outputs, error);
  }

  bool CheckInferResponse(const std::string& body, int batch, std::string* error) const override {
    return CheckKServeOutputs(body, batch, error);
  }

  std::shared_ptr<const ResponseCheck> NewResponseCheck(const std::string& reference,
                                                        const std::string& origin,
                                                        std::string* error) const override {
    return NewKServeV2ResponseCheck(reference, origin, error);
  }

 private:
  // The model's metadata document (GET /v2/models/{model}) into *metadata, and where it came
  // from into *origin, for messages.
  static bool FetchMetadata(const std::string& base_url, const std::string& model,
                            std::string* metadata, std::string* origin, std::string* error) {
    HttpReply reply;
    const std::string url = base_url + "/v2/models/" + model;
    if (!HttpFetch("GET", url, {}, "", kMetadataTimeoutNs, &reply, error)) return false;
    if (reply.status != 200) {
      *error = "GET " + url + ": HTTP " + std::to_string(reply.status) + ": " + reply.body;
      return false;
    }
    *metadata = std::move(reply.body);
    *origin = "GET " + url;
    return true;
  }

  static HttpCall InferCall(const std::string& model, json inputs) {
    HttpCall call;
    call.method = "POST";
    call.path = "/v2/models/" + model + "/infer";
    call.headers = {{"Content-Type", "application/json"}};
    call.body = json{{"inputs", std::move(inputs)}}.dump();
    return call;
  }
};

const ProtocolRegistration kRegistration(kKServeV2Rest,
                                         [] { return std::make_unique<KServeV2RestAdapter>(); });

}  // namespace

}  // namespace servebench
