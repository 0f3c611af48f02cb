// Copyright servebench authors.
//
// TorchServe's REST APIs with servebench's handler (servers/torchserve/handler.py), which takes
// and answers KServe v2-like JSON tensors at POST /predictions/{m}.
//
// TorchServe has no model metadata endpoint and its /ping answers before any worker has loaded
// a model, so the handler answers one more request: GET /predictions/{m} (a request without a
// body; TorchServe hands the handler neither the method nor the query string) returns the
// model's KServe v2 metadata document (written into the model archive by the
// torchserve serving system from the model's config.pbtxt). It goes through TorchServe's queue
// to a worker like an inference, so it is also the model readiness check: it answers 200 only
// once a worker serves the model.
//
// The repository calls are TorchServe's management API, which listens on a port of its own (the
// plan's control_url): DELETE /models/{m}, and POST /models?url={m}.mar&synchronous=true, which
// registers the archive the plan wrote to the model store under that name, with the workers and
// batching its model-config.yaml gives. The load is sent without a JSON Content-Type: with one,
// TorchServe 0.12 reads the (empty) body as JSON and fails with a NullPointerException.

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

class TorchServeRestAdapter : public ProtocolAdapter {
 public:
  std::string name() const override { return kTorchServeRest; }

  std::string ServerReadyPath() const override { return "/ping"; }

  std::string ModelReadyPath(const std::string& model) const override {
    return "/predictions/" + model;
  }

  bool ModelControlCalls(const std::string& model, HttpCall* unload,
                         HttpCall* load) const override {
    *unload = HttpCall{"DELETE", "/models/" + model, {}, ""};
    *load = HttpCall{"POST", "/models?url=" + model + ".mar&synchronous=true", {}, ""};
    return true;
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

  // The project's handler takes and answers KServe v2's JSON tensors, so given data goes the
  // same way as in the KServe adapter.
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

  // The handler answers KServe v2's JSON outputs, so a load checks them as KServe v2's.
  std::shared_ptr<const ResponseCheck> NewResponseCheck(const std::string& reference,
                                                        const std::string& origin,
                                                        std::string* error) const override {
    return NewKServeV2ResponseCheck(reference, origin, error);
  }

 private:
  // The model's metadata, which the project's handler answers to a bodiless GET of the model's
  // predictions path (TorchServe's inference API has no metadata route of its own).
  bool FetchMetadata(const std::string& base_url, const std::string& model, std::string* metadata,
                     std::string* origin, std::string* error) const {
    HttpReply reply;
    const std::string url = base_url + ModelReadyPath(model);
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
    call.path = "/predictions/" + model;
    call.headers = {{"Content-Type", "application/json"}};
    call.body = json{{"inputs", std::move(inputs)}}.dump();
    return call;
  }
};

const ProtocolRegistration kRegistration(kTorchServeRest,
                                         [] { return std::make_unique<TorchServeRestAdapter>(); });

}  // namespace

}  // namespace servebench
