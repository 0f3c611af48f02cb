// Copyright servebench authors.

#include "servebench/lifecycle/nvml.h"

#include <dlfcn.h>

namespace servebench {

// Named, not anonymous: Nvml::Api's fields use these types, and GCC warns of a class with
// external linkage holding file-local types when this file is part of a unity source.
namespace nvml_api {

// The few declarations servebench needs, from NVML's public API documentation (no NVML headers
// are needed to build). nvmlReturn_t is an enum whose success value is 0.
using nvmlReturn_t = int;
constexpr nvmlReturn_t kNvmlSuccess = 0;
using nvmlDevice_t = void*;
struct nvmlUtilization_t {
  unsigned int gpu;     // percent of time a kernel ran
  unsigned int memory;  // percent of time memory was read or written
};
struct nvmlMemory_t {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};

}  // namespace nvml_api

using nvml_api::kNvmlSuccess;
using nvml_api::nvmlDevice_t;
using nvml_api::nvmlMemory_t;
using nvml_api::nvmlReturn_t;
using nvml_api::nvmlUtilization_t;

struct Nvml::Api {
  nvmlReturn_t (*init)();
  nvmlReturn_t (*device_count)(unsigned int*);
  nvmlReturn_t (*device_handle)(unsigned int, nvmlDevice_t*);
  nvmlReturn_t (*utilization)(nvmlDevice_t, nvmlUtilization_t*);
  nvmlReturn_t (*memory)(nvmlDevice_t, nvmlMemory_t*);
  nvmlReturn_t (*power_mw)(nvmlDevice_t, unsigned int*);
};

namespace {

template <typename F>
bool Load(void* library, const char* symbol, F* out) {
  *out = reinterpret_cast<F>(dlsym(library, symbol));
  return *out != nullptr;
}

}  // namespace

const Nvml* Nvml::Get() {
  // Loaded once and never unloaded: NVML is meant to be initialised once per process.
  static const Nvml* const instance = []() -> const Nvml* {
    void* library = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) return nullptr;
    static Api api;
    if (!Load(library, "nvmlInit_v2", &api.init) ||
        !Load(library, "nvmlDeviceGetCount_v2", &api.device_count) ||
        !Load(library, "nvmlDeviceGetHandleByIndex_v2", &api.device_handle) ||
        !Load(library, "nvmlDeviceGetUtilizationRates", &api.utilization) ||
        !Load(library, "nvmlDeviceGetMemoryInfo", &api.memory) ||
        !Load(library, "nvmlDeviceGetPowerUsage", &api.power_mw) || api.init() != kNvmlSuccess) {
      dlclose(library);
      return nullptr;
    }
    unsigned int count = 0;
    if (api.device_count(&count) != kNvmlSuccess || count == 0) return nullptr;
    auto* nvml = new Nvml();
    nvml->api_ = &api;
    for (unsigned int i = 0; i < count; ++i) {
      nvmlDevice_t device = nullptr;
      if (api.device_handle(i, &device) != kNvmlSuccess) {
        delete nvml;
        return nullptr;
      }
      nvml->devices_.push_back(device);
    }
    return nvml;
  }();
  return instance;
}

bool Nvml::Read(std::vector<GpuReading>* out) const {
  out->clear();
  for (void* device : devices_) {
    nvmlUtilization_t utilization{};
    nvmlMemory_t memory{};
    unsigned int milliwatts = 0;
    if (api_->utilization(device, &utilization) != kNvmlSuccess ||
        api_->memory(device, &memory) != kNvmlSuccess) {
      return false;
    }
    GpuReading reading;
    reading.utilization_percent = utilization.gpu;
    reading.memory_used_bytes = static_cast<double>(memory.used);
    // Some boards cannot report power; their power reads as 0 rather than losing the rest.
    if (api_->power_mw(device, &milliwatts) == kNvmlSuccess) {
      reading.power_watts = milliwatts / 1000.0;
    }
    out->push_back(reading);
  }
  return true;
}

}  // namespace servebench
