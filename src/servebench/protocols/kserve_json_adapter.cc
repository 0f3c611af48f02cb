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

using nlohmann::json;

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

bool KServeJsonAdapter::FetchMetadata(const std::string& base_url, const std::string& model,
                                      std::string* metadata, std::string* origin,
                                      std::string* error) const {
  return HttpGetDocument(base_url + MetadataPath(model), kMetadataTimeoutNs, metadata, origin,
                         error);
}

bool KServeJsonAdapter::MakeInferCall(const std::string& model, const std::string& /*metadata*/,
                                      json inputs, HttpCall* call, std::string* /*error*/) const {
  call->method = "POST";
  call->path = InferPath(model);
  call->headers = {{"Content-Type", "application/json"}};
  call->body = json{{"inputs", std::move(inputs)}}.dump();
  return true;
}

}  // namespace servebench
