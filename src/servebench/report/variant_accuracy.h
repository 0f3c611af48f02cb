// Copyright servebench authors.
//
// The accuracy of each model variant of a run, and the family it belongs to, as the report's
// recommendation and its accuracy charts read them. Today a variant's accuracy is its model
// card's top-1 (models/prepare.py scores it on the digits test split); accuracy measured
// through a server is preferred where a cell carries it (MeasuredAccuracy), so that the readers
// need no change when the records hold it.

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

// Top-1 accuracy measured through a server in `cell`, where the record carries one. The one
// place that knows where a measured accuracy lives in the records.
std::optional<double> MeasuredAccuracy(const CellRecord& cell);

// Every variant of `cells`, in first-seen order: a measured accuracy where a cell has one, else
// the model card's.
std::vector<VariantAccuracy> VariantAccuracies(const std::vector<CellRecord>& cells);

// The same, by variant name.
std::map<std::string, VariantAccuracy> AccuracyByVariant(const std::vector<CellRecord>& cells);

}  // namespace servebench

#endif  // SERVEBENCH_REPORT_VARIANT_ACCURACY_H_
