// Copyright servebench authors.

#include "servebench/protocols/kserve_json_adapter.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <utility>

#include "servebench/core/clock.h"
#include "servebench/protocols/http_client.h"
#include "servebench/protocols/kserve_json.h"
#include "servebench/protocols/kserve_v2_response_check.h"

namespace servebench {

namespace {

using nlohmann::json;

// Metadata is a control-plane call; a server that cannot answer it in this time is broken.
constexpr int64_t kMetadataTimeoutNs = 30 * kNanosPerSecond;

}  // namespace

bool KServeJsonAdapter::BuildInferCall(const std::string& base_url, const std::string& model,
                                       int batch, HttpCall* call, std::string* error) const {
  if (batch < 1) {
    *error = "batch must be at least 1, not " + std::to_string(batch);
    return false;
  }
  std::string metadata, origin;
  if (!HttpGetDocument(base_url + MetadataPath(model), kMetadataTimeoutNs, &metadata, &origin,
                       error)) {
    return false;
  }
  json inputs;
  if (!KServeInputsFromMetadata(metadata, origin, model, batch, &inputs, error)) return false;
  *call = InferCall(model, std::move(inputs));
  return true;
}

bool KServeJsonAdapter::BuildInferCallsWithData(const std::string& base_url,
                                                const std::string& model, const TensorValues& data,
                                                int batch, std::vector<HttpCall>* calls,
                                                std::string* error) const {
  std::string metadata, origin;
  if (!HttpGetDocument(base_url + MetadataPath(model), kMetadataTimeoutNs, &metadata, &origin,
                       error)) {
    return false;
  }
  std::vector<json> inputs_per_request;
  if (!KServeInputsFromData(metadata, origin, model, data, batch, &inputs_per_request, error)) {
    return false;
  }
  calls->clear();
  for (json& inputs : inputs_per_request) calls->push_back(InferCall(model, std::move(inputs)));
  return true;
}

bool KServeJsonAdapter::ReadOutputs(const std::string& body, std::vector<TensorValues>* outputs,
                                    std::string* error) const {
  return ReadKServeOutputs(body, outputs, error);
}

bool KServeJsonAdapter::CheckInferResponse(const std::string& body, int batch,
                                           std::string* error) const {
  return CheckKServeOutputs(body, batch, error);
}

std::shared_ptr<const ResponseCheck> KServeJsonAdapter::NewResponseCheck(
    const std::string& reference, const std::string& origin, std::string* error) const {
  return NewKServeV2ResponseCheck(reference, origin, error);
}

HttpCall KServeJsonAdapter::InferCall(const std::string& model, json inputs) const {
  HttpCall call;
  call.method = "POST";
  call.path = InferPath(model);
  call.headers = {{"Content-Type", "application/json"}};
  call.body = json{{"inputs", std::move(inputs)}}.dump();
  return call;
}

}  // namespace servebench
