// Copyright servebench authors.
//
// Tensors as KServe v2's JSON carries them, for every adapter whose bodies take that form (KServe
// v2 REST itself, and TorchServe with servebench's handler): the inputs of an inference request
// made from a model's metadata, or carrying given data, the check of a response's outputs, and
// the outputs read back.

#ifndef SERVEBENCH_PROTOCOLS_KSERVE_JSON_H_
#define SERVEBENCH_PROTOCOLS_KSERVE_JSON_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "servebench/protocols/protocol_adapter.h"

namespace servebench {

// The "inputs" array of an inference request for `batch` samples of `model`, shaped and typed
// from `metadata`, the text of a KServe v2 model metadata document ({"inputs": [{"name",
// "datatype", "shape"}, ...], ...}; a leading -1 is the batch dimension, another -1 gets size
// 1). The data is deterministic: seeded, the same bytes on every call, run and machine. Errors
// name `origin` (where the metadata came from, e.g. "GET http://...") or the model.
bool KServeInputsFromMetadata(const std::string& metadata, const std::string& origin,
                              const std::string& model, int batch, nlohmann::json* inputs,
                              std::string* error);

// Checks that an output's shape starts with `batch`, the samples the request sent (a leading
// batch dimension in every output is what each protocol's response check relies on); explains
// one that does not.
bool CheckOutputStartsWithBatch(const std::string& name, const std::vector<int64_t>& shape,
                                int batch, std::string* error);

// Checks that `body` is a well-formed successful KServe v2 JSON inference response for `batch`
// samples: no "error", every output with a shape that starts with `batch` and as many data
// elements (flat or nested) as the shape holds.
bool CheckKServeOutputs(const std::string& body, int batch, std::string* error);

// Adds the number of non-array values in `value` (a tensor's nested "data") to *leaves.
void CountLeaves(const nlohmann::json& value, int64_t* leaves);

// The "inputs" array of each request that sends `data` (samples along its first dimension) in
// runs of at most `batch` consecutive samples, in order, into *inputs_per_request. `metadata` must
// describe one input of a numeric type whose shape the samples fit (a leading -1 is the batch
// dimension; without one only batch 1 can be sent, each sample shaped as the input); integer
// inputs take only integral values. Errors name `origin` or the model.
bool KServeInputsFromData(const std::string& metadata, const std::string& origin,
                          const std::string& model, const TensorValues& data, int batch,
                          std::vector<nlohmann::json>* inputs_per_request, std::string* error);

// Every output of a successful KServe v2 JSON inference response, in its order: name, shape and
// the values (flat or nested row-major data; booleans as 0 and 1). False with *error for an
// error response, a malformed one, or non-numeric data.
bool ReadKServeOutputs(const std::string& body, std::vector<TensorValues>* outputs,
                       std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_PROTOCOLS_KSERVE_JSON_H_
