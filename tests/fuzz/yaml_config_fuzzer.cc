// libFuzzer target: an experiment's YAML (bench/config.h ParseConfig), as a user or a script
// may write it. Whatever the text, ParseConfig returns an experiment or an error naming the
// place; it never crashes, hangs or leaks, and an error is never empty.
#include <cstddef>
#include <cstdint>
#include <string>

#include "servebench/bench/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  servebench::ExperimentConfig config;
  std::string error;
  if (!servebench::ParseConfig(yaml, "fuzz.yaml", "/nonexistent-base", &config, &error) &&
      error.empty()) {
    __builtin_trap();
  }
  return 0;
}
