// One instance of a loaded model. The scheduler owns a runner per instance and calls it only
// from that instance's thread; the TorchScript implementation lives in torch_runner.cc, the
// only server file that includes libtorch.
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_RUNNER_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_RUNNER_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "model_spec.h"
#include "status.h"
#include "tensor.h"

namespace servebench::ts {

struct RunTimings {
  int64_t input_ns = 0;   // building the framework's tensors
  int64_t infer_ns = 0;   // forward()
  int64_t output_ns = 0;  // copying results out
};

class ModelRunner {
 public:
  virtual ~ModelRunner() = default;

  // Called once on the instance's thread before the first Run (thread counts, guards).
  virtual void InitThread() {}

  // Runs forward() on inputs ordered as spec.inputs; fills one tensor per spec.outputs. A model
  // that throws gives kInternal with its message.
  virtual Status Run(const std::vector<Tensor>& inputs, std::vector<Tensor>* outputs,
                     RunTimings* timings) = 0;
};

// Loads `model_file` for instance `instance` of the model described by `spec`.
using RunnerFactory =
    std::function<Status(const std::filesystem::path& model_file, const ModelSpec& spec,
                         int instance, std::unique_ptr<ModelRunner>* runner)>;

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_RUNNER_H_
