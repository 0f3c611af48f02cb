// Copyright servebench authors.

#include "servebench/report/variant_accuracy.h"

#include "servebench/report/record_fields.h"

namespace servebench {

std::optional<double> MeasuredAccuracy(const CellRecord& cell) {
  // An accuracy cell that ran and measured (not skipped for want of test data).
  if (!cell.ok() || !cell.accuracy || cell.accuracy->skipped) return std::nullopt;
  return cell.accuracy->top1;
}

std::vector<VariantAccuracy> VariantAccuracies(const std::vector<CellRecord>& cells) {
  std::vector<VariantAccuracy> out;
  auto find = [&out](const std::string& variant) -> VariantAccuracy* {
    for (VariantAccuracy& a : out) {
      if (a.variant == variant) return &a;
    }
    return nullptr;
  };
  for (const CellRecord& cell : cells) {
    VariantAccuracy* a = find(cell.variant);
    if (a == nullptr) {
      out.push_back({cell.variant, cell.variant, true, std::nullopt, "", "no model card"});
      a = &out.back();
    }
    if (!cell.model_card.is_null() && a->source.rfind("measured", 0) != 0) {
      const std::string family = StringAt(cell.model_card, "family");
      if (!family.empty()) a->family = family;
      a->is_base = FindPath(cell.model_card, "base_model") == nullptr;
      a->top1 = CardTop1(cell.model_card);
      a->source = a->top1 ? "model card" : "";
      const std::string status = StringAt(cell.model_card, "accuracy.status");
      a->why_unknown = a->top1 ? "" : (status.empty() ? "the model card has none" : status);
    }
    if (auto measured = MeasuredAccuracy(cell)) {
      a->top1 = measured;
      a->source = "measured through " + cell.server;
      a->why_unknown.clear();
    }
  }
  return out;
}

std::optional<double> PairAccuracy(const std::vector<CellRecord>& cells,
                                   const VariantAccuracy& variant, const std::string& server) {
  for (const CellRecord& cell : cells) {
    if (cell.variant != variant.variant || cell.server != server) continue;
    if (auto measured = MeasuredAccuracy(cell)) return measured;
  }
  return variant.top1;
}

std::map<std::string, VariantAccuracy> AccuracyByVariant(const std::vector<CellRecord>& cells) {
  std::map<std::string, VariantAccuracy> out;
  for (VariantAccuracy& a : VariantAccuracies(cells)) out[a.variant] = std::move(a);
  return out;
}

}  // namespace servebench
