// Copyright servebench authors.
//
// A server that runs already, somewhere servebench can reach (ServerConfig::url): the plan has
// no program, and the runner neither starts nor stops it, so cold start and process sampling do
// not apply. It is assumed to speak KServe v2 REST and to serve the variant under its name.

#include "servebench/lifecycle/launchers.h"
#include "servebench/load/url.h"

namespace servebench {

namespace {

class ExternalLauncher : public ServerLauncher {
 public:
  std::string kind() const override { return "external"; }

  bool Available(const ServerConfig& config, std::string* error) const override {
    if (config.url.empty()) {
      *error = "server '" + config.name + "': kind external needs a url";
      return false;
    }
    Url url;
    return ParseUrl(config.url, &url, error);
  }

  bool Plan(const ServerConfig& config, const ModelVariant& variant, const std::string&,
            LaunchPlan* plan, std::string* error) const override {
    if (!Available(config, error)) return false;
    LaunchPlan p;
    p.base_url = config.url;
    while (!p.base_url.empty() && p.base_url.back() == '/') p.base_url.pop_back();
    p.model = variant.name;
    *plan = std::move(p);
    return true;
  }
};

}  // namespace

std::unique_ptr<ServerLauncher> NewExternalLauncher() {
  return std::make_unique<ExternalLauncher>();
}

}  // namespace servebench
