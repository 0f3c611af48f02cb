// Runs a model version's requests on its instances. Without dynamic batching each request runs
// alone on the next free instance; with it, one queue per model feeds instances that form
// batches up to max_batch_size, prefer the configured preferred sizes, and hold no request
// longer than max_queue_delay. Outputs are split back to their requests.
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_SCHEDULER_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_SCHEDULER_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "infer_request.h"
#include "model_runner.h"
#include "model_spec.h"
#include "model_stats.h"
#include "status.h"

namespace servebench::ts {

using Clock = std::chrono::steady_clock;

struct InferJob {
  PreparedRequest request;
  Clock::time_point received;  // when the front end got the request
  Clock::time_point enqueued;  // set by Enqueue
  // Called once, on an instance thread: the requested outputs in the requested order (with
  // request.output_binary beside them), or why the model failed.
  std::function<void(const Status&, std::vector<Tensor>&&, const PreparedRequest&)> done;
};

class ModelScheduler {
 public:
  ModelScheduler(ModelSpec spec, std::vector<std::unique_ptr<ModelRunner>> runners,
                 ModelStats* stats);
  ~ModelScheduler();
  ModelScheduler(const ModelScheduler&) = delete;
  ModelScheduler& operator=(const ModelScheduler&) = delete;

  // Unavailable once Stop has begun; the job is then not run and `done` is not called.
  Status Enqueue(std::unique_ptr<InferJob> job);

  // Runs everything already queued, then joins the instance threads. Idempotent.
  void Stop();

 private:
  using Batch = std::vector<std::unique_ptr<InferJob>>;

  void InstanceLoop(ModelRunner* runner);
  // Blocks until there is work; an empty batch means stop.
  Batch TakeBatch();
  Batch TakeBatchLocked(size_t jobs);
  // `scratch` belongs to the calling instance thread: the per-request output tensors, reused
  // from request to request so that answering costs no allocation for them.
  void Execute(ModelRunner* runner, Batch& batch, std::vector<Tensor>* scratch);
  void Fail(Batch& batch, const Status& status);
  bool Compatible(const InferJob& a, const InferJob& b) const;

  const ModelSpec spec_;
  std::vector<std::unique_ptr<ModelRunner>> runners_;
  ModelStats* stats_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<InferJob>> queue_;
  int64_t queued_samples_ = 0;
  bool stopping_ = false;

  std::mutex stop_mu_;
  std::vector<std::thread> threads_;
};

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_SCHEDULER_H_
