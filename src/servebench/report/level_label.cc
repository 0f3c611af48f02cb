// Copyright servebench authors.

#include "servebench/report/level_label.h"

#include "servebench/report/number_format.h"

namespace servebench {

std::string LevelLabel(const LevelPoint& level) {
  if (level.concurrency) return "c=" + std::to_string(*level.concurrency);
  std::string label = FormatRate(level.rate.value_or(0)) + "/s";
  if (!level.arrival.empty()) label += " " + level.arrival;
  return label;
}

}  // namespace servebench
