// Copyright servebench authors.
//
// A model's test split as the model zoo writes it beside the model (docs/models.md, "Test
// data"): the card's `test_data.header` names a JSON header, relative to the model's folder,
// which names a float32 inputs file [N, ...] and an int64 labels file [N], both raw
// little-endian. The accuracy pass sends the inputs through a server and scores the answers
// against the labels.

#ifndef SERVEBENCH_BENCH_TEST_DATA_H_
#define SERVEBENCH_BENCH_TEST_DATA_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "servebench/lifecycle/model_variant.h"
#include "servebench/protocols/protocol_adapter.h"

namespace servebench {

struct TestData {
  std::string header;           // the header file's path
  TensorValues inputs;          // shape [N, ...]
  std::vector<int64_t> labels;  // N class indices
  int64_t classes = 0;          // labels lie in [0, classes)
  int64_t samples() const { return static_cast<int64_t>(labels.size()); }
};

enum class TestDataStatus {
  kLoaded,
  kNone,     // the card names no test data (or there is no card): nothing to score against
  kInvalid,  // it names some, but the files are missing or not as the header says
};

// Reads the test data `card` (the variant's card.json) names. *message says why on kNone
// ("no test data for resnet18: ...") and kInvalid (the file and what is wrong with it).
TestDataStatus LoadTestData(const ModelVariant& variant, const nlohmann::json& card, TestData* data,
                            std::string* message);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_TEST_DATA_H_
