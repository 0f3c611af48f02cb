// Copyright servebench authors.

#include "servebench/report/run_warnings.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "servebench/report/level_label.h"
#include "servebench/report/number_format.h"

namespace servebench {

namespace {

// 99 -> "99", 99.9 -> "99.9".
std::string Percentile(double p) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", p);
  return text;
}

std::string Share(double part, double whole) {
  return whole > 0 ? FormatSignificant(100.0 * part / whole, 2) + " %" : "all";
}

std::string KeyString(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::string HardwareOf(const CellRecord& cell) {
  const nlohmann::json& env = cell.environment;
  if (!env.is_object()) return "";
  const std::string cpu = KeyString(env, "cpu_model");
  std::string line = cpu.empty() ? std::string("unknown CPU") : cpu;
  auto cores = env.find("cores");
  if (cores != env.end() && cores->is_number_integer()) {
    line += ", " + std::to_string(cores->get<int64_t>()) + " cores";
  }
  auto memory = env.find("memory_bytes");
  if (memory != env.end() && memory->is_number()) {
    // Whole GiB: MemTotal varies by a few MiB between identical nodes (kernel reservations).
    line += ", " + std::to_string(std::llround(memory->get<double>() / (1 << 30))) + " GiB";
  }
  auto gpus = env.find("gpu");
  if (gpus != env.end() && gpus->is_array() && !gpus->empty()) {
    line += ", GPUs:";
    for (const nlohmann::json& gpu : *gpus) {
      line += ' ';
      line += gpu.is_object() ? KeyString(gpu, "name") : std::string("?");
    }
  }
  return line;
}

std::vector<RunWarning> CollectWarnings(const std::vector<CellRecord>& cells) {
  std::vector<RunWarning> out;
  for (const CellRecord& cell : cells) {
    if (!cell.ok()) {
      std::string message = cell.failure && !cell.failure->message.empty()
                                ? cell.failure->message
                                : "failed without a message";
      if (cell.failure && cell.failure->exit && !cell.failure->exit->empty()) {
        message += " (server " + *cell.failure->exit + ")";
      }
      out.push_back({"failed", cell.cell_id, "", message});
    }
    for (const LevelRecord& level : cell.levels) {
      const std::string label = LevelLabel(level.level);
      const LoadRecord& load = level.load;
      const RequestCounts& requests = load.requests;
      const double offered = static_cast<double>(requests.scheduled.value_or(requests.sent));
      if (requests.errors.validation > 0) {
        std::string message = FormatCount(static_cast<double>(requests.errors.validation)) +
                              " responses failed the response check (" +
                              Share(requests.errors.validation, offered) + ")";
        if (requests.first_validation_error) {
          message += "; the first: " + *requests.first_validation_error;
        }
        out.push_back({"validation", cell.cell_id, label, message});
      }
      const int64_t other_errors = requests.errors.total() - requests.errors.validation;
      if (other_errors > 0) {
        out.push_back({"errors", cell.cell_id, label,
                       FormatCount(static_cast<double>(other_errors)) + " requests failed (" +
                           Share(other_errors, offered) +
                           "): " + std::to_string(requests.errors.connect) + " connect, " +
                           std::to_string(requests.errors.timeout) + " timeout, " +
                           std::to_string(requests.errors.http_status) + " HTTP status, " +
                           std::to_string(requests.errors.protocol) + " protocol"});
      }
      if (level.overloaded) {
        out.push_back({"overloaded", cell.cell_id, label,
                       "overloaded: the server delivered " + FormatRate(load.throughput_rps) +
                           "/s of the " + FormatRate(load.target_rate.value_or(0)) +
                           "/s offered, and the level ended early"});
      } else if (level.max_duration_reached) {
        out.push_back({"unstable", cell.cell_id, label,
                       level.stable ? "reached the maximum duration before early stopping could "
                                      "judge the SLO"
                                    : "never stable: its windows' throughput still varied more "
                                      "than the tolerance at the maximum duration"});
      }
      if (level.inconclusive()) {
        out.push_back(
            {"inconclusive", cell.cell_id, label,
             "inconclusive: " +
                 (level.slo_reason.empty() ? std::string("too few samples to judge the SLO")
                                           : level.slo_reason) +
                 "; it feeds no throughput within the SLO, cost or verdict"});
      }
      if (load.generator.behind) {
        out.push_back({"generator", cell.cell_id, label,
                       "the load generator fell behind its schedule: " +
                           FormatSignificant(load.generator.late_fraction * 100, 2) +
                           " % of requests were sent late, so this level's latency is not "
                           "trustworthy"});
      }
      if (level.generator_lag && level.generator_lag->flagged) {
        const GeneratorLagRecord& lag = *level.generator_lag;
        out.push_back({"lag", cell.cell_id, label,
                       "generator lag: the schedule lag p99 " +
                           FormatSignificant(lag.schedule_lag_p99_us / 1000) + " ms is " +
                           FormatSignificant(lag.share * 100, 2) + " % of the p" +
                           Percentile(lag.percentile) + " latency " +
                           FormatSignificant(lag.latency_us / 1000) +
                           " ms: that much of it is the load generator's lateness, not the "
                           "server's"});
      }
      if (level.noise && level.noise->disturbed) {
        out.push_back({"noisy", cell.cell_id, label,
                       "noisy: " + FormatSignificant(level.noise->steal_percent, 2) +
                           " % of a core stolen and " +
                           FormatSignificant(level.noise->foreign_cpu_percent, 2) +
                           " % used by other processes on the measured cores"});
      }
    }
  }
  std::map<std::string, int> kinds;
  for (const CellRecord& cell : cells) {
    const std::string hardware = HardwareOf(cell);
    if (!hardware.empty()) ++kinds[hardware];
  }
  if (kinds.size() > 1) {
    for (const CellRecord& cell : cells) {
      const std::string hardware = HardwareOf(cell);
      if (hardware.empty()) continue;
      const std::string host = KeyString(cell.environment, "hostname");
      out.push_back({"hardware", cell.cell_id, "",
                     "measured on " + (host.empty() ? std::string("a node") : host) + " (" +
                         hardware + "), one of " + std::to_string(kinds.size()) +
                         " kinds of hardware in this run: compare its numbers with cells on the "
                         "same hardware only"});
    }
  }
  return out;
}

}  // namespace servebench
