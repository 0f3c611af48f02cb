// libFuzzer target: config.pbtxt as servebench-torchscript reads it (servers/torchscript
// model_config.h ParseModelConfig, protobuf text format into a ModelSpec). A model repository
// is untrusted: a bad config is an error naming the file, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "model_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  servebench::ts::ModelSpec spec;
  const servebench::ts::Status status =
      servebench::ts::ParseModelConfig(text, "fuzz/m/config.pbtxt", "m", &spec);
  if (!status.ok() && status.message().empty()) __builtin_trap();
  return 0;
}
