// Copyright servebench authors.
//
// EnergyMeter (declared in resource_sampler.h): Intel RAPL through the powercap sysfs tree.
// Only package domains (intel-rapl:N) are read: their subdomains (intel-rapl:N:M, cores and
// uncore) are parts of the package's figure, and adding them would count energy twice.

#include <dirent.h>

#include <fstream>
#include <regex>

#include "servebench/lifecycle/resource_sampler.h"

namespace servebench {

namespace {

constexpr char kPowercap[] = "/sys/class/powercap";

bool ReadNumber(const std::string& path, double* out) {
  std::ifstream in(path);
  unsigned long long value = 0;
  if (!(in >> value)) return false;
  *out = static_cast<double>(value);
  return true;
}

}  // namespace

EnergyMeter::EnergyMeter() {
  DIR* dir = opendir(kPowercap);
  if (dir == nullptr) return;
  const std::regex package("intel-rapl:[0-9]+");
  std::vector<std::string> domains;
  while (dirent* entry = readdir(dir)) {
    if (std::regex_match(entry->d_name, package)) domains.push_back(entry->d_name);
  }
  closedir(dir);
  for (const std::string& domain : domains) {
    const std::string base = std::string(kPowercap) + "/" + domain + "/";
    double energy = 0;
    double range = 0;
    // energy_uj is readable by root only on recent kernels: such a domain is skipped, and with
    // none left the meter reports absent.
    if (ReadNumber(base + "energy_uj", &energy) &&
        ReadNumber(base + "max_energy_range_uj", &range)) {
      start_.emplace_back(base + "energy_uj", energy);
      max_range_.push_back(range);
    }
  }
}

std::optional<double> EnergyMeter::Joules() const {
  if (start_.empty()) return std::nullopt;
  double microjoules = 0;
  for (size_t i = 0; i < start_.size(); ++i) {
    double now = 0;
    if (!ReadNumber(start_[i].first, &now)) return std::nullopt;
    double used = now - start_[i].second;
    // The counter wraps at max_energy_range_uj; one wrap per window is all it can show (at
    // 100 W a 2^32 uJ range takes 43 s, recent ranges take hours).
    if (used < 0) used += max_range_[i];
    microjoules += used;
  }
  return microjoules / 1e6;
}

}  // namespace servebench
