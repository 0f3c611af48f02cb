// Copyright servebench authors.
//
// A model variant as a server is given it: a model of a Triton-style repository
// (<repository>/<name>/config.pbtxt, versions as numeric folders holding model.pt, card.json
// beside config.pbtxt when the model zoo made it).

#ifndef SERVEBENCH_LIFECYCLE_MODEL_VARIANT_H_
#define SERVEBENCH_LIFECYCLE_MODEL_VARIANT_H_

#include <string>

namespace servebench {

struct ModelVariant {
  std::string name;  // the model's folder name in the repository, e.g. "digits-mlp-int8"
  // Absolute or config-relative path, resolved when the config is read; the default repository
  // (DefaultModelRepository() in bench/config.h) when models.repository is empty.
  std::string repository;
  int config_line = 0;  // the line of its entry in the experiment's YAML; 0: not from a file
};

}  // namespace servebench

#endif  // SERVEBENCH_LIFECYCLE_MODEL_VARIANT_H_
