// Copyright servebench authors.

#include "servebench/protocols/metadata_inputs_adapter.h"

#include <utility>

#include "servebench/protocols/kserve_json.h"

namespace servebench {

using nlohmann::json;

bool MetadataInputsAdapter::BuildInferCall(const std::string& base_url, const std::string& model,
                                           int batch, HttpCall* call, std::string* error) const {
  if (batch < 1) {
    *error = "batch must be at least 1, not " + std::to_string(batch);
    return false;
  }
  std::string metadata, origin;
  if (!FetchMetadata(base_url, model, &metadata, &origin, error)) return false;
  json inputs;
  if (!KServeInputsFromMetadata(metadata, origin, model, batch, &inputs, error)) return false;
  return MakeInferCall(model, metadata, std::move(inputs), call, error);
}

bool MetadataInputsAdapter::BuildInferCallsWithData(const std::string& base_url,
                                                    const std::string& model,
                                                    const TensorValues& data, int batch,
                                                    std::vector<HttpCall>* calls,
                                                    std::string* error) const {
  std::string metadata, origin;
  if (!FetchMetadata(base_url, model, &metadata, &origin, error)) return false;
  std::vector<json> inputs_per_request;
  if (!KServeInputsFromData(metadata, origin, model, data, batch, &inputs_per_request, error)) {
    return false;
  }
  calls->clear();
  for (json& inputs : inputs_per_request) {
    HttpCall call;
    if (!MakeInferCall(model, metadata, std::move(inputs), &call, error)) return false;
    calls->push_back(std::move(call));
  }
  return true;
}

}  // namespace servebench
