// Copyright servebench authors.
//
// What a server's process tree used during one load level: a level record's "resources". The
// runner fills it from the resource sampler (lifecycle/resource_sampler.h); docs/results.md
// defines each field.

#ifndef SERVEBENCH_RECORDS_RESOURCE_RECORD_H_
#define SERVEBENCH_RECORDS_RESOURCE_RECORD_H_

#include <nlohmann/json.hpp>
#include <optional>

#include "servebench/core/json_reader.h"

namespace servebench {

// The mean and the maximum of a sampled quantity.
struct MeanMax {
  double mean = 0;
  double max = 0;

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

// Whole GPUs as NVML reports them, summed over devices.
struct GpuRecord {
  int devices = 0;
  MeanMax utilization_percent;
  MeanMax memory_used_bytes;
  MeanMax power_watts;

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

struct ResourceRecord {
  int samples = 0;
  double period_s = 0;
  MeanMax cpu_percent;  // 100 = one core busy, summed over the process tree
  MeanMax rss_bytes;
  MeanMax pss_bytes;
  MeanMax threads;
  int processes_max = 0;
  std::optional<GpuRecord> gpu;  // absent from the JSON without NVML

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

}  // namespace servebench

#endif  // SERVEBENCH_RECORDS_RESOURCE_RECORD_H_
