// Copyright servebench authors.
//
// Reads an experiment from YAML (docs/config.md documents every key and its default). Errors
// name the file, line and column, the key, and what was expected: unknown keys come with a
// did-you-mean, wrong types say the type wanted, missing model files and server binaries are
// named.

#ifndef SERVEBENCH_BENCH_CONFIG_H_
#define SERVEBENCH_BENCH_CONFIG_H_

#include <string>
#include <vector>

#include "servebench/bench/experiment.h"

namespace servebench {

// The YAML of the embedded default experiment (configs/default.yaml, compiled in).
const std::string& DefaultConfigYaml();

// Parses YAML text. `source` names it in errors ("bench.yaml", "<embedded default>"); relative
// paths in it (a model repository) resolve against `base_directory`. Checks only what the text
// itself says (keys, types, ranges, duplicates); see ValidateEnvironment for files on disk.
// On error returns false with "<source>:<line>:<column>: <key>: <what is wrong>" in *error.
bool ParseConfig(const std::string& yaml, const std::string& source,
                 const std::string& base_directory, ExperimentConfig* config, std::string* error);

// Reads and parses a YAML file (its folder is the base directory).
bool LoadConfigFile(const std::string& path, ExperimentConfig* config, std::string* error);

// Checks what the config refers to on this machine: every variant's config.pbtxt and model file
// (<repository>/<variant>/<numeric version>/model.pt) in the repository (unless the repository is
// the default one and not yet prepared), and every server kind's program. `servebench_binary_dir`
// is where servebench-torchscript lives (next to the servebench binary); `source_dir` is the
// source tree, where servers/fastapi/launch lives. Errors name the config source and what is
// missing, one problem per line (all of them, not only the first).
bool ValidateEnvironment(const ExperimentConfig& config, const std::string& servebench_binary_dir,
                         const std::string& source_dir, std::string* error);

// Where the model zoo's repository lives when models.repository is empty, as models/prepare.py
// puts it: $XDG_CACHE_HOME/servebench/models, else $HOME/.cache/servebench/models ("models-quick"
// instead of "models" for `--quick`).
std::string DefaultModelRepository(bool quick = false);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_CONFIG_H_
