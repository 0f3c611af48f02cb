// Copyright servebench authors.
//
// Kind "external": a server that runs already, somewhere servebench can reach (`url`). The plan
// has no program, and the runner neither starts nor stops it, so cold start and process sampling
// do not apply. It speaks KServe v2 REST unless `protocol` says otherwise, and serves the
// variant under its name.

#include <algorithm>

#include "servebench/core/url.h"
#include "servebench/protocols/protocol_adapter.h"
#include "servebench/systems/serving_system.h"

namespace servebench {

namespace {

struct ExternalSettings : SystemSettings {
  std::string url;  // base URL, without a trailing '/'
  std::string protocol = kKServeV2Rest;

  nlohmann::json ToJson() const override { return {{"url", url}, {"protocol", protocol}}; }
};

class ExternalSystem : public ServingSystem {
 public:
  std::string kind() const override { return "external"; }

  std::vector<std::string> keys() const override { return {"url", "protocol"}; }

  std::shared_ptr<const SystemSettings> ReadSettings(const Fields& fields,
                                                     const std::string&) const override {
    auto settings = std::make_shared<ExternalSettings>();
    const Field& url = fields.Require("url", "the server's base URL, e.g. http://127.0.0.1:8000");
    settings->url = ReadNonEmptyString(url.value, url.path);
    Url parsed;
    std::string why;
    if (!ParseUrl(settings->url, &parsed, &why)) Fail(url.value, url.path, why);
    while (settings->url.back() == '/') settings->url.pop_back();
    IfPresent(fields, "protocol", [&](const YAML::Node& n, const std::string& p) {
      settings->protocol = ReadNonEmptyString(n, p);
      const std::vector<std::string> names = ProtocolNames();
      if (!Contains(names, settings->protocol)) {
        std::string message = "unknown protocol " + Quote(settings->protocol) +
                              " (known protocols: " + Join(names, ", ");
        const std::string suggestion = DidYouMean(settings->protocol, names);
        if (!suggestion.empty()) message += "; did you mean " + Quote(suggestion) + "?";
        Fail(n, p, message + ")");
      }
    });
    return settings;
  }

  bool Available(const ServerConfig&, const SystemContext&, std::string*) const override {
    return true;  // whether it answers is checked when its cells start
  }

  bool Plan(const ServerConfig& server, const ModelVariant& variant, const SystemContext&,
            const std::string&, LaunchPlan* plan, std::string*) const override {
    const auto& settings = SettingsOf<ExternalSettings>(server);
    LaunchPlan p;
    p.base_url = settings.url;
    p.protocol = settings.protocol;
    p.model = variant.name;
    *plan = std::move(p);
    return true;
  }
};

const ServingSystemRegistration kRegistration(std::make_unique<ExternalSystem>());

}  // namespace

}  // namespace servebench
