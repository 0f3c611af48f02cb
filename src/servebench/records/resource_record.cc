// Copyright servebench authors.

#include "servebench/records/resource_record.h"

namespace servebench {

using nlohmann::json;

json MeanMax::ToJson() const { return {{"mean", mean}, {"max", max}}; }

void MeanMax::Read(JsonReader* in) {
  in->Field("mean", &mean);
  in->Field("max", &max);
}

json GpuRecord::ToJson() const {
  return {{"devices", devices},
          {"utilization_percent", utilization_percent.ToJson()},
          {"memory_used_bytes", memory_used_bytes.ToJson()},
          {"power_watts", power_watts.ToJson()}};
}

void GpuRecord::Read(JsonReader* in) {
  in->Field("devices", &devices);
  in->Field("utilization_percent", &utilization_percent);
  in->Field("memory_used_bytes", &memory_used_bytes);
  in->Field("power_watts", &power_watts);
}

json ResourceRecord::ToJson() const {
  json j = {{"samples", samples},
            {"period_s", period_s},
            {"cpu_percent", cpu_percent.ToJson()},
            {"rss_bytes", rss_bytes.ToJson()},
            {"pss_bytes", pss_bytes.ToJson()},
            {"threads", threads.ToJson()},
            {"processes_max", processes_max}};
  if (gpu) j["gpu"] = gpu->ToJson();
  return j;
}

void ResourceRecord::Read(JsonReader* in) {
  in->Field("samples", &samples);
  in->Field("period_s", &period_s);
  in->Field("cpu_percent", &cpu_percent);
  in->Field("rss_bytes", &rss_bytes);
  in->Field("pss_bytes", &pss_bytes);
  in->Field("threads", &threads);
  in->Field("processes_max", &processes_max);
  in->Field("gpu", &gpu);
}

}  // namespace servebench
