// Copyright servebench authors.

#include "servebench/lifecycle/cpu_noise.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "servebench/core/clock.h"

namespace servebench {

namespace {

bool ReadProcFile(const std::string& path, std::string* out, std::string* error) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot open " + path;
    return false;
  }
  char buffer[8192];
  out->clear();
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) out->append(buffer, static_cast<size_t>(n));
  close(fd);
  if (n < 0) *error = "cannot read " + path;
  return n == 0;
}

// The whitespace-separated unsigned numbers of `text`; false at anything else.
bool Numbers(const std::string& text, std::vector<uint64_t>* out) {
  std::istringstream in(text);
  std::string word;
  out->clear();
  while (in >> word) {
    char* end = nullptr;
    if (word.empty() || word[0] == '-') return false;
    const unsigned long long value = std::strtoull(word.c_str(), &end, 10);
    if (*end != '\0') return false;
    out->push_back(value);
  }
  return true;
}

}  // namespace

bool ParseProcStat(const std::string& text, std::map<int, CoreTimes>* cores, std::string* error) {
  cores->clear();
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    // "cpu " is the sum over cores; "cpuN ..." one core.
    if (line.size() < 4 || line.compare(0, 3, "cpu") != 0 || line[3] < '0' || line[3] > '9') {
      continue;
    }
    const size_t space = line.find(' ');
    const std::string name = line.substr(0, space);
    char* end = nullptr;
    const long core = std::strtol(name.c_str() + 3, &end, 10);
    std::vector<uint64_t> v;
    // user nice system idle iowait irq softirq steal (guest and guest_nice follow on newer
    // kernels, and are already inside user and nice).
    if (*end != '\0' || space == std::string::npos || !Numbers(line.substr(space), &v) ||
        v.size() < 8) {
      *error = "/proc/stat: malformed line '" + line + "'";
      return false;
    }
    (*cores)[static_cast<int>(core)] = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]};
  }
  if (cores->empty()) {
    *error = "/proc/stat: no per-core 'cpuN' lines";
    return false;
  }
  return true;
}

bool ParseProcPidStatTicks(const std::string& text, uint64_t* ticks, std::string* error) {
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) {
    *error = "/proc/<pid>/stat: no ')' after the command name";
    return false;
  }
  std::istringstream in(text.substr(paren + 1));
  std::vector<std::string> fields;  // fields[0] is field 3 (state)
  for (std::string word; in >> word;) fields.push_back(word);
  if (fields.size() < 13) {
    *error = "/proc/<pid>/stat: " + std::to_string(fields.size() + 2) + " fields, 15 needed";
    return false;
  }
  uint64_t sum = 0;
  for (int number : {14, 15}) {
    const std::string& field = fields[static_cast<size_t>(number - 3)];
    char* end = nullptr;
    const unsigned long long value = std::strtoull(field.c_str(), &end, 10);
    if (field.empty() || *end != '\0' || field[0] == '-') {
      *error = "/proc/<pid>/stat: field " + std::to_string(number) + " is '" + field + "'";
      return false;
    }
    sum += value;
  }
  *ticks = sum;
  return true;
}

CpuNoise NoiseBetween(const NoiseSnapshot& before, const NoiseSnapshot& after,
                      const std::vector<int>& cores, double ticks_per_second) {
  CpuNoise noise;
  noise.seconds = (after.taken_ns - before.taken_ns) / 1e9;
  if (cores.empty()) {
    for (const auto& [core, times] : after.cores) noise.cores.push_back(core);
  } else {
    noise.cores = cores;
  }
  uint64_t steal = 0, busy = 0;
  for (int core : noise.cores) {
    auto b = before.cores.find(core);
    auto a = after.cores.find(core);
    if (b == before.cores.end() || a == after.cores.end()) continue;
    // A counter that went backwards (a core taken offline and back) counts as nothing.
    if (a->second.steal >= b->second.steal) steal += a->second.steal - b->second.steal;
    if (a->second.busy() >= b->second.busy()) busy += a->second.busy() - b->second.busy();
  }
  const uint64_t self =
      after.self_ticks >= before.self_ticks ? after.self_ticks - before.self_ticks : 0;
  const uint64_t own = self + CpuTicksBetween(before.server, after.server);
  if (noise.seconds <= 0 || ticks_per_second <= 0) return noise;
  const double to_percent = 100.0 / (ticks_per_second * noise.seconds);
  noise.steal_percent = steal * to_percent;
  noise.busy_percent = busy * to_percent;
  noise.own_percent = own * to_percent;
  noise.foreign_cpu_percent = std::max(0.0, noise.busy_percent - noise.own_percent);
  return noise;
}

bool TakeNoiseSnapshot(pid_t server_root, NoiseSnapshot* out, std::string* error) {
  NoiseSnapshot s;
  std::string text;
  if (server_root > 0) s.server = SnapshotProcessTree(server_root, /*with_pss=*/false);
  s.taken_ns = MonotonicNanos();
  if (!ReadProcFile("/proc/stat", &text, error) || !ParseProcStat(text, &s.cores, error)) {
    return false;
  }
  if (!ReadProcFile("/proc/self/stat", &text, error) ||
      !ParseProcPidStatTicks(text, &s.self_ticks, error)) {
    return false;
  }
  *out = std::move(s);
  return true;
}

}  // namespace servebench
