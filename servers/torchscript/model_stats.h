// Per model-version counters behind the statistics extension and the Prometheus metrics.
// Lock-free: every request updates them from whichever thread finishes it.
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_STATS_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_STATS_H_

#include <atomic>
#include <cstdint>

namespace servebench::ts {

// A count and the nanoseconds spent, as Triton's statistics report them.
struct DurationStat {
  std::atomic<uint64_t> count{0};
  std::atomic<uint64_t> ns{0};

  void Add(uint64_t duration_ns) {
    count.fetch_add(1, std::memory_order_relaxed);
    ns.fetch_add(duration_ns, std::memory_order_relaxed);
  }
};

struct ModelStats {
  DurationStat success;                       // whole request, received to response ready
  DurationStat fail;                          // requests that failed validation or execution
  DurationStat queue;                         // waiting for an instance or for a batch to form
  DurationStat compute_input;                 // batching inputs and making tensors
  DurationStat compute_infer;                 // forward()
  DurationStat compute_output;                // copying and splitting outputs
  std::atomic<uint64_t> inference_count{0};   // samples: a request of batch 8 counts 8
  std::atomic<uint64_t> execution_count{0};   // model executions: a batch of requests counts 1
  std::atomic<int64_t> last_inference_ms{0};  // wall clock, ms since the epoch, for reports only
};

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_MODEL_STATS_H_
