// Copyright servebench authors.

#include "servebench/bench/experiment.h"

#include <algorithm>

namespace servebench {

int64_t Slo::goodput_bound_ns() const {
  if (request_bound_ns > 0) return request_bound_ns;
  int64_t largest = 0;
  for (const SloConstraint& c : constraints) largest = std::max(largest, c.bound_ns);
  return largest;
}

const Slo& SloSettings::For(const std::string& variant, const std::string& family,
                            std::string* source) const {
  if (auto it = variants.find(variant); it != variants.end()) {
    if (source != nullptr) *source = "variant " + variant;
    return it->second;
  }
  if (auto it = families.find(family); !family.empty() && it != families.end()) {
    if (source != nullptr) *source = "family " + family;
    return it->second;
  }
  if (source != nullptr) *source = "global";
  return global;
}

}  // namespace servebench
