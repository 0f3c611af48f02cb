// Copyright servebench authors.

#include "servebench/protocols/kserve_v2_grpc_response_check.h"

#include <cstdint>
#include <vector>

#include "proto/grpc_predict_v2.pb.h"
#include "servebench/protocols/kserve_grpc_tensors.h"

namespace servebench {

namespace {

struct ExpectedGrpcOutput {
  std::string name;
  std::string datatype;
  std::vector<int64_t> shape;
};

class GrpcCheck : public ResponseCheck {
 public:
  GrpcCheck(std::vector<ExpectedGrpcOutput> outputs, std::string origin)
      : outputs_(std::move(outputs)), origin_(std::move(origin)) {}

  std::unique_ptr<ResponseChecker> NewChecker() const override;

  std::string Describe() const override { return "KServe v2 gRPC outputs as in " + origin_; }

  const std::vector<ExpectedGrpcOutput>& outputs() const { return outputs_; }

 private:
  const std::vector<ExpectedGrpcOutput> outputs_;
  const std::string origin_;
};

class GrpcChecker : public ResponseChecker {
 public:
  explicit GrpcChecker(const GrpcCheck& check) : check_(check) {}

  bool Check(std::string_view body, std::string* why) override {
    if (!response_.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      if (why) *why = "the response is not a ModelInferResponse";
      return false;
    }
    const auto& expected = check_.outputs();
    if (response_.outputs_size() != static_cast<int>(expected.size())) {
      if (why) {
        *why = std::to_string(response_.outputs_size()) + " outputs, expected " +
               std::to_string(expected.size());
      }
      return false;
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      const auto& out = response_.outputs(static_cast<int>(i));
      const ExpectedGrpcOutput& e = expected[i];
      if (out.name() != e.name || out.datatype() != e.datatype ||
          !std::equal(out.shape().begin(), out.shape().end(), e.shape.begin(), e.shape.end())) {
        if (why) {
          std::string shape;
          for (int64_t d : out.shape()) {
            if (!shape.empty()) shape += ',';
            shape += std::to_string(d);
          }
          *why = "output " + std::to_string(i) + " is '" + out.name() + "' " + out.datatype() +
                 " [" + shape + "], expected '" + e.name + "' " + e.datatype;
        }
        return false;
      }
    }
    std::string reason;
    if (!CheckGrpcOutputs(response_, -1, why != nullptr ? why : &reason)) return false;
    return true;
  }

 private:
  const GrpcCheck& check_;
  inference::ModelInferResponse response_;
};

std::unique_ptr<ResponseChecker> GrpcCheck::NewChecker() const {
  return std::make_unique<GrpcChecker>(*this);
}

}  // namespace

std::shared_ptr<const ResponseCheck> NewKServeV2GrpcResponseCheck(const std::string& reference,
                                                                  const std::string& origin,
                                                                  std::string* error) {
  inference::ModelInferResponse response;
  if (!response.ParseFromString(reference)) {
    *error = origin + ": not a ModelInferResponse";
    return nullptr;
  }
  if (!CheckGrpcOutputs(response, -1, error)) {
    *error = origin + ": " + *error;
    return nullptr;
  }
  std::vector<ExpectedGrpcOutput> outputs;
  for (const auto& out : response.outputs()) {
    outputs.push_back({out.name(), out.datatype(), {out.shape().begin(), out.shape().end()}});
  }
  return std::make_shared<GrpcCheck>(std::move(outputs), origin);
}

}  // namespace servebench
