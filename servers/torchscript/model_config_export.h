// The configuration a model is served with, as Triton reports it: the model-config extension's
// JSON (GET /v2/models/{m}/config) and the gRPC ModelConfig message. It is the effective
// configuration (what the server runs, defaults filled in), not the text of config.pbtxt.
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_CONFIG_EXPORT_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_CONFIG_EXPORT_H_

#include <string>

#include "model_spec.h"

namespace servebench::modelconfig {
class ModelConfig;
}  // namespace servebench::modelconfig

namespace servebench::ts {

// The message, with field numbers as in Triton's model_config.proto.
void ToModelConfig(const ModelSpec& spec, servebench::modelconfig::ModelConfig* config);

// The same as JSON: Triton's field and enum names, 64-bit integers as numbers (as Triton
// writes them), every field shown.
std::string ModelConfigJson(const ModelSpec& spec);

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_CONFIG_EXPORT_H_
