#include "model_repository.h"

#include <algorithm>
#include <charconv>
#include <system_error>

#include "model_config.h"

namespace servebench::ts {

namespace fs = std::filesystem;

namespace {

bool ParseVersion(const std::string& s, int64_t* v) {
  if (s.empty() || s.size() > 18) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && ptr == s.data() + s.size() && *v > 0;
}

// A directory name that cannot escape the root.
bool SafeName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

void StopVersions(const std::map<int64_t, std::shared_ptr<ModelVersion>>& versions) {
  for (const auto& [v, mv] : versions) mv->scheduler->Stop();
}

}  // namespace

ModelRepository::ModelRepository(fs::path root, RunnerFactory factory)
    : root_(std::move(root)), factory_(std::move(factory)) {}

ModelRepository::~ModelRepository() { StopAll(); }

std::vector<std::string> ModelRepository::ListModelDirectories() const {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    if (entry.is_directory(ec)) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Status ModelRepository::LoadVersions(
    const std::string& name, std::map<int64_t, std::shared_ptr<ModelVersion>>* versions) const {
  fs::path dir = root_ / name;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status::NotFound("model '" + name + "' is not in the repository");
  }
  ModelSpec spec;
  if (Status st = LoadModelConfig(dir / "config.pbtxt", name, &spec); !st.ok()) return st;

  std::vector<std::pair<int64_t, fs::path>> found;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    int64_t v;
    if (entry.is_directory(ec) && ParseVersion(entry.path().filename().string(), &v) &&
        fs::is_regular_file(entry.path() / spec.model_filename, ec)) {
      found.emplace_back(v, entry.path() / spec.model_filename);
    }
  }
  if (found.empty()) {
    return Status::InvalidArgument((dir).string() + ": no version directory holds " +
                                   spec.model_filename);
  }
  for (const auto& [v, file] : found) {
    auto mv = std::make_shared<ModelVersion>();
    mv->spec = spec;
    mv->version = v;
    mv->version_name = std::to_string(v);
    std::vector<std::unique_ptr<ModelRunner>> runners;
    for (int i = 0; i < spec.instance_count; ++i) {
      std::unique_ptr<ModelRunner> runner;
      if (Status st = factory_(file, spec, i, &runner); !st.ok()) {
        StopVersions(*versions);
        versions->clear();
        return st;
      }
      runners.push_back(std::move(runner));
    }
    mv->scheduler = std::make_unique<ModelScheduler>(spec, std::move(runners), &mv->stats);
    (*versions)[v] = std::move(mv);
  }
  return Status::Ok();
}

Status ModelRepository::Load(const std::string& name) {
  if (!SafeName(name)) return Status::InvalidArgument("'" + name + "' is not a model name");
  std::lock_guard<std::mutex> load_lock(load_mu_);
  std::map<int64_t, std::shared_ptr<ModelVersion>> versions;
  Status st = LoadVersions(name, &versions);
  std::map<int64_t, std::shared_ptr<ModelVersion>> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!st.ok()) {
      if (st.code() == StatusCode::kNotFound && !models_.count(name)) return st;
      models_[name].reason = st.message();
      return st;
    }
    Entry& e = models_[name];
    old.swap(e.versions);
    e.versions = std::move(versions);
    e.reason.clear();
  }
  StopVersions(old);  // requests already queued on the old versions still complete
  return Status::Ok();
}

Status ModelRepository::Unload(const std::string& name) {
  std::lock_guard<std::mutex> load_lock(load_mu_);
  std::map<int64_t, std::shared_ptr<ModelVersion>> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = models_.find(name);
    if (it == models_.end()) {
      // With an error code: a name the file system refuses (too long) is unknown, not a throw
      // that would end the server.
      std::error_code ec;
      if (!SafeName(name) || !fs::is_directory(root_ / name, ec)) {
        return Status::NotFound("unknown model '" + name + "'");
      }
      models_[name].reason = "unloaded";
      return Status::Ok();
    }
    old.swap(it->second.versions);
    it->second.reason = "unloaded";
  }
  StopVersions(old);
  return Status::Ok();
}

Status ModelRepository::Find(const std::string& name, const std::string& version,
                             std::shared_ptr<ModelVersion>* found) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = models_.find(name);
  if (it == models_.end() || it->second.versions.empty()) {
    return Status::NotFound(it == models_.end() ? "unknown model '" + name + "'"
                                                : "model '" + name + "' is not loaded");
  }
  const auto& versions = it->second.versions;
  if (version.empty()) {
    *found = versions.rbegin()->second;
    return Status::Ok();
  }
  int64_t v;
  auto vit = ParseVersion(version, &v) ? versions.find(v) : versions.end();
  if (vit == versions.end()) {
    std::string loaded;
    for (const auto& [n, mv] : versions) loaded += (loaded.empty() ? "" : ", ") + mv->version_name;
    return Status::NotFound("model '" + name + "' has no version '" + version +
                            "' (loaded: " + loaded + ")");
  }
  *found = vit->second;
  return Status::Ok();
}

Status ModelRepository::Select(const std::string& name, const std::string& version,
                               std::vector<std::shared_ptr<ModelVersion>>* selected) const {
  if (name.empty()) {
    *selected = AllVersions();
    return Status::Ok();
  }
  if (version.empty()) {
    *selected = Versions(name);
    if (!selected->empty()) return Status::Ok();
  }
  std::shared_ptr<ModelVersion> model;
  if (Status st = Find(name, version, &model); !st.ok()) return st;
  *selected = {model};
  return Status::Ok();
}

std::vector<std::shared_ptr<ModelVersion>> ModelRepository::Versions(
    const std::string& name) const {
  std::vector<std::shared_ptr<ModelVersion>> out;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = models_.find(name);
  if (it == models_.end()) return out;
  for (const auto& [v, mv] : it->second.versions) out.push_back(mv);
  return out;
}

std::vector<std::shared_ptr<ModelVersion>> ModelRepository::AllVersions() const {
  std::vector<std::shared_ptr<ModelVersion>> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, e] : models_) {
    for (const auto& [v, mv] : e.versions) out.push_back(mv);
  }
  return out;
}

bool ModelRepository::Known(const std::string& name) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (models_.count(name)) return true;
  }
  std::error_code ec;
  return SafeName(name) && fs::is_directory(root_ / name, ec);
}

std::vector<IndexEntry> ModelRepository::Index() const {
  std::vector<IndexEntry> out;
  std::vector<std::string> dirs = ListModelDirectories();
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, e] : models_) {
    if (e.versions.empty()) out.push_back({name, "", "UNAVAILABLE", e.reason});
    for (const auto& [v, mv] : e.versions) out.push_back({name, mv->version_name, "READY", ""});
  }
  for (const std::string& d : dirs) {
    if (!models_.count(d)) out.push_back({d, "", "UNAVAILABLE", "not loaded"});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const IndexEntry& a, const IndexEntry& b) { return a.name < b.name; });
  return out;
}

void ModelRepository::StopAll() {
  std::lock_guard<std::mutex> load_lock(load_mu_);
  std::vector<std::shared_ptr<ModelVersion>> all = AllVersions();
  for (const auto& mv : all) mv->scheduler->Stop();
}

}  // namespace servebench::ts
