// Copyright servebench authors.
//
// One cell of a run (a model variant on a server configuration under a scenario) as the runner
// journals it and results.json keeps it: what was measured, whether it worked, and what failed
// if not. ToJson writes the names of docs/results.md ("The cell record"); FromJson reads them
// back and rejects a record that lacks a field or has one of the wrong type, naming it.

#ifndef SERVEBENCH_RECORDS_CELL_RECORD_H_
#define SERVEBENCH_RECORDS_CELL_RECORD_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "servebench/core/json_reader.h"
#include "servebench/records/accuracy_record.h"
#include "servebench/records/cell_summary.h"
#include "servebench/records/cold_start_record.h"
#include "servebench/records/level_record.h"
#include "servebench/records/search_record.h"
#include "servebench/records/slo_record.h"

namespace servebench {

// kInterrupted: the user stopped the run (SIGINT, SIGTERM) while the cell ran; what it had
// measured by then is kept, and --resume measures it again.
enum class CellStatus { kOk, kFailed, kInterrupted };

const char* CellStatusName(CellStatus status);  // "ok" | "failed" | "interrupted"

// Why a cell failed, or where it was interrupted.
struct CellFailure {
  std::string message;
  std::optional<std::string> exit;    // how the server ended; null while it ran
  std::vector<std::string> log_tail;  // the server log's last lines

  nlohmann::json ToJson() const;
  void Read(JsonReader* in);
};

struct CellRecord {
  std::string run_id;
  std::string cell_id;  // "<variant>/<server>/<scenario>"
  std::string variant;
  std::string server;
  std::string server_kind;
  std::string scenario;
  std::string scenario_kind;  // "concurrency_sweep" | "rate_sweep" | "cold_start" | "accuracy"
  CellStatus status = CellStatus::kOk;
  std::optional<CellFailure> failure;  // null when ok
  std::string started_at;              // UTC, ISO 8601
  std::string finished_at;
  double duration_s = 0;
  nlohmann::json model_card;                  // the variant's card.json, verbatim; null without one
  std::vector<int> server_cpus;               // the cores the server was pinned to
  std::string log;                            // the server's log file
  std::optional<ColdStartRecord> cold_start;  // null on a load cell
  SloRecord slo;                              // the SLO its levels were judged by
  int repeats = 1;                            // measurements of the cell, each on a fresh server
  std::vector<LevelRecord> levels;            // in the order measured, repeat after repeat
  std::vector<SearchRecord> searches;         // one per repeat of a saturating sweep
  std::optional<AccuracyRecord> accuracy;     // null except on an accuracy cell that ran
  // The machine the cell ran on (CollectEnvironment's object) when it is not the run's: a cell
  // of a Slurm run records its node's; null for a local run's cells.
  nlohmann::json environment;
  CellSummary summary;

  bool ok() const { return status == CellStatus::kOk; }
  bool is_cold_start() const { return scenario_kind == "cold_start"; }
  bool is_accuracy() const { return scenario_kind == "accuracy"; }
  // A sweep of load levels (concurrency or rate), whose levels carry latency and throughput.
  bool is_load_sweep() const {
    return scenario_kind == "concurrency_sweep" || scenario_kind == "rate_sweep";
  }

  nlohmann::json ToJson() const;
  // The inverse of ToJson: false with *error naming the field ("levels[1].load.requests.ok:
  // expected an integer, got 1.5") when `j` is not a cell record.
  static bool FromJson(const nlohmann::json& j, CellRecord* out, std::string* error);
  void Read(JsonReader* in);
};

}  // namespace servebench

#endif  // SERVEBENCH_RECORDS_CELL_RECORD_H_
