// libFuzzer target: a latency histogram as the journal and results.json hold it
// (core/histogram.h FromJson). A histogram that reads is usable: its statistics do not crash,
// it merges with itself, and it writes back to JSON that reads to the same histogram.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "servebench/core/histogram.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using servebench::Histogram;
  const nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) return 0;
  Histogram h = Histogram::ForLatency();
  std::string error;
  if (!Histogram::FromJson(j, &h, &error)) {
    if (error.empty()) __builtin_trap();
    return 0;
  }
  for (double p : {0.001, 1.0, 50.0, 90.0, 99.0, 99.9, 100.0}) h.ValueAtPercentile(p);
  h.mean();
  h.stddev();
  h.min();
  h.max();
  h.CountAtOrBelow(h.max());
  h.HighestEquivalentValue(h.max());
  h.BucketWidth(h.max());
  const nlohmann::json written = h.ToJson();
  Histogram again = Histogram::ForLatency();
  if (!Histogram::FromJson(written, &again, &error)) __builtin_trap();
  if (again.ToJson() != written) __builtin_trap();
  // Merging a histogram into a copy of itself is exact (it may refuse an overflowing count).
  Histogram twice = h;
  twice.Merge(h);
  twice.ValueAtPercentile(99.0);
  return 0;
}
