// Copyright servebench authors.

#include "servebench/lifecycle/process_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "servebench/core/clock.h"

namespace servebench {

namespace {

struct ProcStat {
  pid_t pid = 0;
  pid_t ppid = 0;
  pid_t pgrp = 0;
  char state = '?';
  uint64_t cpu_ticks = 0;
  int threads = 0;
  uint64_t start_time = 0;
  int64_t rss_pages = 0;
};

// Reads a small /proc file whole with one read (the kernel makes it in one go).
bool ReadSmallFile(const std::string& path, std::string* out) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buffer[4096];
  out->clear();
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) out->append(buffer, static_cast<size_t>(n));
  close(fd);
  return n == 0;
}

// /proc/PID/stat: "pid (comm) state ppid pgrp ...", where comm may hold spaces and parentheses,
// so the fields are counted from the last ')'.
bool ReadStat(pid_t pid, ProcStat* out) {
  std::string text;
  if (!ReadSmallFile("/proc/" + std::to_string(pid) + "/stat", &text)) return false;
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) return false;
  std::vector<const char*> fields;  // fields[0] is field 3 (state)
  const char* p = text.c_str() + paren + 1;
  while (*p != '\0') {
    while (*p == ' ') ++p;
    if (*p == '\0' || *p == '\n') break;
    fields.push_back(p);
    while (*p != ' ' && *p != '\0') ++p;
  }
  if (fields.size() < 22) return false;  // up to field 24 (rss)
  auto field = [&](int number) { return std::strtoull(fields[number - 3], nullptr, 10); };
  out->pid = pid;
  out->state = fields[0][0];
  out->ppid = static_cast<pid_t>(field(4));
  out->pgrp = static_cast<pid_t>(field(5));
  out->cpu_ticks = field(14) + field(15) + field(16) + field(17);
  out->threads = static_cast<int>(field(20));
  out->start_time = field(22);
  out->rss_pages = static_cast<int64_t>(field(24));
  return true;
}

int64_t ReadPssBytes(pid_t pid) {
  std::string text;
  if (!ReadSmallFile("/proc/" + std::to_string(pid) + "/smaps_rollup", &text)) return 0;
  const size_t at = text.find("\nPss:");
  if (at == std::string::npos) return 0;
  return std::strtoll(text.c_str() + at + 5, nullptr, 10) * 1024;  // in kB
}

std::vector<ProcStat> AllProcesses() {
  std::vector<ProcStat> out;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return out;
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0') continue;
    ProcStat stat;
    if (ReadStat(static_cast<pid_t>(pid), &stat)) out.push_back(stat);  // may exit meanwhile
  }
  closedir(dir);
  return out;
}

}  // namespace

ProcessTreeSnapshot SnapshotProcessTree(pid_t root, bool with_pss) {
  ProcessTreeSnapshot snapshot;
  snapshot.taken_ns = MonotonicNanos();
  const std::vector<ProcStat> all = AllProcesses();
  std::set<pid_t> members;
  for (const ProcStat& p : all) {
    if (p.pid == root || p.pgrp == root) members.insert(p.pid);
  }
  // Descendants that moved to a group of their own: grow the set until it is closed.
  for (bool grew = true; grew;) {
    grew = false;
    for (const ProcStat& p : all) {
      if (members.count(p.ppid) != 0 && members.insert(p.pid).second) grew = true;
    }
  }
  static const int64_t page_size = sysconf(_SC_PAGESIZE);
  for (const ProcStat& p : all) {
    if (members.count(p.pid) == 0) continue;
    snapshot.cpu_ticks[{p.pid, p.start_time}] = p.cpu_ticks;
    snapshot.processes += 1;
    snapshot.threads += p.threads;
    snapshot.rss_bytes += p.rss_pages * page_size;
    if (with_pss) snapshot.pss_bytes += ReadPssBytes(p.pid);
  }
  return snapshot;
}

bool ProcessGroupRuns(pid_t pgid) {
  if (kill(-pgid, 0) != 0 && errno == ESRCH) return false;  // no member at all: no need to look
  for (const ProcStat& p : AllProcesses()) {
    if (p.pgrp == pgid && p.state != 'Z' && p.state != 'X') return true;
  }
  return false;
}

void FindMarkedProcesses(const std::string& mark, std::vector<pid_t>* marked,
                         std::vector<pid_t>* roots) {
  marked->clear();
  roots->clear();
  const std::vector<ProcStat> all = AllProcesses();
  std::set<pid_t> carriers;
  std::string env;  // NUL-separated KEY=VALUE entries
  for (const ProcStat& p : all) {
    if (p.state == 'Z' || p.state == 'X') continue;
    if (!ReadSmallFile("/proc/" + std::to_string(p.pid) + "/environ", &env)) continue;
    // NUL-separated entries: the mark must be a whole one.
    if (('\0' + env + '\0').find('\0' + mark + '\0') != std::string::npos) {
      carriers.insert(p.pid);
    }
  }
  for (const ProcStat& p : all) {
    if (carriers.count(p.pid) == 0) continue;
    marked->push_back(p.pid);
    if (carriers.count(p.ppid) == 0) roots->push_back(p.pid);
  }
}

uint64_t CpuTicksBetween(const ProcessTreeSnapshot& before, const ProcessTreeSnapshot& after) {
  uint64_t ticks = 0;
  for (const auto& [process, now] : after.cpu_ticks) {
    const auto it = before.cpu_ticks.find(process);
    const uint64_t then = it == before.cpu_ticks.end() ? 0 : it->second;
    if (now > then) ticks += now - then;
  }
  return ticks;
}

}  // namespace servebench
