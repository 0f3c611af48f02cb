// Copyright servebench authors.
//
// The schema is generated from the column tables below, so that the CREATE TABLE statements,
// the INSERTs and the values bound to them cannot drift apart. docs/results.md lists the same
// columns for readers of the database.

#include "servebench/bench/results_store.h"

#include <sqlite3.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "servebench/report/record_fields.h"

namespace servebench {

namespace {

using nlohmann::json;

// One column filled from a record of type R: its SQL type and its value (null: SQL NULL).
template <typename R>
struct Column {
  const char* name;
  const char* type;
  std::function<json(const R&)> value;
};

template <typename T>
json OrNull(const std::optional<T>& value) {
  return value ? json(*value) : json();
}

const std::vector<Column<RunRecord>>& RunColumns() {
  using R = const RunRecord&;
  static const std::vector<Column<RunRecord>> columns = {
      {"run_id", "TEXT NOT NULL PRIMARY KEY", [](R r) { return json(r.run_id); }},
      {"name", "TEXT", [](R r) { return json(r.name); }},
      {"config_source", "TEXT", [](R r) { return json(r.config_source); }},
      {"config", "TEXT", [](R r) { return json(r.config); }},
      {"started_at", "TEXT", [](R r) { return json(r.started_at); }},
      {"finished_at", "TEXT", [](R r) { return OrNull(r.finished_at); }},
      {"servebench_version", "TEXT", [](R r) { return json(r.servebench_version); }},
      {"quick", "INTEGER", [](R r) { return json(r.quick); }},
      {"filter", "TEXT", [](R r) { return json(r.filter); }},
      {"repeat", "INTEGER", [](R r) { return OrNull(r.repeat); }},
      {"slo", "TEXT", [](R r) { return json(SafeDump(r.slo.ToJson())); }},
      {"hourly_price", "REAL", [](R r) { return json(r.cost.hourly_price); }},
      {"hourly_price_per_core", "REAL", [](R r) { return json(r.cost.hourly_price_per_core); }},
      {"currency", "TEXT", [](R r) { return json(r.cost.currency); }},
      {"record", "TEXT NOT NULL", [](R r) { return json(SafeDump(r.ToJson())); }},
  };
  return columns;
}

const std::vector<Column<CellRecord>>& CellColumns() {
  using C = const CellRecord&;
  static const std::vector<Column<CellRecord>> columns = {
      {"run_id", "TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE",
       [](C c) { return json(c.run_id); }},
      {"cell_id", "TEXT NOT NULL", [](C c) { return json(c.cell_id); }},
      {"variant", "TEXT", [](C c) { return json(c.variant); }},
      {"server", "TEXT", [](C c) { return json(c.server); }},
      {"server_kind", "TEXT", [](C c) { return json(c.server_kind); }},
      {"scenario", "TEXT", [](C c) { return json(c.scenario); }},
      {"scenario_kind", "TEXT", [](C c) { return json(c.scenario_kind); }},
      {"status", "TEXT", [](C c) { return json(CellStatusName(c.status)); }},
      {"failure_message", "TEXT",
       [](C c) { return c.failure ? json(c.failure->message) : json(); }},
      {"failure", "TEXT",
       [](C c) { return c.failure ? json(SafeDump(c.failure->ToJson())) : json(); }},
      {"started_at", "TEXT", [](C c) { return json(c.started_at); }},
      {"finished_at", "TEXT", [](C c) { return json(c.finished_at); }},
      {"duration_s", "REAL", [](C c) { return json(c.duration_s); }},
      {"slo", "TEXT", [](C c) { return json(SafeDump(c.slo.ToJson())); }},
      {"repeats", "INTEGER", [](C c) { return json(c.repeats); }},
      {"max_throughput_rps", "REAL", [](C c) { return OrNull(c.summary.max_throughput_rps); }},
      {"throughput_within_slo_rps", "REAL",
       [](C c) { return OrNull(c.summary.throughput_within_slo_rps); }},
      {"found_rate_rps", "REAL", [](C c) { return OrNull(c.summary.found_rate_rps); }},
      {"best_concurrency", "REAL", [](C c) { return OrNull(c.summary.best_concurrency); }},
      {"slo_latency_us", "REAL", [](C c) { return OrNull(c.summary.slo_latency_us); }},
      {"p50_us", "REAL", [](C c) { return OrNull(c.summary.p50_us); }},
      {"p99_us", "REAL", [](C c) { return OrNull(c.summary.p99_us); }},
      {"cpu_percent_mean", "REAL", [](C c) { return OrNull(c.summary.cpu_percent_mean); }},
      {"rss_max_bytes", "REAL", [](C c) { return OrNull(c.summary.rss_max_bytes); }},
      {"cost_per_million", "REAL", [](C c) { return OrNull(c.summary.cost_per_million); }},
      {"energy_per_inference_j", "REAL",
       [](C c) { return OrNull(c.summary.energy_per_inference_j); }},
      {"cold_start_s", "REAL", [](C c) { return OrNull(c.summary.cold_start_s); }},
      {"levels", "INTEGER", [](C c) { return json(c.summary.levels); }},
      {"inconclusive_levels", "INTEGER", [](C c) { return json(c.summary.inconclusive_levels); }},
      {"unstable_levels", "INTEGER", [](C c) { return json(c.summary.unstable_levels); }},
      {"lag_flagged_levels", "INTEGER", [](C c) { return json(c.summary.lag_flagged_levels); }},
      {"disturbed_levels", "INTEGER", [](C c) { return json(c.summary.disturbed_levels); }},
      {"accuracy_top1", "REAL",
       [](C c) {
         const json* top1 = FindPath(c.model_card, "accuracy.top1");
         return top1 != nullptr ? *top1 : json();
       }},
      {"model_card", "TEXT",
       [](C c) { return c.model_card.is_null() ? json() : json(SafeDump(c.model_card)); }},
      {"cold_start", "TEXT",
       [](C c) { return c.cold_start ? json(SafeDump(c.cold_start->ToJson())) : json(); }},
      {"searches", "TEXT",
       [](C c) {
         json list = json::array();
         for (const SearchRecord& s : c.searches) list.push_back(s.ToJson());
         return json(SafeDump(list));
       }},
      {"record", "TEXT NOT NULL", [](C c) { return json(SafeDump(c.ToJson())); }},
  };
  return columns;
}

const std::vector<Column<LevelRecord>>& LevelColumns() {
  using L = const LevelRecord&;
  static const std::vector<Column<LevelRecord>> columns = {
      {"level_kind", "TEXT", [](L l) { return json(l.level.kind()); }},
      {"level_value", "REAL", [](L l) { return json(l.level.value()); }},
      {"arrival", "TEXT", [](L l) { return l.level.rate ? json(l.level.arrival) : json(); }},
      {"repeat", "INTEGER", [](L l) { return json(l.repeat); }},
      {"windows", "INTEGER", [](L l) { return json(l.windows); }},
      {"stable", "INTEGER", [](L l) { return json(l.stable); }},
      {"max_duration_reached", "INTEGER", [](L l) { return json(l.max_duration_reached); }},
      {"samples", "INTEGER", [](L l) { return json(l.samples); }},
      {"slo_verdict", "TEXT", [](L l) { return json(l.slo_verdict); }},
      {"slo_reason", "TEXT", [](L l) { return json(l.slo_reason); }},
      {"slo_met", "INTEGER", [](L l) { return json(l.slo_met); }},
      {"throughput_rps", "REAL", [](L l) { return json(l.load.throughput_rps); }},
      {"goodput_rps", "REAL", [](L l) { return json(l.goodput_rps); }},
      {"sent", "INTEGER", [](L l) { return json(l.load.requests.sent); }},
      {"completed", "INTEGER", [](L l) { return json(l.load.requests.completed); }},
      {"ok", "INTEGER", [](L l) { return json(l.load.requests.ok); }},
      {"errors", "INTEGER", [](L l) { return json(l.load.requests.errors.total()); }},
      {"errors_connect", "INTEGER", [](L l) { return json(l.load.requests.errors.connect); }},
      {"errors_timeout", "INTEGER", [](L l) { return json(l.load.requests.errors.timeout); }},
      {"errors_http_status", "INTEGER",
       [](L l) { return json(l.load.requests.errors.http_status); }},
      {"errors_protocol", "INTEGER", [](L l) { return json(l.load.requests.errors.protocol); }},
      {"errors_validation", "INTEGER", [](L l) { return json(l.load.requests.errors.validation); }},
      {"latency_p50_us", "REAL", [](L l) { return json(l.load.latency_us.p50); }},
      {"latency_p90_us", "REAL", [](L l) { return json(l.load.latency_us.p90); }},
      {"latency_p95_us", "REAL", [](L l) { return json(l.load.latency_us.p95); }},
      {"latency_p99_us", "REAL", [](L l) { return json(l.load.latency_us.p99); }},
      {"latency_p99_lower_us", "REAL", [](L l) { return OrNull(l.latency_ci_us.p99.lower); }},
      {"latency_p99_upper_us", "REAL", [](L l) { return OrNull(l.latency_ci_us.p99.upper); }},
      {"latency_p999_us", "REAL", [](L l) { return json(l.load.latency_us.p999); }},
      {"latency_p9999_us", "REAL", [](L l) { return json(l.load.latency_us.p9999); }},
      {"latency_max_us", "REAL", [](L l) { return json(l.load.latency_us.max); }},
      {"latency_mean_us", "REAL", [](L l) { return json(l.load.latency_us.mean); }},
      {"latency_stddev_us", "REAL", [](L l) { return json(l.load.latency_us.stddev); }},
      {"service_time_p50_us", "REAL", [](L l) { return json(l.load.service_time_us.p50); }},
      {"service_time_p99_us", "REAL", [](L l) { return json(l.load.service_time_us.p99); }},
      {"late_fraction", "REAL", [](L l) { return json(l.load.generator.late_fraction); }},
      {"generator_behind", "INTEGER", [](L l) { return json(l.load.generator.behind); }},
      {"lag_share", "REAL",
       [](L l) { return l.generator_lag ? json(l.generator_lag->share) : json(); }},
      {"lag_flagged", "INTEGER",
       [](L l) { return l.generator_lag ? json(l.generator_lag->flagged) : json(); }},
      {"steal_percent", "REAL",
       [](L l) { return l.noise ? json(l.noise->steal_percent) : json(); }},
      {"foreign_cpu_percent", "REAL",
       [](L l) { return l.noise ? json(l.noise->foreign_cpu_percent) : json(); }},
      {"disturbed", "INTEGER", [](L l) { return l.noise ? json(l.noise->disturbed) : json(); }},
      {"cpu_percent_mean", "REAL",
       [](L l) { return l.resources ? json(l.resources->cpu_percent.mean) : json(); }},
      {"rss_max_bytes", "REAL",
       [](L l) { return l.resources ? json(l.resources->rss_bytes.max) : json(); }},
      {"queue_us_per_request", "REAL",
       [](L l) { return l.server_side ? json(l.server_side->queue_us_per_request) : json(); }},
      {"compute_us_per_request", "REAL",
       [](L l) { return l.server_side ? json(l.server_side->compute_us_per_request) : json(); }},
      {"energy_j", "REAL", [](L l) { return OrNull(l.energy_j); }},
  };
  return columns;
}

template <typename R>
std::string CreateTable(const char* table, const std::vector<Column<R>>& columns,
                        const std::string& leading, const std::string& trailing) {
  std::string sql = std::string("CREATE TABLE IF NOT EXISTS ") + table + " (" + leading;
  for (const Column<R>& c : columns) {
    if (sql.back() != '(') sql += ", ";
    sql += std::string(c.name) + " " + c.type;
  }
  return sql + trailing + ")";
}

std::string Schema() {
  std::string sql;
  sql += CreateTable("runs", RunColumns(), "", "") + ";\n";
  sql +=
      "CREATE TABLE IF NOT EXISTS environment ("
      "run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE, key TEXT NOT NULL, "
      "value TEXT, PRIMARY KEY (run_id, key));\n";
  sql += CreateTable("cells", CellColumns(), "", ", PRIMARY KEY (run_id, cell_id)") + ";\n";
  sql += CreateTable("levels", LevelColumns(),
                     "run_id TEXT NOT NULL, cell_id TEXT NOT NULL, level_index INTEGER NOT NULL",
                     ", PRIMARY KEY (run_id, cell_id, level_index), FOREIGN KEY (run_id, cell_id) "
                     "REFERENCES cells(run_id, cell_id) ON DELETE CASCADE") +
         ";\n";
  sql +=
      "CREATE TABLE IF NOT EXISTS metrics ("
      "run_id TEXT NOT NULL, cell_id TEXT NOT NULL, level_index INTEGER NOT NULL, "
      "name TEXT NOT NULL, value REAL, PRIMARY KEY (run_id, cell_id, level_index, name), "
      "FOREIGN KEY (run_id, cell_id) REFERENCES cells(run_id, cell_id) ON DELETE CASCADE);\n";
  sql +=
      "CREATE TABLE IF NOT EXISTS histograms ("
      "run_id TEXT NOT NULL, cell_id TEXT NOT NULL, level_index INTEGER NOT NULL, "
      "kind TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (run_id, cell_id, level_index, kind), "
      "FOREIGN KEY (run_id, cell_id, level_index) REFERENCES levels(run_id, cell_id, level_index) "
      "ON DELETE CASCADE);\n";
  return sql;
}

std::string Insert(const char* table, const std::vector<std::string>& names,
                   const std::string& conflict = "") {
  std::string sql = std::string("INSERT INTO ") + table + " (";
  std::string values;
  for (size_t i = 0; i < names.size(); ++i) {
    sql += (i ? ", " : "") + names[i];
    values += i ? ", ?" : "?";
  }
  return sql + ") VALUES (" + values + ")" + conflict;
}

template <typename R>
std::vector<std::string> ColumnNames(const std::vector<Column<R>>& columns,
                                     std::vector<std::string> leading = {}) {
  for (const Column<R>& c : columns) leading.push_back(c.name);
  return leading;
}

// A prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql, std::string* error) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
      *error = std::string("cannot prepare a results.db statement: ") + sqlite3_errmsg(db);
      stmt_ = nullptr;
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return stmt_ != nullptr; }

  void Bind(int index, const json& value) {
    if (value.is_null()) {
      sqlite3_bind_null(stmt_, index);
    } else if (value.is_boolean()) {
      sqlite3_bind_int(stmt_, index, value.get<bool>() ? 1 : 0);
    } else if (value.is_number_integer()) {
      sqlite3_bind_int64(stmt_, index, value.get<int64_t>());
    } else if (value.is_number()) {
      sqlite3_bind_double(stmt_, index, value.get<double>());
    } else {
      const std::string text = value.is_string() ? value.get<std::string>() : SafeDump(value);
      sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
  }

  // Runs the bound statement to completion and resets it for the next row.
  bool Run(sqlite3* db, std::string* error) {
    const int rc = sqlite3_step(stmt_);
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    if (rc != SQLITE_DONE) {
      *error = std::string("results.db: ") + sqlite3_errmsg(db);
      return false;
    }
    return true;
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

bool Exec(sqlite3* db, const std::string& sql, std::string* error) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    *error = std::string("results.db: ") + (message != nullptr ? message : sqlite3_errmsg(db));
    sqlite3_free(message);
    return false;
  }
  return true;
}

// Commits on Commit(), rolls back otherwise: a failed PutCell leaves the old cell in place.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction() {
    if (open_) {
      std::string ignored;
      Exec(db_, "ROLLBACK", &ignored);
    }
  }
  bool Begin(std::string* error) { return open_ = Exec(db_, "BEGIN IMMEDIATE", error); }
  bool Commit(std::string* error) {
    open_ = false;
    return Exec(db_, "COMMIT", error);
  }

 private:
  sqlite3* db_;
  bool open_ = false;
};

template <typename R>
bool InsertRow(sqlite3* db, Statement* statement, const std::vector<json>& leading,
               const std::vector<Column<R>>& columns, const R& record, std::string* error) {
  int index = 1;
  for (const json& value : leading) statement->Bind(index++, value);
  for (const Column<R>& c : columns) statement->Bind(index++, c.value(record));
  return statement->Run(db, error);
}

// Every numeric leaf under `node` as (dotted name, value); array elements are named by index.
void NumericLeaves(const json& node, const std::string& prefix,
                   std::vector<std::pair<std::string, double>>* out) {
  if (node.is_number()) {
    out->emplace_back(prefix, node.get<double>());
  } else if (node.is_object()) {
    for (const auto& [key, child] : node.items()) {
      const std::string name = prefix.empty() ? key : prefix + "." + key;
      if (name == "load.histogram") continue;  // in the histograms table, whole
      NumericLeaves(child, name, out);
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) {
      NumericLeaves(node[i], prefix + "." + std::to_string(i), out);
    }
  }
}

// Environment values by dotted key; arrays (the GPU list) as JSON text.
void FlattenEnvironment(const json& node, const std::string& prefix,
                        std::vector<std::pair<std::string, json>>* out) {
  if (node.is_object()) {
    for (const auto& [key, child] : node.items()) {
      FlattenEnvironment(child, prefix.empty() ? key : prefix + "." + key, out);
    }
  } else if (node.is_string() || node.is_null()) {
    out->emplace_back(prefix, node);
  } else {
    out->emplace_back(prefix, json(SafeDump(node)));
  }
}

// Removes a cell's rows, children first, explicitly: the cascade would do it, but only where
// foreign keys are on.
bool DeleteCell(sqlite3* db, const json& run_id, const json& cell_id, std::string* error) {
  for (const char* table : {"histograms", "metrics", "levels", "cells"}) {
    Statement remove(db, std::string("DELETE FROM ") + table + " WHERE run_id = ? AND cell_id = ?",
                     error);
    if (!remove.ok()) return false;
    remove.Bind(1, run_id);
    remove.Bind(2, cell_id);
    if (!remove.Run(db, error)) return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<ResultsStore> ResultsStore::Open(const std::string& path, std::string* error) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    *error = "cannot open " + path + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return nullptr;
  }
  std::unique_ptr<ResultsStore> store(new ResultsStore(db));
  // A reader (`servebench report`, sqlite3) may hold the database briefly while a run writes.
  sqlite3_busy_timeout(db, 5000);
  if (!Exec(db, "PRAGMA foreign_keys = ON", error) || !Exec(db, Schema(), error)) {
    *error = path + ": " + *error;
    return nullptr;
  }
  return store;
}

ResultsStore::~ResultsStore() { sqlite3_close(db_); }

bool ResultsStore::PutRun(const RunRecord& run, const nlohmann::json& environment,
                          std::string* error) {
  if (run.run_id.empty()) {
    *error = "a run record needs a run_id";
    return false;
  }
  // An upsert, not INSERT OR REPLACE: replacing the row would cascade-delete the run's cells.
  std::string conflict = " ON CONFLICT (run_id) DO UPDATE SET ";
  bool first = true;
  for (const Column<RunRecord>& c : RunColumns()) {
    if (std::string(c.name) == "run_id") continue;
    conflict += (first ? "" : ", ") + std::string(c.name) + " = excluded." + c.name;
    first = false;
  }
  Transaction transaction(db_);
  if (!transaction.Begin(error)) return false;
  Statement insert_run(db_, Insert("runs", ColumnNames(RunColumns()), conflict), error);
  if (!insert_run.ok() || !InsertRow(db_, &insert_run, {}, RunColumns(), run, error)) return false;

  const json run_id = run.run_id;
  Statement clear(db_, "DELETE FROM environment WHERE run_id = ?", error);
  if (!clear.ok()) return false;
  clear.Bind(1, run_id);
  if (!clear.Run(db_, error)) return false;
  Statement insert_env(db_, Insert("environment", {"run_id", "key", "value"}), error);
  if (!insert_env.ok()) return false;
  std::vector<std::pair<std::string, json>> entries;
  FlattenEnvironment(environment, "", &entries);
  for (const auto& [key, value] : entries) {
    insert_env.Bind(1, run_id);
    insert_env.Bind(2, key);
    insert_env.Bind(3, value);
    if (!insert_env.Run(db_, error)) return false;
  }
  return transaction.Commit(error);
}

bool ResultsStore::PutCell(const CellRecord& cell, std::string* error) {
  if (cell.run_id.empty() || cell.cell_id.empty()) {
    *error = "a cell record needs a run_id and a cell_id";
    return false;
  }
  const json run_id = cell.run_id;
  const json cell_id = cell.cell_id;
  Transaction transaction(db_);
  if (!transaction.Begin(error)) return false;
  if (!DeleteCell(db_, run_id, cell_id, error)) return false;

  Statement insert_cell(db_, Insert("cells", ColumnNames(CellColumns())), error);
  if (!insert_cell.ok() || !InsertRow(db_, &insert_cell, {}, CellColumns(), cell, error)) {
    if (error->find("FOREIGN KEY") != std::string::npos) {
      *error += " (PutRun must record run " + cell.run_id + " first)";
    }
    return false;
  }
  Statement insert_level(
      db_, Insert("levels", ColumnNames(LevelColumns(), {"run_id", "cell_id", "level_index"})),
      error);
  Statement insert_metric(
      db_, Insert("metrics", {"run_id", "cell_id", "level_index", "name", "value"}), error);
  Statement insert_histogram(
      db_, Insert("histograms", {"run_id", "cell_id", "level_index", "kind", "json"}), error);
  if (!insert_level.ok() || !insert_metric.ok() || !insert_histogram.ok()) return false;

  auto put_metrics = [&](int64_t level_index, const json& node, const std::string& prefix) {
    std::vector<std::pair<std::string, double>> leaves;
    NumericLeaves(node, prefix, &leaves);
    for (const auto& [name, value] : leaves) {
      insert_metric.Bind(1, run_id);
      insert_metric.Bind(2, cell_id);
      insert_metric.Bind(3, level_index);
      insert_metric.Bind(4, name);
      insert_metric.Bind(5, value);
      if (!insert_metric.Run(db_, error)) return false;
    }
    return true;
  };
  // The cell's own numbers (summary, cold start, accuracy) under level_index -1, named by their
  // JSON paths.
  if (!put_metrics(-1, cell.duration_s, "duration_s") ||
      !put_metrics(-1, cell.summary.ToJson(), "summary") ||
      (cell.cold_start && !put_metrics(-1, cell.cold_start->ToJson(), "cold_start")) ||
      (cell.accuracy && !put_metrics(-1, cell.accuracy->ToJson(), "accuracy"))) {
    return false;
  }

  for (size_t i = 0; i < cell.levels.size(); ++i) {
    const LevelRecord& level = cell.levels[i];
    const int64_t index = static_cast<int64_t>(i);
    if (!InsertRow(db_, &insert_level, {run_id, cell_id, index}, LevelColumns(), level, error) ||
        !put_metrics(index, level.ToJson(), "")) {
      return false;
    }
    insert_histogram.Bind(1, run_id);
    insert_histogram.Bind(2, cell_id);
    insert_histogram.Bind(3, index);
    insert_histogram.Bind(4, "latency");
    insert_histogram.Bind(5, SafeDump(level.load.histogram));
    if (!insert_histogram.Run(db_, error)) return false;
  }
  return transaction.Commit(error);
}

}  // namespace servebench
