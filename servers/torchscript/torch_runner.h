// The TorchScript implementation of ModelRunner: torch::jit::load, forward() under an inference
// guard with the configured intra-op threads, and a warm-up run at load.
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_TORCH_RUNNER_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_TORCH_RUNNER_H_

#include <filesystem>
#include <memory>

#include "model_runner.h"

namespace servebench::ts {

// A RunnerFactory for TorchScript files.
Status LoadTorchScriptRunner(const std::filesystem::path& model_file, const ModelSpec& spec,
                             int instance, std::unique_ptr<ModelRunner>* runner);

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_TORCH_RUNNER_H_
