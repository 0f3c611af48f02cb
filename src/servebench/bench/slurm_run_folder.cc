// Copyright servebench authors.

#include "servebench/bench/slurm_run_folder.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "servebench/bench/journal.h"
#include "servebench/core/file.h"

namespace servebench {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool WriteWholeFile(const std::string& path, const std::string& text, std::string* error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    *error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace

SlurmRunFolder::SlurmRunFolder(std::string run_dir) : run_dir_(std::move(run_dir)) {}

std::string SlurmRunFolder::dir() const { return (fs::path(run_dir_) / "slurm").string(); }

std::string SlurmRunFolder::task_dir(int index) const {
  return (fs::path(dir()) / "tasks" / ("cell-" + std::to_string(index))).string();
}

std::string SlurmRunFolder::task_log(int index, const std::string& array_job_id) const {
  return (fs::path(dir()) / "logs" /
          ("cell-" + std::to_string(index) + "-job-" + array_job_id + ".log"))
      .string();
}

std::string SlurmRunFolder::task_log_pattern() const {
  return (fs::path(dir()) / "logs" / "cell-%a-job-%A.log").string();
}

std::string SlurmRunFolder::merge_log_pattern() const {
  return (fs::path(dir()) / "logs" / "merge-job-%j.log").string();
}

bool SlurmRunFolder::Prepare(const std::vector<std::string>& cell_ids, std::string* error) const {
  std::error_code ec;
  fs::create_directories(fs::path(dir()) / "logs", ec);
  if (!ec) fs::create_directories(fs::path(dir()) / "tasks", ec);
  if (ec) {
    *error = "cannot create " + dir() + ": " + ec.message();
    return false;
  }
  const std::string path = (fs::path(dir()) / "cells.json").string();
  if (fs::exists(path)) {
    std::vector<std::string> existing;
    if (!ReadCellIds(&existing, error)) return false;
    if (existing != cell_ids) {
      *error = path + " lists other cells than the run's matrix now expands to; the run's " +
               "config or this servebench's matrix changed since it was submitted";
      return false;
    }
    return true;
  }
  return WriteWholeFile(path, json{{"cells", cell_ids}}.dump(2) + "\n", error);
}

bool SlurmRunFolder::ReadCellIds(std::vector<std::string>* cell_ids, std::string* error) const {
  const std::string path = (fs::path(dir()) / "cells.json").string();
  std::string text;
  if (!ReadWholeFile(path, &text, error)) return false;
  const json j = json::parse(text, nullptr, false);
  auto cells = j.is_object() ? j.find("cells") : j.end();
  if (j.is_discarded() || !j.is_object() || cells == j.end() || !cells->is_array()) {
    *error = path + ": expected {\"cells\": [cell ids]}";
    return false;
  }
  cell_ids->clear();
  for (const json& id : *cells) {
    if (!id.is_string()) {
      *error = path + ": cells: expected strings";
      return false;
    }
    cell_ids->push_back(id.get<std::string>());
  }
  return true;
}

bool SlurmRunFolder::AppendSubmission(const SlurmSubmission& s, std::string* error) const {
  Journal journal;
  const std::string folder = (fs::path(dir()) / "submissions").string();
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (!Journal::Open(folder, &journal, error)) return false;
  return journal.Append({{"record", "submission"},
                         {"array_job_id", s.array_job_id},
                         {"merge_job_id", s.merge_job_id},
                         {"indices", s.indices},
                         {"submitted_at", s.submitted_at}},
                        error);
}

bool SlurmRunFolder::ReadSubmissions(std::vector<SlurmSubmission>* submissions,
                                     std::string* error) const {
  submissions->clear();
  const std::string folder = (fs::path(dir()) / "submissions").string();
  if (!fs::exists(Journal::PathIn(folder))) return true;
  std::vector<json> records;
  if (!Journal::Read(folder, &records, error)) return false;
  for (const json& r : records) {
    SlurmSubmission s;
    try {
      s.array_job_id = r.at("array_job_id").get<std::string>();
      s.merge_job_id = r.at("merge_job_id").get<std::string>();
      s.indices = r.at("indices").get<std::vector<int>>();
      s.submitted_at = r.at("submitted_at").get<std::string>();
    } catch (const json::exception& e) {
      *error = Journal::PathIn(folder) + ": not a submission record: " + e.what();
      return false;
    }
    submissions->push_back(s);
  }
  return true;
}

bool SlurmRunFolder::ReadTask(int index, SlurmTaskRecord* task, std::string* error) const {
  *task = SlurmTaskRecord();
  const std::string folder = task_dir(index);
  if (!fs::exists(Journal::PathIn(folder))) return true;
  std::vector<json> records;
  std::vector<int> lines;
  if (!Journal::Read(folder, &records, error, &lines)) return false;
  for (size_t i = 0; i < records.size(); ++i) {
    const json& r = records[i];
    const std::string kind = r.value("record", "");
    if (kind == "slurm_task") {
      task->last_array_job_id = r.value("array_job_id", "");
      task->node = r.value("node", "");
      task->last_job_id = r.value("job_id", "");
    } else if (kind == "cell") {
      CellRecord cell;
      std::string problem;
      if (!CellRecord::FromJson(r, &cell, &problem)) {
        *error = Journal::PathIn(folder) + " line " + std::to_string(lines[i]) +
                 ": cell record: " + problem;
        return false;
      }
      task->cell = cell;
      task->cell_array_job_id = task->last_array_job_id;
    }
  }
  return true;
}

bool SlurmRunFolder::StartedJobIds(const SlurmSubmission& submission,
                                   std::map<int, std::string>* job_ids, std::string* error) const {
  job_ids->clear();
  for (int index : submission.indices) {
    SlurmTaskRecord task;
    if (!ReadTask(index, &task, error)) return false;
    if (task.last_array_job_id == submission.array_job_id && !task.last_job_id.empty()) {
      (*job_ids)[index] = task.last_job_id;
    }
  }
  return true;
}

bool WriteScript(const std::string& path, const std::string& text, std::string* error) {
  if (!WriteWholeFile(path, text, error)) return false;
  if (::chmod(path.c_str(), 0755) != 0) {
    *error = "cannot make " + path + " executable";
    return false;
  }
  return true;
}

}  // namespace servebench
