// The protocol-neutral path from a decoded request to the model's scheduler, shared by the REST
// and gRPC front ends so both validate, count and enqueue identically.
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_INFERENCE_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_INFERENCE_H_

#include <functional>
#include <memory>
#include <vector>

#include "infer_request.h"
#include "model_repository.h"
#include "model_scheduler.h"
#include "status.h"

namespace servebench::ts {

using InferDone = std::function<void(const Status&, std::vector<Tensor>&&, const PreparedRequest&)>;

// Validates `request` against `model` and queues it. An error returned here means `done` will
// not be called (and the failure is already counted); otherwise `done` runs once, later.
Status SubmitInference(ModelVersion& model, InferRequest* request, Clock::time_point received,
                       InferDone done);

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_INFERENCE_H_
