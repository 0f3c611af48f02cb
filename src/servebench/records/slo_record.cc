// Copyright servebench authors.

#include "servebench/records/slo_record.h"

#include <cstdio>

namespace servebench {

using nlohmann::json;

json SloConstraintRecord::ToJson() const {
  return {{"percentile", percentile}, {"bound_us", bound_us}};
}

void SloConstraintRecord::Read(JsonReader* in) {
  in->Field("percentile", &percentile);
  in->Field("bound_us", &bound_us);
}

json SloRecord::ToJson() const {
  json list = json::array();
  for (const SloConstraintRecord& c : constraints) list.push_back(c.ToJson());
  return {{"constraints", list}, {"request_bound_us", request_bound_us}, {"source", source}};
}

void SloRecord::Read(JsonReader* in) {
  in->Field("constraints", &constraints);
  in->Field("request_bound_us", &request_bound_us);
  in->Field("source", &source);
}

std::string SloRecord::Describe(const std::string& le) const {
  std::string text;
  for (const SloConstraintRecord& c : constraints) {
    char percentile[32], bound[32];
    std::snprintf(percentile, sizeof percentile, "p%g", c.percentile);
    std::snprintf(bound, sizeof bound, "%g ms", c.bound_us / 1000);
    text += (text.empty() ? "" : " and ") + std::string(percentile) + " " + le + " " + bound;
  }
  return text;
}

SloConstraintRecord SloRecord::Headline() const {
  SloConstraintRecord top;
  for (const SloConstraintRecord& c : constraints) {
    if (c.percentile > top.percentile) top = c;
  }
  return top;
}

}  // namespace servebench
