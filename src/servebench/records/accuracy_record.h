// Copyright servebench authors.
//
// An accuracy cell's result: the model's test split sent through the server once, its top-1
// beside the model card's, and a warning when they are more than one sample apart; a cell
// record's "accuracy", defined in docs/results.md. A variant without test data is skipped with
// the reason, not failed.

#ifndef SERVEBENCH_RECORDS_ACCURACY_RECORD_H_
#define SERVEBENCH_RECORDS_ACCURACY_RECORD_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "servebench/core/json_reader.h"

namespace servebench {

struct AccuracyRecord {
  bool skipped = false;                  // "status": "skipped" (else "measured")
  std::optional<std::string> reason;     // why it was skipped; null when measured
  std::optional<std::string> test_data;  // the test data's header file; null when skipped
  int batch = 1;                         // samples per request
  int64_t requests = 0;                  // inference requests sent
  // Through the server; null when skipped.
  std::optional<int64_t> samples;
  std::optional<int64_t> correct;
  std::optional<double> top1;  // correct / samples
  // The model card's accuracy.samples, .correct and .top1; null where the card has none.
  std::optional<int64_t> card_samples;
  std::optional<int64_t> card_correct;
  std::optional<double> card_top1;
  std::optional<int64_t> differs_by;   // correct - card_correct, when both are known
  std::optional<std::string> warning;  // set when the server's answers and the card disagree

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

}  // namespace servebench

#endif  // SERVEBENCH_RECORDS_ACCURACY_RECORD_H_
