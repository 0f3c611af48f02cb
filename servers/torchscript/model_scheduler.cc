#include "model_scheduler.h"

#include <pthread.h>

#include <algorithm>
#include <exception>
#include <string>

namespace servebench::ts {

namespace {

int64_t Nanos(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

int64_t WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Bytes of one batch row of `t` (all dimensions but the first).
size_t RowBytes(const Tensor& t) {
  if (t.shape.empty() || t.shape[0] == 0) return 0;
  return t.data.size() / static_cast<size_t>(t.shape[0]);
}

}  // namespace

ModelScheduler::ModelScheduler(ModelSpec spec, std::vector<std::unique_ptr<ModelRunner>> runners,
                               ModelStats* stats)
    : spec_(std::move(spec)), runners_(std::move(runners)), stats_(stats) {
  for (auto& runner : runners_) {
    threads_.emplace_back([this, r = runner.get()] { InstanceLoop(r); });
  }
}

ModelScheduler::~ModelScheduler() { Stop(); }

Status ModelScheduler::Enqueue(std::unique_ptr<InferJob> job) {
  job->enqueued = Clock::now();
  int64_t samples = job->request.batch_size;
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return Status::Unavailable("model '" + spec_.name + "' is being unloaded");
    bool was_empty = queue_.empty();
    queue_.push_back(std::move(job));
    int64_t before = queued_samples_;
    queued_samples_ += samples;
    if (!spec_.dynamic_batching) {
      wake = true;
    } else {
      // Wake a batcher only when it has something new to decide: the first request (to start
      // its delay clock), a preferred size reached, or a full batch. Waking it per request
      // would cost a context switch each, which is what batching is meant to save.
      wake = was_empty || queued_samples_ >= spec_.max_batch_size;
      for (int p : spec_.preferred_batch_sizes) {
        if (before < p && queued_samples_ >= p) wake = true;
      }
    }
  }
  if (wake) cv_.notify_one();
  return Status::Ok();
}

void ModelScheduler::Stop() {
  std::lock_guard<std::mutex> stop_lock(stop_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (!t.joinable()) continue;
    // Stop from an instance's own callback cannot wait for itself; it finishes on its own.
    if (t.get_id() == std::this_thread::get_id()) {
      t.detach();
    } else {
      t.join();
    }
  }
  threads_.clear();
}

bool ModelScheduler::Compatible(const InferJob& a, const InferJob& b) const {
  for (size_t i = 0; i < a.request.inputs.size(); ++i) {
    const Shape& sa = a.request.inputs[i].shape;
    const Shape& sb = b.request.inputs[i].shape;
    if (!std::equal(sa.begin() + 1, sa.end(), sb.begin() + 1, sb.end())) return false;
  }
  return true;
}

ModelScheduler::Batch ModelScheduler::TakeBatchLocked(size_t jobs) {
  Batch batch;
  batch.reserve(jobs);
  for (size_t i = 0; i < jobs; ++i) {
    queued_samples_ -= queue_.front()->request.batch_size;
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return batch;
}

ModelScheduler::Batch ModelScheduler::TakeBatch() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return {};
    if (!spec_.dynamic_batching) {
      Batch batch = TakeBatchLocked(1);
      // More work queued than this instance takes: let an idle sibling have it.
      if (!queue_.empty() && runners_.size() > 1) cv_.notify_one();
      return batch;
    }
    // The longest prefix that can run as one batch: same non-batch shapes, within max.
    const InferJob& front = *queue_.front();
    int64_t samples = 0;
    size_t jobs = 0;
    size_t preferred_jobs = 0;
    bool can_grow = true;
    for (; jobs < queue_.size(); ++jobs) {
      const InferJob& j = *queue_[jobs];
      if (!Compatible(front, j) || samples + j.request.batch_size > spec_.max_batch_size) {
        can_grow = false;
        break;
      }
      samples += j.request.batch_size;
      if (std::binary_search(spec_.preferred_batch_sizes.begin(), spec_.preferred_batch_sizes.end(),
                             samples)) {
        preferred_jobs = jobs + 1;
      }
    }
    if (samples >= spec_.max_batch_size) can_grow = false;
    Clock::time_point deadline =
        front.enqueued + std::chrono::microseconds(spec_.max_queue_delay_us);
    bool expired = Clock::now() >= deadline;
    if (!can_grow || stopping_ || expired) {
      Batch batch = TakeBatchLocked(jobs);
      if (!queue_.empty() && runners_.size() > 1) cv_.notify_one();
      return batch;
    }
    if (preferred_jobs > 0 && !spec_.preferred_batch_sizes.empty()) {
      // A preferred size can be formed now: Triton's batcher runs the largest one at once.
      Batch batch = TakeBatchLocked(preferred_jobs);
      if (!queue_.empty() && runners_.size() > 1) cv_.notify_one();
      return batch;
    }
    cv_.wait_until(lock, deadline);
  }
}

void ModelScheduler::InstanceLoop(ModelRunner* runner) {
  // "m:<model>" in top -H and perf, so an operator sees which model's instance is busy.
  std::string name = "m:" + spec_.name;
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
  runner->InitThread();
  std::vector<Tensor> scratch;
  for (;;) {
    Batch batch = TakeBatch();
    if (batch.empty()) return;
    Execute(runner, batch, &scratch);
  }
}

void ModelScheduler::Fail(Batch& batch, const Status& status) {
  Clock::time_point now = Clock::now();
  for (auto& job : batch) {
    stats_->fail.Add(static_cast<uint64_t>(Nanos(now - job->received)));
    job->done(status, {}, job->request);
  }
}

void ModelScheduler::Execute(ModelRunner* runner, Batch& batch, std::vector<Tensor>* scratch) {
  Clock::time_point start = Clock::now();
  for (auto& job : batch) stats_->queue.Add(static_cast<uint64_t>(Nanos(start - job->enqueued)));

  // Concatenate along the batch dimension; a batch of one runs on the request's own tensors.
  std::vector<Tensor> merged;
  int64_t total = 0;
  for (auto& job : batch) total += job->request.batch_size;
  if (batch.size() > 1) {
    merged.resize(spec_.inputs.size());
    for (size_t i = 0; i < spec_.inputs.size(); ++i) {
      const Tensor& first = batch[0]->request.inputs[i];
      Tensor& m = merged[i];
      m.name = first.name;
      m.type = first.type;
      m.shape = first.shape;
      m.shape[0] = total;
      size_t bytes = 0;
      for (auto& job : batch) bytes += job->request.inputs[i].data.size();
      m.data.reserve(bytes);
      for (auto& job : batch) m.data.append(job->request.inputs[i].data);
    }
  }
  const std::vector<Tensor>& inputs = batch.size() > 1 ? merged : batch[0]->request.inputs;
  int64_t merge_ns = Nanos(Clock::now() - start);

  std::vector<Tensor> outputs;
  RunTimings timings;
  Status status;
  try {
    status = runner->Run(inputs, &outputs, &timings);
  } catch (const std::exception& e) {
    status = Status::Internal(e.what());
  }
  if (status.ok() && outputs.size() != spec_.outputs.size()) {
    status =
        Status::Internal("model '" + spec_.name + "' returned " + std::to_string(outputs.size()) +
                         " outputs, its config declares " + std::to_string(spec_.outputs.size()));
  }
  if (status.ok() && spec_.max_batch_size > 0) {
    for (const Tensor& t : outputs) {
      if (t.shape.empty() || t.shape[0] != total) {
        status = Status::Internal("model '" + spec_.name + "' output '" + t.name + "' has shape " +
                                  ShapeToString(t.shape) + ", expected a leading batch of " +
                                  std::to_string(total));
        break;
      }
    }
  }
  if (!status.ok()) {
    Fail(batch, status);
    return;
  }

  Clock::time_point split_start = Clock::now();
  // Each request's share of the outputs, cut when its turn comes, into tensors that are reused
  // from request to request (a callback may move them away; they are then rebuilt).
  std::vector<Tensor>& parts = *scratch;
  auto cut = [&](const PreparedRequest& req, int64_t offset) {
    parts.resize(req.output_indices.size());
    for (size_t k = 0; k < req.output_indices.size(); ++k) {
      const Tensor& whole = outputs[static_cast<size_t>(req.output_indices[k])];
      Tensor& part = parts[k];
      part.name.assign(whole.name);
      part.type = whole.type;
      part.shape.assign(whole.shape.begin(), whole.shape.end());
      if (spec_.max_batch_size > 0) {
        part.shape[0] = req.batch_size;
        size_t row = RowBytes(whole);
        part.data.assign(whole.data, static_cast<size_t>(offset) * row,
                         static_cast<size_t>(req.batch_size) * row);
      } else {
        part.data.assign(whole.data);
      }
    }
  };
  Clock::time_point end = Clock::now();
  uint64_t input_ns = static_cast<uint64_t>(merge_ns + timings.input_ns);
  uint64_t infer_ns = static_cast<uint64_t>(timings.infer_ns);
  uint64_t output_ns = static_cast<uint64_t>(timings.output_ns + Nanos(end - split_start));
  stats_->execution_count.fetch_add(1, std::memory_order_relaxed);
  stats_->inference_count.fetch_add(static_cast<uint64_t>(total), std::memory_order_relaxed);
  stats_->last_inference_ms.store(WallMillis(), std::memory_order_relaxed);
  int64_t offset = 0;
  for (size_t j = 0; j < batch.size(); ++j) {
    const PreparedRequest& req = batch[j]->request;
    stats_->compute_input.Add(input_ns);
    stats_->compute_infer.Add(infer_ns);
    stats_->compute_output.Add(output_ns);
    stats_->success.Add(static_cast<uint64_t>(Nanos(end - batch[j]->received)));
    if (batch.size() == 1 && req.output_indices.size() == outputs.size() &&
        std::is_sorted(req.output_indices.begin(), req.output_indices.end())) {
      // The common unbatched case: one request wanting everything takes the tensors as they are.
      batch[j]->done(Status::Ok(), std::move(outputs), req);
    } else {
      cut(req, offset);
      batch[j]->done(Status::Ok(), std::move(parts), req);
    }
    offset += req.batch_size;
  }
}

}  // namespace servebench::ts
