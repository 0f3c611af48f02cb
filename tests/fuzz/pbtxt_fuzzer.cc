// libFuzzer target: a model's config.pbtxt as servebench reads it (lifecycle/pbtxt.h): the
// schema-less reader, the writer (what it writes reads back to the same text), the rewrite for a
// derived repository, and DescribeModel (systems/model_description.h), which reads the file from
// a model folder. Model repositories come from users and from other tools: untrusted.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "fuzz_files.h"
#include "servebench/lifecycle/derived_repository.h"
#include "servebench/lifecycle/pbtxt.h"
#include "servebench/systems/model_description.h"

namespace {

void UnquoteAll(const servebench::PbtxtMessage& message) {
  for (const servebench::PbtxtField& f : message.fields) {
    if (f.is_message) {
      UnquoteAll(f.message);
    } else {
      servebench::PbtxtUnquote(f.scalar);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace servebench;
  const std::string text(reinterpret_cast<const char*>(data), size);
  PbtxtMessage message;
  std::string error;
  if (ParsePbtxt(text, &message, &error)) {
    UnquoteAll(message);
    // What the writer writes, the reader reads, and writing it again gives the same text.
    const std::string written = WritePbtxt(message);
    PbtxtMessage again;
    if (!ParsePbtxt(written, &again, &error)) __builtin_trap();
    if (WritePbtxt(again) != written) __builtin_trap();
    for (bool batching : {false, true}) {
      RepositoryOverrides overrides;
      overrides.dynamic_batching = batching;
      overrides.preferred_batch_sizes = {2, 4};
      std::string rewritten;
      if (RewriteModelConfig(text, "fuzz", overrides, &rewritten, &error) &&
          !ParsePbtxt(rewritten, &again, &error)) {
        __builtin_trap();
      }
    }
  } else if (error.empty()) {
    __builtin_trap();
  }
  // The same bytes as a model folder's config.pbtxt.
  static const std::string model = [] {
    const std::string folder = fuzz::Folder() + "/m";
    std::filesystem::create_directories(folder + "/1");
    fuzz::WriteFile(folder + "/1/model.pt", nullptr, 0);
    return folder;
  }();
  fuzz::WriteFile(model + "/config.pbtxt", data, size);
  ModelDescription description;
  if (!DescribeModel({"m", fuzz::Folder()}, &description, &error) && error.empty())
    __builtin_trap();
  return 0;
}
