// Copyright servebench authors.
//
// What a result depends on besides the config: the machine and the software. Stored with every
// run so that two runs can be compared knowingly.

#ifndef SERVEBENCH_BENCH_ENVIRONMENT_H_
#define SERVEBENCH_BENCH_ENVIRONMENT_H_

#include <nlohmann/json.hpp>

namespace servebench {

// {"cpu_model", "cores", "memory_bytes", "kernel", "os", "hostname", "servebench_version",
//  "compiler", "libraries": {"boost", "sqlite", "torch" (python3-torch's version, when present),
//  ...}, "gpu": [...] (NVML, when present)}.
nlohmann::json CollectEnvironment();

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_ENVIRONMENT_H_
