// Copyright servebench authors.

#include "servebench/load/thread_schedule.h"

#include <cstdint>

namespace servebench {

namespace {

// `count` intended times, all at `offset_ns`.
class BurstSchedule : public ArrivalSchedule {
 public:
  BurstSchedule(int64_t count, int64_t offset_ns) : left_(count), offset_ns_(offset_ns) {}
  bool Next(int64_t* offset_ns) override {
    if (left_ <= 0) return false;
    --left_;
    *offset_ns = offset_ns_;
    return true;
  }

 private:
  int64_t left_;
  const int64_t offset_ns_;
};

}  // namespace

std::unique_ptr<ArrivalSchedule> ScheduleForThread(const LoadSettings& s, int t) {
  const int threads = s.threads;
  if (s.scenario.kind == LoadScenario::kOffline) {
    const int64_t requests = s.scenario.offline_requests();
    return std::make_unique<BurstSchedule>(requests / threads + (t < requests % threads),
                                           s.warmup_ns);
  }
  switch (s.arrival) {
    case Arrival::kConstant:
      return NewConstantSchedule(s.rate / threads,
                                 static_cast<int64_t>(t * (kNanosPerSecond / s.rate)));
    case Arrival::kPoisson:
      return NewPoissonSchedule(s.rate / threads,
                                s.seed ^ (0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(t + 1)));
    case Arrival::kTrace:
      return NewTraceSchedule(s.trace, static_cast<size_t>(t), static_cast<size_t>(threads));
  }
  return nullptr;
}

}  // namespace servebench
