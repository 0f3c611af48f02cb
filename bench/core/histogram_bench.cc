// Copyright servebench authors.
//
// Record() sits in the load generator's per-request path, so its cost is what matters most here;
// Merge and ValueAtPercentile run once per window and thread, and bound how often a live view can
// refresh.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "servebench/core/histogram.h"

namespace servebench {
namespace {

// Latency-like values in ns, generated before timing: log-normal with a median of ~440 us and a
// long tail (p99 ~14 ms), plus the odd value beyond the range to exercise clamping rarely.
const std::vector<int64_t>& LatencyValues() {
  static const std::vector<int64_t> values = [] {
    std::mt19937_64 rng(2024);
    std::lognormal_distribution<double> dist(13.0, 1.5);
    std::vector<int64_t> v(1 << 16);  // power of two: index with a mask
    for (int64_t& x : v) x = static_cast<int64_t>(dist(rng));
    return v;
  }();
  return values;
}

Histogram FilledHistogram(uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(13.0, 1.5);
  Histogram h = Histogram::ForLatency();
  for (int i = 0; i < n; ++i) h.Record(static_cast<int64_t>(dist(rng)));
  return h;
}

// Slots from 0 to highest(), walking from each sub-bucket to the next through the public API.
size_t SlotCount(const Histogram& h) {
  size_t slots = 0;
  for (int64_t v = 0; v <= h.highest(); v = h.HighestEquivalentValue(v) + 1) ++slots;
  return slots;
}

void BM_Record(benchmark::State& state) {
  const std::vector<int64_t>& values = LatencyValues();
  const size_t mask = values.size() - 1;
  Histogram h = Histogram::ForLatency();
  size_t i = 0;
  for (auto _ : state) {
    h.Record(values[i++ & mask]);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
  // Memory of one ForLatency histogram: the object plus its counts array, one int64 per slot.
  state.counters["histogram_bytes"] =
      static_cast<double>(sizeof(Histogram) + sizeof(int64_t) * SlotCount(h));
}
BENCHMARK(BM_Record);

void BM_RecordSameValue(benchmark::State& state) {
  Histogram h = Histogram::ForLatency();
  int64_t v = 1234567;
  for (auto _ : state) {
    benchmark::DoNotOptimize(v);
    h.Record(v);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RecordSameValue);

void BM_RecordN(benchmark::State& state) {
  const std::vector<int64_t>& values = LatencyValues();
  const size_t mask = values.size() - 1;
  Histogram h = Histogram::ForLatency();
  size_t i = 0;
  for (auto _ : state) {
    h.RecordN(values[i++ & mask], 8);  // a batch of 8 samples
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RecordN);

void BM_Merge(benchmark::State& state) {
  const Histogram other = FilledHistogram(1, 100000);
  Histogram h = Histogram::ForLatency();
  for (auto _ : state) {
    h.Merge(other);
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_Merge);

void BM_ValueAtPercentile(benchmark::State& state) {
  const Histogram h = FilledHistogram(2, 1000000);
  const double p = static_cast<double>(state.range(0)) / 1000.0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.ValueAtPercentile(p));
  }
}
BENCHMARK(BM_ValueAtPercentile)->Arg(50000)->Arg(99000)->Arg(99990)->Arg(100000);

void BM_ToJson(benchmark::State& state) {
  const Histogram h = FilledHistogram(3, 1000000);
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.ToJson().dump().size());
  }
}
BENCHMARK(BM_ToJson);

}  // namespace
}  // namespace servebench

BENCHMARK_MAIN();
