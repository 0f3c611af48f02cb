// Copyright servebench authors.
//
// One adapter per wire protocol: how to ask a server whether it and a model are ready, how to
// load and unload a model where the protocol can, how to build an inference request for a
// model, and how to tell a good inference response from a bad one. The runner, cold start and
// the load engine only see HttpCall values, never a protocol's details.
//
// Besides the synthetic requests of load, an adapter may send given data and read the outputs
// back (the accuracy pass); one that cannot keeps the defaults, which say so.
//
// Adapters register themselves by name from their own file (a ProtocolRegistration at namespace
// scope); a serving system's plan names the protocol it speaks, and NewProtocolAdapter makes it.
// Adding a protocol is adding its adapter file.

#ifndef SERVEBENCH_PROTOCOLS_PROTOCOL_ADAPTER_H_
#define SERVEBENCH_PROTOCOLS_PROTOCOL_ADAPTER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "servebench/core/clock.h"
#include "servebench/load/response_check.h"

namespace servebench {

// A request as bytes-to-be: what the load engine's LoadSettings take.
struct HttpCall {
  std::string method = "GET";
  std::string path = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Numbers shaped as a tensor, row-major: data to send, or an output read back.
struct TensorValues {
  std::string name;  // an output's name; unused for data to send
  std::vector<int64_t> shape;
  std::vector<double> values;  // the product of `shape` of them
};

class ProtocolAdapter {
 public:
  virtual ~ProtocolAdapter() = default;

  virtual std::string name() const = 0;

  // Path that answers 2xx once the server is up and ready (it may still be loading models).
  virtual std::string ServerReadyPath() const = 0;

  // Path that answers 2xx once `model` can serve.
  virtual std::string ModelReadyPath(const std::string& model) const = 0;

  // The calls that ask whether the server, and `model`, are ready, and whether a 2xx reply to
  // one says so. By default GET ServerReadyPath() / ModelReadyPath(model), and every 2xx reply
  // says ready; a protocol whose readiness is in the reply's body (KServe v2 gRPC answers OK
  // with ready=false) overrides them.
  virtual HttpCall ServerReadyCall() const;
  virtual HttpCall ModelReadyCall(const std::string& model) const;
  // The server readiness call of a server launched to serve `model`: ServerReadyCall() unless
  // the protocol has no server-wide call (TF Serving's gRPC API), when it asks about the model.
  virtual HttpCall ServerReadyCallFor(const std::string& model) const;
  virtual bool SaysReady(const std::string& body) const;

  // The calls that unload and load `model` through the server's repository API, sent to the
  // plan's control_url (base_url unless the server takes them on a port of their own). False
  // when the protocol has none (then LaunchPlan::has_repository_api must be false).
  virtual bool ModelControlCalls(const std::string& model, HttpCall* unload, HttpCall* load) const;

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

  // Builds the requests that send `data` (samples along its first dimension) to `model`, whose
  // metadata it fetches from `base_url` once: one call per run of at most `batch` consecutive
  // samples, in order, into *calls. The model must take one input, of a numeric type. The
  // default explains that this protocol cannot send given data.
  virtual bool BuildInferCallsWithData(const std::string& base_url, const std::string& model,
                                       const TensorValues& data, int batch,
                                       std::vector<HttpCall>* calls, std::string* error) const;

  // Reads every output of a successful inference response, in the response's order; explains a
  // response that is not one. The default explains that this protocol cannot read outputs.
  virtual bool ReadOutputs(const std::string& body, std::vector<TensorValues>* outputs,
                           std::string* error) const;
};

using ProtocolFactory = std::function<std::unique_ptr<ProtocolAdapter>()>;
// A protocol that a server's config shapes (a JSON API's paths and pointers): makes the adapter
// from `options` (a JSON object: the config's `protocol_options` mapping), or null with what is
// wrong, naming the option, in *error.
using ConfiguredProtocolFactory = std::function<std::unique_ptr<ProtocolAdapter>(
    const nlohmann::json& options, std::string* error)>;

// Registers `factory` under `name` when constructed; one object per adapter file, at namespace
// scope. Registering a name twice aborts at start-up (a programming error).
class ProtocolRegistration {
 public:
  ProtocolRegistration(const std::string& name, ProtocolFactory factory);
  ProtocolRegistration(const std::string& name, ConfiguredProtocolFactory factory);
};

// The adapter registered as `name`, or null. A protocol that needs options gets an empty
// object, which it may refuse (then null).
std::unique_ptr<ProtocolAdapter> NewProtocolAdapter(const std::string& name);

// The adapter registered as `name` made with `options_json` (the text of a JSON object; empty:
// none), or null with the reason in *error: an unknown name, options the protocol does not
// take, or options it refuses.
std::unique_ptr<ProtocolAdapter> NewProtocolAdapter(const std::string& name,
                                                    const std::string& options_json,
                                                    std::string* error);

// Whether the protocol registered as `name` takes options (a ConfiguredProtocolFactory).
bool ProtocolTakesOptions(const std::string& name);

// Every registered name, sorted: for error messages and docs.
std::vector<std::string> ProtocolNames();

// How long a metadata call may take. Metadata is a control-plane call: a server that cannot
// answer it in this time is broken.
inline constexpr int64_t kMetadataTimeoutNs = 30 * kNanosPerSecond;

// The name of the KServe v2 / Open Inference Protocol REST adapter with JSON tensors.
inline constexpr char kKServeV2Rest[] = "kserve-v2-rest";
// The name of the KServe v2 / Open Inference Protocol gRPC adapter (inference.GRPCInferenceService,
// tensors in raw_input_contents); its plans' base_url is grpc://host:port.
inline constexpr char kKServeV2Grpc[] = "grpc";
// The name of the adapter for TorchServe's inference and management APIs, with the tensors
// servebench's TorchServe handler (servers/torchserve/handler.py) takes and answers.
inline constexpr char kTorchServeRest[] = "torchserve-rest";
// KServe v2 REST with the binary tensor data extension: raw little-endian tensors after a JSON
// header whose length Inference-Header-Content-Length gives, inputs and outputs alike.
inline constexpr char kKServeV2Binary[] = "http-binary";
// TensorFlow Serving's REST API (POST /v1/models/{m}:predict).
inline constexpr char kTfServingRest[] = "tfserving-rest";
// TensorFlow Serving's gRPC API (tensorflow.serving.PredictionService/Predict, tensors in
// tensor_content); its plans' base_url is grpc://host:port.
inline constexpr char kTfServingGrpc[] = "tfserving-grpc";
// Any JSON-over-HTTP API, shaped by the server's protocol_options (protocols/http_json.cc).
inline constexpr char kHttpJson[] = "http-json";

}  // namespace servebench

#endif  // SERVEBENCH_PROTOCOLS_PROTOCOL_ADAPTER_H_
