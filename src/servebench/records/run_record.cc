// Copyright servebench authors.

#include "servebench/records/run_record.h"

#include "servebench/records/optional_json.h"

namespace servebench {

using nlohmann::json;

json CostRecord::ToJson() const {
  return {{"hourly_price", hourly_price},
          {"hourly_price_per_core", hourly_price_per_core},
          {"currency", currency}};
}

void CostRecord::Read(JsonReader* in) {
  in->Field("hourly_price", &hourly_price);
  in->Field("hourly_price_per_core", &hourly_price_per_core);
  in->Field("currency", &currency);
}

json RunRecord::ToJson() const {
  return {{"record", "run"},
          {"run_id", run_id},
          {"name", name},
          {"config_source", config_source},
          {"config_base_dir", config_base_dir},
          {"config", config},
          {"started_at", started_at},
          {"finished_at", OrNull(finished_at)},
          {"servebench_version", servebench_version},
          {"quick", quick},
          {"filter", filter},
          {"repeat", OrNull(repeat)},
          {"slo", slo.ToJson()},
          {"cost", cost.ToJson()},
          {"accuracy_floor", OrNull(accuracy_floor)}};
}

bool RunRecord::FromJson(const json& j, RunRecord* out, std::string* error) {
  return servebench::FromJson(j, out, error);
}

void RunRecord::Read(JsonReader* in) {
  in->Expect("record", "run");
  in->Field("run_id", &run_id);
  in->Field("name", &name);
  in->Field("config_source", &config_source);
  in->Field("config_base_dir", &config_base_dir);
  in->Field("config", &config);
  in->Field("started_at", &started_at);
  in->Field("finished_at", &finished_at);
  in->Field("servebench_version", &servebench_version);
  in->Field("quick", &quick);
  in->Field("filter", &filter);
  in->Field("repeat", &repeat);
  in->Field("slo", &slo);
  in->Field("cost", &cost);
  in->Field("accuracy_floor", &accuracy_floor);  // absent in runs from before the report
}

}  // namespace servebench
