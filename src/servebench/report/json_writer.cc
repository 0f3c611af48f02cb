// Copyright servebench authors.
//
// results.json: {"run": <run record>, "environment": {...}, "cells": [<cell records>],
// "recommendation": {...}}, the records in the form the runner journals them (their ToJson), so
// that the file is the one complete, stable copy of a run, and the recommendation report.html
// shows (recommendation.h; docs/results.md).

#include <memory>
#include <string>
#include <vector>

#include "servebench/report/file_output.h"
#include "servebench/report/recommendation.h"
#include "servebench/report/record_fields.h"
#include "servebench/report/result_writer.h"

namespace servebench {

namespace {

class JsonWriter : public ResultWriter {
 public:
  std::string file_name() const override { return "results.json"; }
  bool Write(const RunRecord& run, const nlohmann::json& environment,
             const std::vector<CellRecord>& cells, const std::string& run_dir,
             std::string* error) const override {
    return ReplaceFile(JoinPath(run_dir, file_name()), FormatResultsJson(run, environment, cells),
                       error);
  }
};

}  // namespace

std::string FormatResultsJson(const RunRecord& run, const nlohmann::json& environment,
                              const std::vector<CellRecord>& cells) {
  nlohmann::json document = nlohmann::json::object();
  document["run"] = run.ToJson();
  document["environment"] = environment;
  document["cells"] = nlohmann::json::array();
  for (const CellRecord& cell : cells) document["cells"].push_back(cell.ToJson());
  document["recommendation"] = Recommend(run, cells).ToJson();
  return SafeDump(document, 2) + "\n";
}

std::unique_ptr<ResultWriter> NewJsonWriter() { return std::make_unique<JsonWriter>(); }

}  // namespace servebench
