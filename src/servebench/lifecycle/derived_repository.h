// Copyright servebench authors.
//
// A server configuration is applied to a model by giving the server a repository of its own
// that holds only that model: the original's version folders and card linked, not copied, and a
// config.pbtxt rewritten with the configuration's batching, instance and thread settings. The
// original repository is never written to, and a server started on the derived one cannot load
// any other model by accident.

#ifndef SERVEBENCH_LIFECYCLE_DERIVED_REPOSITORY_H_
#define SERVEBENCH_LIFECYCLE_DERIVED_REPOSITORY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "servebench/lifecycle/model_variant.h"

namespace servebench {

// What a server configuration changes in a model's config.pbtxt: the settings of Triton's model
// configuration that servebench's server kinds take from YAML.
struct RepositoryOverrides {
  std::string server_name;  // names the configuration in errors
  bool dynamic_batching = false;
  int64_t max_queue_delay_us = 500;        // with dynamic batching
  std::vector<int> preferred_batch_sizes;  // with dynamic batching; empty: none preferred
  int max_batch_size = 64;                 // with dynamic batching
  int instances = 1;                       // model instances (executors)
  int intra_op_threads = 1;                // torch intra-op threads per instance
};

// Rewrites the text of a config.pbtxt for `config`:
//   dynamic batching on:  max_batch_size = config.max_batch_size and a dynamic_batching block
//                         with config.preferred_batch_sizes and config.max_queue_delay_us
//                         (an error for a model without a batch dimension, max_batch_size 0);
//   dynamic batching off: no dynamic_batching block, max_batch_size as the original has it;
//   always: one instance_group of config.instances (keeping the original's kind, KIND_CPU by
//           default) and parameters INTRA_OP_THREAD_COUNT = config.intra_op_threads.
// Every other field is kept. Errors name `origin`.
bool RewriteModelConfig(const std::string& text, const std::string& origin,
                        const RepositoryOverrides& config, std::string* out, std::string* error);

// Writes <work_dir>/repository/<variant.name>/ (replacing an earlier one): a symbolic link to
// every entry of the original model folder except config.pbtxt, and the rewritten config.pbtxt.
// Stores <work_dir>/repository in *repository.
bool WriteDerivedRepository(const RepositoryOverrides& config, const ModelVariant& variant,
                            const std::string& work_dir, std::string* repository,
                            std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_LIFECYCLE_DERIVED_REPOSITORY_H_
