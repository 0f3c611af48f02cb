// A model's validated configuration, free of protobuf and libtorch: what the parser, the
// scheduler and the front ends need to know about a model.
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_SPEC_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_SPEC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tensor.h"

namespace servebench::ts {

struct TensorSpec {
  std::string name;
  DataType type = DataType::kInvalid;
  // Without the batch dimension when max_batch_size > 0; -1 means any size.
  Shape dims;
};

struct ModelSpec {
  std::string name;
  std::string platform = "pytorch_libtorch";
  // 0: the model takes no batch dimension; N > 0: requests carry a leading batch of 1..N.
  int max_batch_size = 0;
  std::vector<TensorSpec> inputs;   // in the order forward() takes them
  std::vector<TensorSpec> outputs;  // in the order forward() returns them
  bool dynamic_batching = false;
  std::vector<int> preferred_batch_sizes;  // ascending
  int64_t max_queue_delay_us = 0;
  int instance_count = 1;
  int intra_op_threads = 1;
  int inter_op_threads = 1;
  std::string model_filename = "model.pt";
  // The QUANTIZED_ENGINE parameter ("qnnpack", "onednn", "fbgemm", "x86"); empty: libtorch's
  // default. Quantized weights are packed for the engine in effect when the file is loaded.
  std::string quantized_engine;
};

// The shape a client sends or receives: [-1] + dims for batching models, dims otherwise.
Shape FullShape(const ModelSpec& spec, const TensorSpec& tensor);

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_SPEC_H_
