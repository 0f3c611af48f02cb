// Copyright servebench authors.
//
// Accuracy through the server (docs/metrics.md): a model's whole test split sent once through a
// running server, each sample's answer scored against its label, and the count compared with
// the one on the model card. A server that changes the answers (another quantized engine, a
// wrong preprocessing, a broken batcher) shows here and not in any latency.

#ifndef SERVEBENCH_BENCH_ACCURACY_PASS_H_
#define SERVEBENCH_BENCH_ACCURACY_PASS_H_

#include <atomic>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "servebench/bench/test_data.h"
#include "servebench/protocols/protocol_adapter.h"
#include "servebench/records/accuracy_record.h"

namespace servebench {

// The server's top-1 may differ from the card's by this many samples without a warning: a
// different kernel or thread count can move one borderline sample.
inline constexpr int64_t kAccuracyToleranceSamples = 1;

struct AccuracyCount {
  int64_t samples = 0;  // scored
  int64_t correct = 0;  // whose top-1 class is the label
  int64_t requests = 0;
  bool interrupted = false;
};

// The index of the largest of `n` scores: the first of equal ones, and the first NaN if there
// is one, as torch.argmax chooses (the card's accuracy is torch's).
int64_t Top1Class(const double* scores, int64_t n);

// Sends `data` to `model` at `base_url` through `adapter`, `batch` samples a request, one
// request at a time, and scores the first output of each answer: [n, scores...] for n samples
// (or the scores alone for a model without a batch dimension). False with *error when a request
// fails, a response is not a good one, or the user interrupts (count->interrupted).
bool RunAccuracyPass(const ProtocolAdapter& adapter, const std::string& base_url,
                     const std::string& model, const TestData& data, int batch,
                     int64_t request_timeout_ns, const std::atomic<bool>* interrupt,
                     AccuracyCount* count, std::string* error);

// The record of a pass: its counts beside the card's accuracy (`card` is the model's card.json),
// and a warning when they are more than kAccuracyToleranceSamples apart or cannot be compared.
AccuracyRecord JudgeAccuracy(const AccuracyCount& count, const nlohmann::json& card, int batch,
                             const std::string& test_data);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_ACCURACY_PASS_H_
