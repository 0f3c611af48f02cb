// Copyright servebench authors.
//
// TensorFlow Serving's gRPC API (`protocol: tfserving-grpc`), with the messages of
// proto/tfserving_apis.proto (written from TF Serving's published protos):
//
//   /tensorflow.serving.PredictionService/Predict           PredictRequest {model_spec, inputs:
//                                                           name -> TensorProto} -> outputs
//   /tensorflow.serving.PredictionService/GetModelMetadata  the signature_def metadata: the
//                                                           signatures' inputs, dtypes, shapes
//   /tensorflow.serving.ModelService/GetModelStatus         model_version_status: the versions
//                                                           and their states
//
// A plan's base_url is grpc://host:port; HttpFetch makes every call a gRPC call (grpc_client.h)
// and the load engine a gRPC load (load/grpc_worker.h). Inputs travel in tensor_content (raw
// little-endian bytes), with the same deterministic values as every other protocol
// (kserve_json.h), shaped from the signature's inputs (a leading -1 is the batch dimension).
//
// Readiness: TF Serving's gRPC server has no server-wide health call (it registers only
// ModelService and PredictionService, and opens its port once the configured models have been
// loaded), so the server is ready when GetModelStatus says the model is: when the answer lists
// the version asked for (any version when none is) as AVAILABLE. Models load through TF Serving's
// config, so this protocol has no repository calls.
//
// Options (protocol_options): "version": a version number, or "version_label": a label, to
// address; "signature_name": the signature (default "serving_default").

#include <cstdint>
#include <nlohmann/json.hpp>

#include "proto/tfserving_apis.pb.h"
#include "servebench/core/clock.h"
#include "servebench/protocols/http_client.h"
#include "servebench/protocols/kserve_json.h"
#include "servebench/protocols/metadata_inputs_adapter.h"
#include "servebench/protocols/protocol_adapter.h"
#include "servebench/protocols/tfserving_grpc_tensors.h"

namespace servebench {

namespace {

using nlohmann::json;

constexpr char kDefaultSignature[] = "serving_default";

// A load run's check: each response parses as a PredictResponse whose outputs are the
// reference's: the same names, dtypes and shapes, values for every element. The checker keeps
// its message, so that parsing reuses its memory after the first responses.
class GrpcPredictChecker final : public ResponseChecker {
 public:
  explicit GrpcPredictChecker(const std::vector<TfOutputSpec>& expected) : expected_(expected) {}

  bool Check(std::string_view body, std::string* why) override {
    if (!response_.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      if (why != nullptr) *why = "the response is not a PredictResponse";
      return false;
    }
    if (response_.outputs_size() != static_cast<int>(expected_.size())) {
      if (why != nullptr) {
        *why = std::to_string(response_.outputs_size()) + " outputs, expected " +
               std::to_string(expected_.size());
      }
      return false;
    }
    for (const TfOutputSpec& e : expected_) {
      auto it = response_.outputs().find(e.name);
      if (it == response_.outputs().end()) {
        if (why != nullptr) *why = "no output '" + e.name + "'";
        return false;
      }
      const tfserving::TensorProto& t = it->second;
      const auto& dims = t.tensor_shape().dim();
      bool same = t.dtype() == e.dtype && dims.size() == static_cast<int>(e.shape.size());
      for (int i = 0; same && i < dims.size(); ++i) same = dims[i].size() == e.shape[i];
      if (!same) {
        if (why != nullptr) {
          std::vector<int64_t> shape;
          for (const auto& d : dims) shape.push_back(d.size());
          *why = "output '" + e.name + "' is " + TfDtypeName(t.dtype()) + " " + json(shape).dump() +
                 ", expected " + TfDtypeName(e.dtype) + " " + json(e.shape).dump();
        }
        return false;
      }
    }
    std::string reason;
    return CheckPredictOutputs(response_, -1, nullptr, why != nullptr ? why : &reason);
  }

 private:
  const std::vector<TfOutputSpec>& expected_;
  tfserving::PredictResponse response_;
};

using GrpcPredictCheck = ExpectedResponseCheck<GrpcPredictChecker, std::vector<TfOutputSpec>>;

class TfServingGrpcAdapter : public MetadataInputsAdapter {
 public:
  TfServingGrpcAdapter(int64_t version, std::string version_label, std::string signature)
      : version_(version),
        version_label_(std::move(version_label)),
        signature_(std::move(signature)) {}

  std::string name() const override { return kTfServingGrpc; }

  std::string ServerReadyPath() const override { return kTfsGetModelStatus; }
  std::string ModelReadyPath(const std::string&) const override { return kTfsGetModelStatus; }

  // No server-wide call: the server is ready when the model is (see the file comment).
  HttpCall ServerReadyCallFor(const std::string& model) const override {
    return ModelReadyCall(model);
  }

  HttpCall ModelReadyCall(const std::string& model) const override {
    tfserving::GetModelStatusRequest request;
    tfserving::ModelSpec* spec = request.mutable_model_spec();
    spec->set_name(model);
    if (version_ > 0) spec->mutable_version()->set_value(version_);
    return Call(kTfsGetModelStatus, request.SerializeAsString());
  }

  bool SaysReady(const std::string& body) const override {
    tfserving::GetModelStatusResponse response;
    if (!response.ParseFromString(body)) return false;
    for (const auto& v : response.model_version_status()) {
      if ((version_ == 0 || v.version() == version_) &&
          v.state() == tfserving::ModelVersionStatus::AVAILABLE) {
        return true;
      }
    }
    return false;
  }

  bool CheckInferResponse(const std::string& body, int batch, std::string* error) const override {
    tfserving::PredictResponse response;
    if (!response.ParseFromString(body)) {
      *error = "the answer is not a PredictResponse";
      return false;
    }
    return CheckPredictOutputs(response, batch, nullptr, error);
  }

  bool ReadOutputs(const std::string& body, std::vector<TensorValues>* outputs,
                   std::string* error) const override {
    return ReadPredictOutputs(body, outputs, error);
  }

  std::shared_ptr<const ResponseCheck> NewResponseCheck(const std::string& reference,
                                                        const std::string& origin,
                                                        std::string* error) const override {
    tfserving::PredictResponse response;
    std::vector<TfOutputSpec> expected;
    if (!response.ParseFromString(reference)) {
      *error = origin + " is not a PredictResponse";
      return nullptr;
    }
    if (!CheckPredictOutputs(response, -1, &expected, error)) {
      *error = origin + " is not a correct TF Serving predict response: " + *error;
      return nullptr;
    }
    std::string description = "TF Serving gRPC Predict outputs as in " + origin + ":";
    for (const TfOutputSpec& e : expected) {
      description += " " + e.name + " " + TfDtypeName(e.dtype) + " " + json(e.shape).dump();
    }
    return std::make_shared<GrpcPredictCheck>(std::move(expected), std::move(description));
  }

 private:
  static HttpCall Call(const char* method, std::string body) {
    HttpCall call;
    call.method = "POST";
    call.path = method;
    call.body = std::move(body);
    return call;
  }

  TfServingModelRef Ref(const std::string& model) const {
    return {model, version_, version_label_,
            signature_ == kDefaultSignature ? std::string() : signature_};
  }

  bool MakeInferCall(const std::string& model, const std::string& /*metadata*/, json inputs,
                     HttpCall* call, std::string* error) const override {
    std::string request;
    if (!EncodePredictRequest(Ref(model), inputs, &request, error)) {
      *error = "model '" + model + "': " + *error;
      return false;
    }
    *call = Call(kTfsPredict, std::move(request));
    return true;
  }

  // The signature's inputs, from GetModelMetadata, as a KServe v2 metadata document.
  bool FetchMetadata(const std::string& base_url, const std::string& model, std::string* metadata,
                     std::string* origin, std::string* error) const override {
    tfserving::GetModelMetadataRequest request;
    FillModelSpec(Ref(model), request.mutable_model_spec());
    request.add_metadata_field("signature_def");
    const std::string url = base_url + kTfsGetModelMetadata;
    *origin = "gRPC GetModelMetadata " + model + " at " + base_url;
    HttpReply reply;
    if (!HttpFetch("POST", url, {}, request.SerializeAsString(), kMetadataTimeoutNs, &reply,
                   error)) {
      return false;
    }
    if (reply.status != 200) {
      *error = *origin + ": " + reply.body;
      return false;
    }
    return SignatureAsKServeMetadata(reply.body, signature_, *origin, metadata, error);
  }

  const int64_t version_;            // 0: the latest (or the label's)
  const std::string version_label_;  // empty: none
  const std::string signature_;      // "serving_default" unless the options name another
};

std::unique_ptr<ProtocolAdapter> MakeTfServingGrpcAdapter(const json& options, std::string* error) {
  int64_t version = 0;
  std::string label, signature = kDefaultSignature;
  for (const auto& [key, value] : options.items()) {
    if (key == "version") {
      if (!value.is_number_integer() || value.get<int64_t>() < 1) {
        *error = "version must be a version number (an integer >= 1), not " + value.dump();
        return nullptr;
      }
      version = value.get<int64_t>();
    } else if (key == "version_label") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        *error = "version_label must be a non-empty string, not " + value.dump();
        return nullptr;
      }
      label = value.get<std::string>();
    } else if (key == "signature_name") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        *error = "signature_name must be a non-empty string, not " + value.dump();
        return nullptr;
      }
      signature = value.get<std::string>();
    } else {
      *error = "unknown option '" + key + "' (known: version, version_label, signature_name)";
      return nullptr;
    }
  }
  if (version > 0 && !label.empty()) {
    *error = "give version or version_label, not both (ModelSpec holds one)";
    return nullptr;
  }
  return std::make_unique<TfServingGrpcAdapter>(version, label, signature);
}

const ProtocolRegistration kTfServingGrpcRegistration(
    kTfServingGrpc, ConfiguredProtocolFactory(MakeTfServingGrpcAdapter));

}  // namespace

}  // namespace servebench
