// Copyright servebench authors.
//
// Kind "external": a server that runs already, somewhere servebench can reach (`url`). The plan
// has no program, and the runner neither starts nor stops it, so cold start and process sampling
// do not apply. It speaks KServe v2 REST unless `protocol` says otherwise (with the protocol's
// `protocol_options`, for one that takes them), and serves the variant under its name.

#include <algorithm>

#include "servebench/core/url.h"
#include "servebench/protocols/protocol_adapter.h"
#include "servebench/systems/protocol_keys.h"
#include "servebench/systems/serving_system.h"

namespace servebench {

namespace {

struct ExternalSettings : SystemSettings {
  std::string url;  // base URL, without a trailing '/'
  ProtocolChoice protocol;

  nlohmann::json ToJson() const override {
    nlohmann::json out = {{"url", url}};
    AddProtocolJson(protocol, &out);
    return out;
  }
};

class ExternalSystem : public ServingSystem {
 public:
  std::string kind() const override { return "external"; }

  std::vector<std::string> keys() const override { return {"url", "protocol", "protocol_options"}; }

  std::shared_ptr<const SystemSettings> ReadSettings(const Fields& fields,
                                                     const std::string&) const override {
    auto settings = std::make_shared<ExternalSettings>();
    const Field& url = fields.Require("url", "the server's base URL, e.g. http://127.0.0.1:8000");
    settings->url = ReadNonEmptyString(url.value, url.path);
    Url parsed;
    std::string why;
    if (!ParseUrl(settings->url, &parsed, &why)) Fail(url.value, url.path, why);
    while (settings->url.back() == '/') settings->url.pop_back();
    settings->protocol = ReadProtocol(fields, {}, kKServeV2Rest);
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
    p.protocol = settings.protocol.name;
    p.protocol_options = settings.protocol.options;
    p.model = variant.name;
    *plan = std::move(p);
    return true;
  }
};

const ServingSystemRegistration kExternalRegistration(std::make_unique<ExternalSystem>());

}  // namespace

}  // namespace servebench
