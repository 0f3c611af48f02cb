// Copyright servebench authors.
//
// A model as the zoo writes it, and helpers to read back the config.pbtxt a launch plan derived
// from it: shared by the derived-repository tests and the serving-system tests.

#ifndef SERVEBENCH_TESTS_LIFECYCLE_MODEL_FIXTURE_H_
#define SERVEBENCH_TESTS_LIFECYCLE_MODEL_FIXTURE_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "servebench/lifecycle/model_variant.h"
#include "servebench/lifecycle/pbtxt.h"
#include "temp_dir.h"

namespace servebench {
namespace testing {

namespace fs = std::filesystem;

// As models/prepare.py writes them.
inline constexpr char kZooConfig[] = R"(name: "digits-mlp"
platform: "pytorch_libtorch"
max_batch_size: 128
input [
  {
    name: "INPUT__0"
    data_type: TYPE_FP32
    dims: [ 64 ]
  }
]
output [
  {
    name: "OUTPUT__0"
    data_type: TYPE_FP32
    dims: [ 10 ]
  }
]
instance_group [
  {
    count: 1
    kind: KIND_CPU
  }
]
parameters {
  key: "INTRA_OP_THREAD_COUNT"
  value { string_value: "1" }
}
parameters {
  key: "QUANTIZED_ENGINE"
  value { string_value: "qnnpack" }
}
)";

inline std::string Read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline PbtxtMessage Parse(const std::string& text) {
  PbtxtMessage message;
  std::string error;
  EXPECT_TRUE(ParsePbtxt(text, &message, &error)) << error << "\n" << text;
  return message;
}

inline std::vector<std::string> Scalars(const PbtxtMessage& m, const std::string& name) {
  std::vector<std::string> out;
  for (const PbtxtField& f : m.fields) {
    if (f.name == name && !f.is_message) out.push_back(f.scalar);
  }
  return out;
}

inline int Count(const PbtxtMessage& m, const std::string& name) {
  return static_cast<int>(std::count_if(m.fields.begin(), m.fields.end(),
                                        [&](const PbtxtField& f) { return f.name == name; }));
}

// parameters[key].value.string_value, or "" when absent.
inline std::string Parameter(const PbtxtMessage& m, const std::string& key) {
  for (const PbtxtField& f : m.fields) {
    const PbtxtField* k = f.is_message ? f.message.Find("key") : nullptr;
    if (f.name == "parameters" && k && PbtxtUnquote(k->scalar) == key) {
      return PbtxtUnquote(f.message.Find("value")->message.Find("string_value")->scalar);
    }
  }
  return "";
}

// <dir>/zoo/digits-mlp with kZooConfig, a card and version 1.
inline ModelVariant MakeModel(const TempDir& dir) {
  const fs::path model = fs::path(dir.path()) / "zoo" / "digits-mlp";
  fs::create_directories(model / "1");
  std::ofstream(model / "config.pbtxt") << kZooConfig;
  std::ofstream(model / "card.json") << "{}";
  std::ofstream(model / "1" / "model.pt") << "weights";
  return {"digits-mlp", (fs::path(dir.path()) / "zoo").string()};
}

}  // namespace testing
}  // namespace servebench

#endif  // SERVEBENCH_TESTS_LIFECYCLE_MODEL_FIXTURE_H_
