// Copyright servebench authors.
//
// What a model's Triton-style config.pbtxt says, for the serving systems that do not read one
// (TorchServe, MLServer): its KServe v2 metadata, its batch dimension, its parameters and its
// TorchScript file. The metadata is what Triton and servebench-torchscript answer at
// GET /v2/models/{m}, so that every system is sent requests of the same shape and type.

#ifndef SERVEBENCH_SYSTEMS_MODEL_DESCRIPTION_H_
#define SERVEBENCH_SYSTEMS_MODEL_DESCRIPTION_H_

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "servebench/lifecycle/model_variant.h"

namespace servebench {

struct ModelDescription {
  // {"name", "versions", "platform", "inputs": [{"name", "datatype", "shape"}], "outputs": [...]}
  // with a leading -1 on every shape when the model batches (max_batch_size > 0).
  nlohmann::json metadata;
  int64_t max_batch_size = 0;                     // 0: the model has no batch dimension
  std::map<std::string, std::string> parameters;  // `parameters` entries' string values
  std::string version;                            // the highest version folder holding model.pt
  std::string model_file;                         // its model.pt, absolute
  std::string card_file;                          // the zoo's card.json, absolute; empty if none
};

// Reads <variant.repository>/<variant.name>/config.pbtxt and the version folders. Errors name
// the file and what is wrong (an unknown data type, no version with a model.pt, ...).
bool DescribeModel(const ModelVariant& variant, ModelDescription* description, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_SYSTEMS_MODEL_DESCRIPTION_H_
