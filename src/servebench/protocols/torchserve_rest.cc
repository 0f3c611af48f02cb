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

#include <memory>
#include <string>

#include "servebench/protocols/kserve_json_adapter.h"
#include "servebench/protocols/protocol_adapter.h"

namespace servebench {

namespace {

class TorchServeRestAdapter : public KServeJsonAdapter {
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

 private:
  // The handler answers a bodiless GET of the model's predictions path with the model's
  // metadata (TorchServe's inference API has no metadata route of its own).
  std::string MetadataPath(const std::string& model) const override {
    return ModelReadyPath(model);
  }
  std::string InferPath(const std::string& model) const override { return "/predictions/" + model; }
};

const ProtocolRegistration kTorchServeRestRegistration(kTorchServeRest, [] {
  return std::make_unique<TorchServeRestAdapter>();
});

}  // namespace

}  // namespace servebench
