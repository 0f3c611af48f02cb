// Reads a model directory's config.pbtxt (Triton's text format, the subset in
// proto/model_config.proto) into a ModelSpec, rejecting unknown or invalid fields with an error
// that names the file and the field.
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_CONFIG_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_CONFIG_H_

#include <filesystem>
#include <string>

#include "model_spec.h"
#include "status.h"

namespace servebench::ts {

// `model_name` is the repository directory's name; a config that names another model is an
// error, as in Triton.
Status LoadModelConfig(const std::filesystem::path& config_file, const std::string& model_name,
                       ModelSpec* spec);

// Same, from text already in memory; `origin` names the file in error messages.
Status ParseModelConfig(const std::string& text, const std::string& origin,
                        const std::string& model_name, ModelSpec* spec);

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_CONFIG_H_
