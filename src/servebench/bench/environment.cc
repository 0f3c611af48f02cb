// Copyright servebench authors.

#include "servebench/bench/environment.h"

#include <dlfcn.h>
#include <sched.h>
#include <sqlite3.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <boost/version.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "servebench/core/version.h"

namespace servebench {

namespace {

std::string TrimSpace(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t\r\n\"");
  if (begin == std::string::npos) return "";
  const size_t end = s.find_last_not_of(" \t\r\n\"");
  return s.substr(begin, end - begin + 1);
}

// The value after the first "key<spaces>:" or "key=" line of a /proc or /etc file.
std::string ValueOf(const std::string& path, const std::string& key, char separator) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const size_t sep = line.find(separator);
    if (sep == std::string::npos) continue;
    if (TrimSpace(line.substr(0, sep)) == key) return TrimSpace(line.substr(sep + 1));
  }
  return "";
}

int AllowedCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
  return CPU_COUNT(&set);
}

// Installed Debian package versions ("ii" only: a removed package leaves a record behind).
nlohmann::json DebianVersions() {
  nlohmann::json versions = nlohmann::json::object();
  std::FILE* pipe = ::popen(
      "dpkg-query -W -f='${Package} ${db:Status-Abbrev} ${Version}\\n' python3-torch "
      "libtorch-dev 2>/dev/null",
      "r");
  if (pipe == nullptr) return versions;
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  ::pclose(pipe);
  std::istringstream lines(output);
  std::string package, status, version;
  while (lines >> package >> status >> version) {
    if (status.rfind("ii", 0) != 0) continue;
    if (package == "python3-torch") versions["torch"] = version;
    if (package == "libtorch-dev") versions["libtorch"] = version;
  }
  return versions;
}

// NVML, loaded at run time so that servebench needs no GPU driver to build or run.
nlohmann::json NvmlGpus() {
  nlohmann::json gpus = nlohmann::json::array();
  void* nvml = ::dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (nvml == nullptr) return gpus;
  using InitFn = int (*)();
  using CountFn = int (*)(unsigned*);
  using HandleFn = int (*)(unsigned, void**);
  using NameFn = int (*)(void*, char*, unsigned);
  struct MemoryInfo {
    unsigned long long total, free, used;
  };
  using MemoryFn = int (*)(void*, MemoryInfo*);
  using DriverFn = int (*)(char*, unsigned);
  auto init = reinterpret_cast<InitFn>(::dlsym(nvml, "nvmlInit_v2"));
  auto shutdown = reinterpret_cast<InitFn>(::dlsym(nvml, "nvmlShutdown"));
  auto count = reinterpret_cast<CountFn>(::dlsym(nvml, "nvmlDeviceGetCount_v2"));
  auto handle = reinterpret_cast<HandleFn>(::dlsym(nvml, "nvmlDeviceGetHandleByIndex_v2"));
  auto name = reinterpret_cast<NameFn>(::dlsym(nvml, "nvmlDeviceGetName"));
  auto memory = reinterpret_cast<MemoryFn>(::dlsym(nvml, "nvmlDeviceGetMemoryInfo"));
  auto driver = reinterpret_cast<DriverFn>(::dlsym(nvml, "nvmlSystemGetDriverVersion"));
  if (init != nullptr && shutdown != nullptr && count != nullptr && handle != nullptr &&
      name != nullptr && init() == 0) {
    char driver_version[96] = "";
    if (driver != nullptr) driver(driver_version, sizeof(driver_version));
    unsigned devices = 0;
    if (count(&devices) == 0) {
      for (unsigned i = 0; i < devices; ++i) {
        void* device = nullptr;
        if (handle(i, &device) != 0) continue;
        char device_name[96] = "";
        name(device, device_name, sizeof(device_name));
        nlohmann::json gpu = {{"index", i}, {"name", device_name}, {"driver", driver_version}};
        MemoryInfo info{};
        if (memory != nullptr && memory(device, &info) == 0) gpu["memory_bytes"] = info.total;
        gpus.push_back(gpu);
      }
    }
    shutdown();
  }
  ::dlclose(nvml);
  return gpus;
}

std::string CompilerVersion() {
#if defined(__clang__)
  return std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  return std::string("gcc ") + __VERSION__;
#else
  return "unknown";
#endif
}

}  // namespace

nlohmann::json CollectEnvironment() {
  nlohmann::json env = nlohmann::json::object();
  struct utsname uts {};
  const bool have_uname = ::uname(&uts) == 0;

  std::string cpu = ValueOf("/proc/cpuinfo", "model name", ':');
  if (cpu.empty()) cpu = ValueOf("/proc/cpuinfo", "Model", ':');  // many ARM boards
  if (cpu.empty() && have_uname) cpu = uts.machine;
  env["cpu_model"] = cpu;
  const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  env["cores"] =
      online > 0 ? static_cast<int>(online) : static_cast<int>(std::thread::hardware_concurrency());
  // What `nproc` says: the cores this process may run on (a container or taskset can narrow it).
  env["cores_allowed"] = AllowedCores();
  const std::string mem_total = ValueOf("/proc/meminfo", "MemTotal", ':');  // "16318840 kB"
  if (!mem_total.empty()) {
    env["memory_bytes"] = std::stoll(mem_total) * 1024;
  } else {
    env["memory_bytes"] = nullptr;
  }
  env["kernel"] = have_uname ? std::string(uts.sysname) + " " + uts.release : "";
  env["kernel_build"] = have_uname ? uts.version : "";
  env["machine"] = have_uname ? uts.machine : "";
  env["os"] = ValueOf("/etc/os-release", "PRETTY_NAME", '=');
  char host[256] = "";
  env["hostname"] = ::gethostname(host, sizeof(host) - 1) == 0 ? host : "";
  env["servebench_version"] = kServebenchVersion;
  env["compiler"] = CompilerVersion();

  nlohmann::json libraries = DebianVersions();
  std::string boost = BOOST_LIB_VERSION;  // "1_74"
  for (char& c : boost) c = c == '_' ? '.' : c;
  libraries["boost"] = boost;
  libraries["sqlite"] = sqlite3_libversion();
  libraries["nlohmann_json"] = std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                               std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                               std::to_string(NLOHMANN_JSON_VERSION_PATCH);
  env["libraries"] = libraries;
  env["gpu"] = NvmlGpus();
  return env;
}

}  // namespace servebench
