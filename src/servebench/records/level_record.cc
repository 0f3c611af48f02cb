// Copyright servebench authors.

#include "servebench/records/level_record.h"

namespace servebench {

using nlohmann::json;

namespace {

template <typename T>
json OrNull(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

}  // namespace

LevelPoint LevelPoint::Concurrency(int n) {
  LevelPoint p;
  p.concurrency = n;
  return p;
}

LevelPoint LevelPoint::Rate(double rate, const std::string& arrival) {
  LevelPoint p;
  p.rate = rate;
  p.arrival = arrival;
  return p;
}

json LevelPoint::ToJson() const {
  if (concurrency) return {{"concurrency", *concurrency}};
  return {{"rate", rate.value_or(0)}, {"arrival", arrival}};
}

void LevelPoint::Read(JsonReader* in) {
  in->Field("concurrency", &concurrency);
  in->Field("rate", &rate);
  if (!in->ok()) return;
  if (concurrency.has_value() == rate.has_value()) {
    in->Fail("expected exactly one of \"concurrency\" and \"rate\"");
    return;
  }
  if (rate) in->Field("arrival", &arrival);
}

json LevelRecord::ToJson() const {
  json j = {{"level", level.ToJson()},
            {"windows", windows},
            {"stable", stable},
            {"max_duration_reached", max_duration_reached},
            {"overloaded", overloaded},
            {"slo_met", slo_met},
            {"slo_latency_us", slo_latency_us},
            {"goodput_rps", goodput_rps},
            {"load", load.ToJson()},
            {"resources", resources ? resources->ToJson() : json(nullptr)},
            {"server_side", server_side ? server_side->ToJson() : json(nullptr)},
            {"energy_j", OrNull(energy_j)}};
  if (recovery_s) j["recovery_s"] = *recovery_s;
  if (!generators.empty()) {
    json each = json::array();
    for (const GeneratorRecord& g : generators) each.push_back(g.ToJson());
    j["generators"] = each;
  }
  return j;
}

void LevelRecord::Read(JsonReader* in) {
  in->Field("level", &level);
  in->Field("windows", &windows);
  in->Field("stable", &stable);
  in->Field("max_duration_reached", &max_duration_reached);
  in->Field("overloaded", &overloaded);
  in->Field("slo_met", &slo_met);
  in->Field("slo_latency_us", &slo_latency_us);
  in->Field("goodput_rps", &goodput_rps);
  in->Field("recovery_s", &recovery_s);
  in->Field("load", &load);
  in->Field("resources", &resources);
  in->Field("server_side", &server_side);
  in->Field("energy_j", &energy_j);
  std::optional<std::vector<GeneratorRecord>> each;  // absent: one generator
  in->Field("generators", &each);
  generators = each.value_or(std::vector<GeneratorRecord>{});
}

}  // namespace servebench
