// Copyright servebench authors.
//
// The data plane shared by the adapters whose inference requests and answers are KServe v2 JSON
// tensors (kserve-v2-rest, and torchserve-rest through servebench's handler): a request's shape
// and types come from the model's KServe v2 metadata document, its data is deterministic
// (protocols/kserve_json.h), and answers are checked as KServe v2's. A subclass says only where
// the metadata and the inference live, and the rest of its protocol (readiness, repository).

#ifndef SERVEBENCH_PROTOCOLS_KSERVE_JSON_ADAPTER_H_
#define SERVEBENCH_PROTOCOLS_KSERVE_JSON_ADAPTER_H_

#include <memory>
#include <string>
#include <vector>

#include "servebench/protocols/metadata_inputs_adapter.h"

namespace servebench {

class KServeJsonAdapter : public MetadataInputsAdapter {
 public:
  bool ReadOutputs(const std::string& body, std::vector<TensorValues>* outputs,
                   std::string* error) const override;
  bool CheckInferResponse(const std::string& body, int batch, std::string* error) const override;
  std::shared_ptr<const ResponseCheck> NewResponseCheck(const std::string& reference,
                                                        const std::string& origin,
                                                        std::string* error) const override;

 protected:
  // The path a GET of which answers the model's KServe v2 metadata document.
  virtual std::string MetadataPath(const std::string& model) const = 0;
  // The path inferences are POSTed to.
  virtual std::string InferPath(const std::string& model) const = 0;

 private:
  bool FetchMetadata(const std::string& base_url, const std::string& model, std::string* metadata,
                     std::string* origin, std::string* error) const final;
  bool MakeInferCall(const std::string& model, const std::string& metadata, nlohmann::json inputs,
                     HttpCall* call, std::string* error) const final;
};

}  // namespace servebench

#endif  // SERVEBENCH_PROTOCOLS_KSERVE_JSON_ADAPTER_H_
