// Copyright servebench authors.
//
// YAML keys that several serving systems share because they set the same thing: Triton-style
// model configuration (dynamic batching, instances, torch threads) applied through a derived
// repository, and the program a server runs. A kind's file lists the keys it takes and calls
// these to read them, so that the keys mean the same wherever they appear.

#ifndef SERVEBENCH_SYSTEMS_MODEL_CONFIG_KEYS_H_
#define SERVEBENCH_SYSTEMS_MODEL_CONFIG_KEYS_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "servebench/lifecycle/derived_repository.h"
#include "servebench/yaml/yaml_fields.h"

namespace servebench {

// dynamic_batching, max_queue_delay_us, preferred_batch_sizes, max_batch_size.
const std::vector<std::string>& BatchingKeys();

// Reads the batching keys into *overrides. The three batching parameters are an error without
// dynamic_batching: true (they would be silently ignored).
void ReadBatching(const Fields& fields, RepositoryOverrides* overrides);

// Reads `key` (an integer >= 1) into *value when present.
void ReadPositiveInt(const Fields& fields, const std::string& key, int* value);

// The batching, instance and thread settings under their YAML keys.
nlohmann::json ToJson(const RepositoryOverrides& overrides);

// Reads `binary`: a program named with a folder is a path (relative ones from the config's
// folder); a bare name stays bare and is looked up on PATH (lifecycle/program.h). Empty when
// the key is absent.
std::string ReadBinary(const Fields& fields, const std::string& base_directory);

}  // namespace servebench

#endif  // SERVEBENCH_SYSTEMS_MODEL_CONFIG_KEYS_H_
