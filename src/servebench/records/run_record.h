// Copyright servebench authors.
//
// A run of servebench as its journal opens with it and results.json keeps it: which experiment
// (its YAML text, so that --resume runs the same one), when, how (--quick, --filter), and the
// SLO, price and accuracy floor its cells are judged by. docs/results.md ("The run record")
// defines each field.

#ifndef SERVEBENCH_RECORDS_RUN_RECORD_H_
#define SERVEBENCH_RECORDS_RUN_RECORD_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "servebench/core/json_reader.h"
#include "servebench/records/slo_record.h"

namespace servebench {

struct CostRecord {
  double hourly_price = 0;           // the machine, per hour; 0: not priced this way
  double hourly_price_per_core = 0;  // per core the server is pinned to, per hour
  std::string currency;              // empty: USD

  // The currency prices are in, as reports name it.
  std::string CurrencyName() const { return currency.empty() ? "USD" : currency; }

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

struct RunRecord {
  std::string run_id;                      // also the run folder's name
  std::string name;                        // the experiment's
  std::string config_source;               // the YAML file, or "<embedded default>"
  std::string config_base_dir;             // what relative paths of the YAML are relative to
  std::string config;                      // the YAML text
  std::string started_at;                  // UTC, ISO 8601
  std::optional<std::string> finished_at;  // null until the run ends
  std::string servebench_version;
  bool quick = false;
  std::string filter;
  std::optional<int> repeat;  // --repeat as given; null without it
  SloRecord slo;              // the global SLO (cells record the one they were judged by)
  CostRecord cost;
  // The report's accuracy floor (report.accuracy_floor), a top-1 fraction; null: within one
  // point of the fp32 model of each family (docs/report.md).
  std::optional<double> accuracy_floor;

  nlohmann::json ToJson() const;
  // The inverse of ToJson: false with *error naming the field when `j` is not a run record.
  static bool FromJson(const nlohmann::json& j, RunRecord* out, std::string* error);
  void Read(JsonReader* in);
};

}  // namespace servebench

#endif  // SERVEBENCH_RECORDS_RUN_RECORD_H_
