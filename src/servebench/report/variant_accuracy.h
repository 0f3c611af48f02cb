// Copyright servebench authors.
//
// The accuracy of each model variant of a run, and the family it belongs to, as the report's
// recommendation and its accuracy charts read them: the top-1 an accuracy cell measured through
// a server where the run has one (records/accuracy_record.h), else the model card's
// (models/prepare.py scores it on the digits test split).

#ifndef SERVEBENCH_REPORT_VARIANT_ACCURACY_H_
#define SERVEBENCH_REPORT_VARIANT_ACCURACY_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "servebench/records/cell_record.h"

namespace servebench {

struct VariantAccuracy {
  std::string variant;
  std::string family;          // the card's "family"; the variant itself without one
  bool is_base = false;        // the family's uncompressed (fp32) model: the card has no base_model
  std::optional<double> top1;  // a fraction; absent: unknown or not applicable
  std::string source;          // "model card", "measured through <server>"; empty when unknown
  std::string why_unknown;     // the card's accuracy.status, or "no model card"
};

// Top-1 accuracy measured through a server in `cell`: an accuracy cell that ran and was not
// skipped. The one place that knows where a measured accuracy lives in the records.
std::optional<double> MeasuredAccuracy(const CellRecord& cell);

// Every variant of `cells`, in first-seen order: a measured accuracy where a cell has one, else
// the model card's.
std::vector<VariantAccuracy> VariantAccuracies(const std::vector<CellRecord>& cells);

// The accuracy of `variant` served by `server`: measured through that server where the run has
// an accuracy cell of the pair, else the variant's (above); absent when unknown.
std::optional<double> PairAccuracy(const std::vector<CellRecord>& cells,
                                   const VariantAccuracy& variant, const std::string& server);

// The same, by variant name.
std::map<std::string, VariantAccuracy> AccuracyByVariant(const std::vector<CellRecord>& cells);

}  // namespace servebench

#endif  // SERVEBENCH_REPORT_VARIANT_ACCURACY_H_
