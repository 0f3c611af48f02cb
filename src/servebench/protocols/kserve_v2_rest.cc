// Copyright servebench authors.
//
// KServe v2 / Open Inference Protocol over REST with JSON tensors. The request's shape and types
// come from the model's metadata (GET /v2/models/{m}); its data is deterministic so that every
// server, configuration and run is sent the same bytes (protocols/kserve_json.h).

#include <memory>
#include <string>

#include "servebench/protocols/kserve_json_adapter.h"
#include "servebench/protocols/protocol_adapter.h"

namespace servebench {

namespace {

class KServeV2RestAdapter : public KServeJsonAdapter {
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

 private:
  std::string MetadataPath(const std::string& model) const override {
    return "/v2/models/" + model;
  }
  std::string InferPath(const std::string& model) const override {
    return "/v2/models/" + model + "/infer";
  }
};

const ProtocolRegistration kKServeV2RestRegistration(kKServeV2Rest, [] {
  return std::make_unique<KServeV2RestAdapter>();
});

}  // namespace

}  // namespace servebench
