// Copyright servebench authors.

#include "servebench/records/level_record.h"

#include "servebench/records/optional_json.h"

namespace servebench {

using nlohmann::json;

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
  json constraints = json::array();
  for (const ConstraintVerdictRecord& c : slo_constraints) constraints.push_back(c.ToJson());
  json j = {{"level", level.ToJson()},
            {"repeat", repeat},
            {"windows", windows},
            {"stable", stable},
            {"max_duration_reached", max_duration_reached},
            {"overloaded", overloaded},
            {"samples", samples},
            {"slo_verdict", slo_verdict},
            {"slo_met", slo_met},
            {"slo_reason", slo_reason},
            {"slo_constraints", constraints},
            {"goodput_rps", goodput_rps},
            {"latency_ci_us", latency_ci_us.ToJson()},
            {"generator_lag", generator_lag ? generator_lag->ToJson() : json(nullptr)},
            {"noise", noise ? noise->ToJson() : json(nullptr)},
            {"load", load.ToJson()},
            {"resources", resources ? resources->ToJson() : json(nullptr)},
            {"server_side", server_side ? server_side->ToJson() : json(nullptr)},
            {"energy_j", OrNull(energy_j)}};
  if (recovery_s) j["recovery_s"] = *recovery_s;
  json each = json::array();
  for (const GeneratorRecord& g : generators) each.push_back(g.ToJson());
  j["generators"] = each;
  return j;
}

void LevelRecord::Read(JsonReader* in) {
  in->Field("level", &level);
  in->Field("repeat", &repeat);
  in->Field("windows", &windows);
  in->Field("stable", &stable);
  in->Field("max_duration_reached", &max_duration_reached);
  in->Field("overloaded", &overloaded);
  in->Field("samples", &samples);
  in->Field("slo_verdict", &slo_verdict);
  if (in->ok() && slo_verdict != "met" && slo_verdict != "not_met" &&
      slo_verdict != "inconclusive") {
    in->Fail("slo_verdict",
             "expected \"met\", \"not_met\" or \"inconclusive\", got \"" + slo_verdict + "\"");
  }
  in->Field("slo_met", &slo_met);
  in->Field("slo_reason", &slo_reason);
  in->Field("slo_constraints", &slo_constraints);
  in->Field("goodput_rps", &goodput_rps);
  in->Field("latency_ci_us", &latency_ci_us);
  in->Field("generator_lag", &generator_lag);
  in->Field("noise", &noise);
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
