// Copyright servebench authors.
//
// The request side that most adapters share: a request's inputs are made from the model's
// metadata, read as a KServe v2 metadata document (protocols/kserve_json.h: deterministic data,
// or given data in runs of at most `batch` samples), and then wrapped in the protocol's own
// request. A subclass says how it gets that document (its server's metadata call, translated
// where the server speaks another API) and how it wraps one request's inputs.

#ifndef SERVEBENCH_PROTOCOLS_METADATA_INPUTS_ADAPTER_H_
#define SERVEBENCH_PROTOCOLS_METADATA_INPUTS_ADAPTER_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "servebench/protocols/protocol_adapter.h"

namespace servebench {

class MetadataInputsAdapter : public ProtocolAdapter {
 public:
  bool BuildInferCall(const std::string& base_url, const std::string& model, int batch,
                      HttpCall* call, std::string* error) const final;
  bool BuildInferCallsWithData(const std::string& base_url, const std::string& model,
                               const TensorValues& data, int batch, std::vector<HttpCall>* calls,
                               std::string* error) const final;

 protected:
  // The model's metadata as the text of a KServe v2 metadata document into *metadata, and where
  // it came from into *origin (for messages); explains a failure in *error.
  virtual bool FetchMetadata(const std::string& base_url, const std::string& model,
                             std::string* metadata, std::string* origin,
                             std::string* error) const = 0;
  // The request that sends `inputs` (a KServe v2 "inputs" array made from `metadata`) to `model`.
  virtual bool MakeInferCall(const std::string& model, const std::string& metadata,
                             nlohmann::json inputs, HttpCall* call, std::string* error) const = 0;
};

}  // namespace servebench

#endif  // SERVEBENCH_PROTOCOLS_METADATA_INPUTS_ADAPTER_H_
