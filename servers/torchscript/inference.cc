#include "inference.h"

namespace servebench::ts {

Status SubmitInference(ModelVersion& model, InferRequest* request, Clock::time_point received,
                       InferDone done) {
  auto job = std::make_unique<InferJob>();
  Status st = PrepareRequest(model.spec, request, &job->request);
  if (st.ok()) {
    job->received = received;
    job->done = std::move(done);
    st = model.scheduler->Enqueue(std::move(job));
  }
  if (!st.ok()) {
    model.stats.fail.Add(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - received).count()));
  }
  return st;
}

}  // namespace servebench::ts
