// Copyright servebench authors.

#include "servebench/records/accuracy_record.h"

#include "servebench/records/optional_json.h"

namespace servebench {

using nlohmann::json;

json AccuracyRecord::ToJson() const {
  return {{"status", skipped ? "skipped" : "measured"},
          {"reason", OrNull(reason)},
          {"test_data", OrNull(test_data)},
          {"batch", batch},
          {"requests", requests},
          {"samples", OrNull(samples)},
          {"correct", OrNull(correct)},
          {"top1", OrNull(top1)},
          {"card_samples", OrNull(card_samples)},
          {"card_correct", OrNull(card_correct)},
          {"card_top1", OrNull(card_top1)},
          {"differs_by", OrNull(differs_by)},
          {"warning", OrNull(warning)}};
}

void AccuracyRecord::Read(JsonReader* in) {
  std::string status;
  in->Field("status", &status);
  if (status == "skipped" || status == "measured") {
    skipped = status == "skipped";
  } else if (in->ok()) {
    in->Fail("status", "expected \"measured\" or \"skipped\", got \"" + status + "\"");
  }
  in->Field("reason", &reason);
  in->Field("test_data", &test_data);
  in->Field("batch", &batch);
  in->Field("requests", &requests);
  in->Field("samples", &samples);
  in->Field("correct", &correct);
  in->Field("top1", &top1);
  in->Field("card_samples", &card_samples);
  in->Field("card_correct", &card_correct);
  in->Field("card_top1", &card_top1);
  in->Field("differs_by", &differs_by);
  in->Field("warning", &warning);
}

}  // namespace servebench
