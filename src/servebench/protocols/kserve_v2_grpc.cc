// Copyright servebench authors.
//
// KServe v2 / Open Inference Protocol over gRPC (service inference.GRPCInferenceService), with
// tensors in raw_input_contents. A plan's base_url is grpc://host:port and every call's path is a
// method: HttpFetch makes it a gRPC call (grpc_client.h) and the load engine a gRPC load
// (load/grpc_worker.h). The request carries the same data as the REST adapter's: it is made from
// the same JSON inputs (kserve_json.h), from the model's metadata read over gRPC.

#include <cstdint>
#include <nlohmann/json.hpp>

#include "proto/grpc_predict_v2.pb.h"
#include "servebench/core/clock.h"
#include "servebench/protocols/http_client.h"
#include "servebench/protocols/kserve_grpc_tensors.h"
#include "servebench/protocols/kserve_json.h"
#include "servebench/protocols/kserve_v2_grpc_response_check.h"
#include "servebench/protocols/metadata_inputs_adapter.h"
#include "servebench/protocols/protocol_adapter.h"

namespace servebench {

namespace {

using nlohmann::json;

// A message with one string field number `field` (the model name of Triton's repository
// requests, which proto/ does not define: servebench only sends them).
std::string StringField(int field, const std::string& value) {
  std::string out;
  out.push_back(static_cast<char>((field << 3) | 2));
  for (uint64_t n = value.size(); true; n >>= 7) {
    if (n < 0x80) {
      out.push_back(static_cast<char>(n));
      break;
    }
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
  }
  return out + value;
}

class KServeV2GrpcAdapter : public MetadataInputsAdapter {
 public:
  std::string name() const override { return kKServeV2Grpc; }

  std::string ServerReadyPath() const override { return kGrpcServerReady; }
  std::string ModelReadyPath(const std::string&) const override { return kGrpcModelReady; }

  HttpCall ServerReadyCall() const override { return Call(kGrpcServerReady, ""); }

  HttpCall ModelReadyCall(const std::string& model) const override {
    inference::ModelReadyRequest request;
    request.set_name(model);
    return Call(kGrpcModelReady, request.SerializeAsString());
  }

  // ServerReadyResponse and ModelReadyResponse both carry `bool ready = 1`.
  bool SaysReady(const std::string& body) const override {
    inference::ModelReadyResponse response;
    return response.ParseFromString(body) && response.ready();
  }

  // Triton's model repository extension over gRPC: RepositoryModelUnload / RepositoryModelLoad
  // with the model's name in field 2 (model_name).
  bool ModelControlCalls(const std::string& model, HttpCall* unload,
                         HttpCall* load) const override {
    *unload = Call(kGrpcRepositoryModelUnload, StringField(2, model));
    *load = Call(kGrpcRepositoryModelLoad, StringField(2, model));
    return true;
  }

  bool ReadOutputs(const std::string& body, std::vector<TensorValues>* outputs,
                   std::string* error) const override {
    return ReadGrpcOutputs(body, outputs, error);
  }

  bool CheckInferResponse(const std::string& body, int batch, std::string* error) const override {
    inference::ModelInferResponse response;
    if (!response.ParseFromString(body)) {
      *error = "the answer is not a ModelInferResponse";
      return false;
    }
    return CheckGrpcOutputs(response, batch, error);
  }

  std::shared_ptr<const ResponseCheck> NewResponseCheck(const std::string& reference,
                                                        const std::string& origin,
                                                        std::string* error) const override {
    return NewKServeV2GrpcResponseCheck(reference, origin, error);
  }

 private:
  static HttpCall Call(const char* method, std::string body) {
    HttpCall call;
    call.method = "POST";
    call.path = method;
    call.body = std::move(body);
    return call;
  }

  bool MakeInferCall(const std::string& model, const std::string& /*metadata*/, json inputs,
                     HttpCall* call, std::string* error) const override {
    std::string request;
    if (!EncodeGrpcInferRequest(model, inputs, &request, error)) {
      *error = "model '" + model + "': " + *error;
      return false;
    }
    *call = Call(kGrpcModelInfer, std::move(request));
    return true;
  }

  // The model's metadata (ModelMetadata over gRPC) as the REST metadata document.
  bool FetchMetadata(const std::string& base_url, const std::string& model, std::string* metadata,
                     std::string* origin, std::string* error) const override {
    inference::ModelMetadataRequest request;
    request.set_name(model);
    const std::string url = base_url + kGrpcModelMetadata;
    HttpReply reply;
    if (!HttpFetch("POST", url, {}, request.SerializeAsString(), kMetadataTimeoutNs, &reply,
                   error)) {
      return false;
    }
    *origin = "gRPC ModelMetadata " + model + " at " + base_url;
    if (reply.status != 200) {
      *error = *origin + ": " + reply.body;
      return false;
    }
    return GrpcMetadataAsJson(reply.body, *origin, metadata, error);
  }
};

const ProtocolRegistration kKServeV2GrpcRegistration(kKServeV2Grpc, [] {
  return std::make_unique<KServeV2GrpcAdapter>();
});

}  // namespace

}  // namespace servebench
