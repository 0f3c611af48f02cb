// Copyright servebench authors.
//
// NVIDIA's management library, loaded at run time (dlopen of libnvidia-ml.so.1, the name the
// driver installs) so that servebench builds and runs on machines without an NVIDIA driver and
// reports GPU figures as absent there.

#ifndef SERVEBENCH_LIFECYCLE_NVML_H_
#define SERVEBENCH_LIFECYCLE_NVML_H_

#include <cstdint>
#include <vector>

namespace servebench {

struct GpuReading {
  double utilization_percent = 0;  // of the last sample period NVML keeps (1/6 s to 1 s)
  double memory_used_bytes = 0;
  double power_watts = 0;
};

class Nvml {
 public:
  // The process-wide instance, loaded and initialised on first use; null when the library is
  // missing, fails to initialise or sees no device.
  static const Nvml* Get();

  int devices() const { return static_cast<int>(devices_.size()); }

  // One reading per device; false when any device cannot be read.
  bool Read(std::vector<GpuReading>* out) const;

 private:
  struct Api;
  Nvml() = default;
  const Api* api_ = nullptr;
  std::vector<void*> devices_;  // nvmlDevice_t handles
};

}  // namespace servebench

#endif  // SERVEBENCH_LIFECYCLE_NVML_H_
