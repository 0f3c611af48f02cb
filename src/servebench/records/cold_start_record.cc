// Copyright servebench authors.

#include "servebench/records/cold_start_record.h"

namespace servebench {

using nlohmann::json;

json ColdStartTimes::ToJson() const {
  json j = {{"spawn_to_ready_s", spawn_to_ready_s},
            {"ready_to_first_inference_s", ready_to_first_inference_s},
            {"spawn_to_first_inference_s", spawn_to_first_inference_s}};
  if (ready_to_model_ready_s) j["ready_to_model_ready_s"] = *ready_to_model_ready_s;
  if (model_ready_to_first_inference_s) {
    j["model_ready_to_first_inference_s"] = *model_ready_to_first_inference_s;
  }
  if (model_load_s) j["model_load_s"] = *model_load_s;
  return j;
}

void ColdStartTimes::Read(JsonReader* in) {
  in->Field("spawn_to_ready_s", &spawn_to_ready_s);
  in->Field("ready_to_model_ready_s", &ready_to_model_ready_s);
  in->Field("model_ready_to_first_inference_s", &model_ready_to_first_inference_s);
  in->Field("ready_to_first_inference_s", &ready_to_first_inference_s);
  in->Field("spawn_to_first_inference_s", &spawn_to_first_inference_s);
  in->Field("model_load_s", &model_load_s);
}

json ColdStartRecord::ToJson() const {
  json list = json::array();
  for (const ColdStartTimes& r : repeats) list.push_back(r.ToJson());
  return {{"repeats", list}, {"mean", mean.ToJson()}};
}

void ColdStartRecord::Read(JsonReader* in) {
  in->Field("repeats", &repeats);
  in->Field("mean", &mean);
}

}  // namespace servebench
