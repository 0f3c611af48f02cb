// Copyright servebench authors.

#include "servebench/records/cell_record.h"

#include "servebench/records/optional_json.h"

namespace servebench {

using nlohmann::json;

const char* CellStatusName(CellStatus status) {
  switch (status) {
    case CellStatus::kOk:
      return "ok";
    case CellStatus::kFailed:
      return "failed";
    case CellStatus::kInterrupted:
      return "interrupted";
  }
  return "failed";
}

json CellFailure::ToJson() const {
  return {{"message", message}, {"exit", OrNull(exit)}, {"log_tail", log_tail}};
}

void CellFailure::Read(JsonReader* in) {
  in->Field("message", &message);
  in->Field("exit", &exit);
  in->Field("log_tail", &log_tail);
}

json CellRecord::ToJson() const {
  json level_list = json::array();
  for (const LevelRecord& level : levels) level_list.push_back(level.ToJson());
  json search_list = json::array();
  for (const SearchRecord& search : searches) search_list.push_back(search.ToJson());
  json j = {{"record", "cell"},
            {"run_id", run_id},
            {"cell_id", cell_id},
            {"variant", variant},
            {"server", server},
            {"server_kind", server_kind},
            {"scenario", scenario},
            {"scenario_kind", scenario_kind},
            {"status", CellStatusName(status)},
            {"failure", failure ? failure->ToJson() : json(nullptr)},
            {"started_at", started_at},
            {"finished_at", finished_at},
            {"duration_s", duration_s},
            {"model_card", model_card},
            {"server_cpus", server_cpus},
            {"log", log},
            {"slo", slo.ToJson()},
            {"repeats", repeats},
            {"cold_start", cold_start ? cold_start->ToJson() : json(nullptr)},
            {"levels", level_list},
            {"searches", search_list},
            {"accuracy", accuracy ? accuracy->ToJson() : json(nullptr)},
            {"summary", summary.ToJson()}};
  j["environment"] = environment;
  return j;
}

bool CellRecord::FromJson(const json& j, CellRecord* out, std::string* error) {
  return servebench::FromJson(j, out, error);
}

void CellRecord::Read(JsonReader* in) {
  in->Expect("record", "cell");
  in->Field("run_id", &run_id);
  in->Field("cell_id", &cell_id);
  in->Field("variant", &variant);
  in->Field("server", &server);
  in->Field("server_kind", &server_kind);
  in->Field("scenario", &scenario);
  in->Field("scenario_kind", &scenario_kind);
  std::string status_name;
  in->Field("status", &status_name);
  if (status_name == "ok") {
    status = CellStatus::kOk;
  } else if (status_name == "failed") {
    status = CellStatus::kFailed;
  } else if (status_name == "interrupted") {
    status = CellStatus::kInterrupted;
  } else if (in->ok()) {
    in->Fail("status",
             "expected \"ok\", \"failed\" or \"interrupted\", got \"" + status_name + "\"");
  }
  in->Field("failure", &failure);
  in->Field("started_at", &started_at);
  in->Field("finished_at", &finished_at);
  in->Field("duration_s", &duration_s);
  in->Field("model_card", &model_card);
  in->Field("server_cpus", &server_cpus);
  in->Field("log", &log);
  in->Field("slo", &slo);
  in->Field("repeats", &repeats);
  in->Field("cold_start", &cold_start);
  in->Field("levels", &levels);
  in->Field("searches", &searches);
  in->Field("accuracy", &accuracy);  // absent in records from before accuracy cells: null
  in->Field("summary", &summary);
  std::optional<nlohmann::json> node;  // absent in records from before Slurm runs: null
  in->Field("environment", &node);
  environment = node.value_or(nullptr);
}

}  // namespace servebench
