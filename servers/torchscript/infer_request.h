// A decoded inference request, whichever protocol it came in on, and its validation against a
// model's spec. Torch-free: the fuzz target drives this together with the REST codec.
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_INFER_REQUEST_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_INFER_REQUEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "model_spec.h"
#include "status.h"
#include "tensor.h"

namespace servebench::ts {

struct RequestedOutput {
  std::string name;
  bool binary = false;  // REST: return the bytes after the JSON header
};

struct InferRequest {
  std::string id;
  std::vector<Tensor> inputs;
  std::vector<RequestedOutput> outputs;  // empty: every output
  bool binary_output_default = false;    // REST "binary_data_output" request parameter
};

// What the scheduler runs: inputs in the order forward() takes them, the batch the request
// contributes, and which outputs go back in which form.
struct PreparedRequest {
  std::vector<Tensor> inputs;
  int64_t batch_size = 1;           // 1 for models without a batch dimension
  std::vector<int> output_indices;  // into ModelSpec::outputs
  std::vector<bool> output_binary;  // parallel to output_indices
};

// Checks names, datatypes, shapes and byte sizes against `spec` and moves the inputs of
// `request` into `prepared`. Errors name what the model expects and what was received.
Status PrepareRequest(const ModelSpec& spec, InferRequest* request, PreparedRequest* prepared);

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_INFER_REQUEST_H_
