// Copyright servebench authors.
//
// One adapter per wire protocol: how to ask a server whether a model is ready, how to build an
// inference request for a model, and how to tell a good inference response from a bad one. The
// runner and the load engine only see HttpCall values, never a protocol's details.

#ifndef SERVEBENCH_PROTOCOLS_PROTOCOL_ADAPTER_H_
#define SERVEBENCH_PROTOCOLS_PROTOCOL_ADAPTER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "servebench/load/response_check.h"

namespace servebench {

// A request as bytes-to-be: what the load engine's LoadSettings take.
struct HttpCall {
  std::string method = "GET";
  std::string path = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class ProtocolAdapter {
 public:
  virtual ~ProtocolAdapter() = default;

  virtual std::string name() const = 0;

  // Path that answers 200 once `model` can serve.
  virtual std::string ModelReadyPath(const std::string& model) const = 0;

  // Builds an inference request for `model` holding `batch` samples of deterministic data
  // (seeded, the same on every call), shaped and typed from the model's metadata, which it
  // fetches from the server at `base_url`. Explains a failure in *error.
  virtual bool BuildInferCall(const std::string& base_url, const std::string& model, int batch,
                              HttpCall* call, std::string* error) const = 0;

  // Checks that `body` is a well-formed successful inference response to such a call (outputs
  // present, shapes consistent with `batch`, element counts match); explains a failure.
  virtual bool CheckInferResponse(const std::string& body, int batch, std::string* error) const = 0;

  // The check a load run applies to every response of such a call (load/response_check.h),
  // built from `reference`, one response that CheckInferResponse accepted; `origin` names it in
  // messages. Null with the reason in *error when `reference` cannot serve.
  virtual std::shared_ptr<const ResponseCheck> NewResponseCheck(const std::string& reference,
                                                                const std::string& origin,
                                                                std::string* error) const = 0;
};

// KServe v2 / Open Inference Protocol over REST with JSON tensors.
std::unique_ptr<ProtocolAdapter> NewKServeV2RestAdapter();

}  // namespace servebench

#endif  // SERVEBENCH_PROTOCOLS_PROTOCOL_ADAPTER_H_
