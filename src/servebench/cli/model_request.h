// Copyright servebench authors.
//
// `servebench load URL --model M`: the inference request for a model, made as `servebench run`
// makes it, through the KServe v2 protocol the URL's scheme names (http:// REST with JSON
// tensors, grpc:// gRPC with raw tensors) or another that --protocol names (TF Serving's):
// synthetic data shaped from the model's metadata, or the inputs of a file. The first answer is
// checked, and every answer of the load must have its outputs (the protocol's response check).

#ifndef SERVEBENCH_CLI_MODEL_REQUEST_H_
#define SERVEBENCH_CLI_MODEL_REQUEST_H_

#include <cstdint>
#include <string>

#include "servebench/load/load_settings.h"

namespace servebench {

struct ModelRequestOptions {
  std::string model;
  int batch = 1;
  // A KServe v2 JSON inference request ({"inputs": [{"name", "shape", "datatype", "data"}]});
  // empty: synthetic data from the model's metadata.
  std::string input_data_path;
  // The protocol's registered name (protocols/protocol_adapter.h); empty: KServe v2, REST for
  // http:// and gRPC for grpc:// URLs. Given data (input_data_path) goes over KServe v2 only.
  std::string protocol;
  int64_t timeout_ns = 0;  // for the metadata and the first inference
};

// Fills s->url (base + the protocol's inference path), method, headers, body and
// response_check for `options.model` at `base_url` (scheme://host:port, no path). Explains a
// failure in *error, naming the model, the file or the server's answer.
bool BuildModelRequest(const std::string& base_url, const ModelRequestOptions& options,
                       LoadSettings* s, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_CLI_MODEL_REQUEST_H_
