#include "rest_api.h"

#include <array>
#include <boost/asio/post.hpp>
#include <boost/beast/http/verb.hpp>
#include <charconv>
#include <string_view>

#include "inference.h"
#include "model_config_export.h"
#include "rest_codec.h"

namespace servebench::ts {

namespace http = boost::beast::http;

namespace {

HttpResponse Json(unsigned status, std::string body) { return {status, std::move(body)}; }

HttpResponse Error(const Status& st) { return Json(st.HttpStatus(), ErrorJson(st.message())); }

HttpResponse Error(unsigned status, std::string_view message) {
  return Json(status, ErrorJson(message));
}

// The target's path segments, without the query. Views into the request; at most kMaxParts,
// which is more than any route has (a longer path is no route: `count` is then kMaxParts + 1).
struct PathParts {
  static constexpr size_t kMaxParts = 6;
  std::array<std::string_view, kMaxParts> part;
  size_t count = 0;

  size_t size() const { return count; }
  std::string_view operator[](size_t i) const { return part[i]; }
};

PathParts SplitPath(std::string_view target) {
  target = target.substr(0, target.find('?'));
  PathParts parts;
  size_t i = 0;
  while (i < target.size()) {
    size_t j = target.find('/', i);
    if (j == std::string_view::npos) j = target.size();
    if (j > i) {
      if (parts.count == PathParts::kMaxParts) {
        ++parts.count;
        break;
      }
      parts.part[parts.count++] = target.substr(i, j - i);
    }
    i = j + 1;
  }
  return parts;
}

void AppendStat(std::string* out, const char* name, const DurationStat& s) {
  *out += '"';
  *out += name;
  *out += "\":{\"count\":" + std::to_string(s.count.load()) +
          ",\"ns\":" + std::to_string(s.ns.load()) + "}";
}

void AppendTensorMetadata(std::string* out, const ModelSpec& spec,
                          const std::vector<TensorSpec>& tensors) {
  *out += '[';
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (i) *out += ',';
    *out += "{\"name\":";
    AppendJsonString(out, tensors[i].name);
    *out += ",\"datatype\":\"" + std::string(DataTypeName(tensors[i].type)) + "\",\"shape\":[";
    Shape shape = FullShape(spec, tensors[i]);
    for (size_t d = 0; d < shape.size(); ++d) {
      if (d) *out += ',';
      *out += std::to_string(shape[d]);
    }
    *out += "]}";
  }
  *out += ']';
}

}  // namespace

RestApi::RestApi(ServerState* state) : state_(state) {}

RestApi::~RestApi() { control_.join(); }

void RestApi::Handle(HttpRequest& request, HttpResponder respond) {
  PathParts p = SplitPath(StdView(request.target()));
  http::verb verb = request.method();
  bool get = verb == http::verb::get;
  bool post = verb == http::verb::post;
  if (p.size() == 0 || p.size() > PathParts::kMaxParts || p[0] != "v2") {
    return respond(Error(404, "no such endpoint"));
  }

  // /v2/models/{m}[/versions/{v}][/action]
  if (p.size() >= 3 && p[1] == "models" && p[2] != "stats") {
    const std::string model(p[2]);
    std::string version;
    size_t next = 3;
    if (p.size() >= 5 && p[3] == "versions") {
      version = p[4];
      next = 5;
    }
    std::string_view action = next < p.size() ? p[next] : "";
    if (next + 1 < p.size()) return respond(Error(404, "no such endpoint"));
    if (action == "infer") {
      if (!post) return respond(Error(405, "use POST for infer"));
      return Infer(request, model, version, std::move(respond));
    }
    if (!get) return respond(Error(405, "use GET"));
    if (action.empty()) return respond(ModelMetadata(model, version));
    if (action == "ready") return respond(ModelReady(model, version));
    if (action == "stats") return respond(Stats(model, version));
    if (action == "config") return respond(ModelConfig(model, version));
    return respond(Error(404, "no such endpoint"));
  }
  if (p.size() == 3 && p[1] == "models" && p[2] == "stats") {
    if (!get) return respond(Error(405, "use GET"));
    return respond(Stats("", ""));
  }
  if (p.size() == 1) {
    if (!get) return respond(Error(405, "use GET"));
    std::string body = std::string("{\"name\":\"") + kServerName + "\",\"version\":\"" +
                       kServerVersion +
                       "\",\"extensions\":[\"binary_tensor_data\",\"statistics\","
                       "\"model_repository\",\"model_configuration\"]}";
    return respond(Json(200, std::move(body)));
  }
  if (p.size() == 3 && p[1] == "health") {
    if (!get) return respond(Error(405, "use GET"));
    if (p[2] == "live") return respond(Json(200, "{\"live\":true}"));
    if (p[2] == "ready") {
      bool ready = state_->ready.load();
      return respond(Json(ready ? 200 : 400, ready ? "{\"ready\":true}" : "{\"ready\":false}"));
    }
  }
  if (p.size() == 3 && p[1] == "repository" && p[2] == "index") {
    if (!post) return respond(Error(405, "use POST"));
    return respond(RepositoryIndex());
  }
  if (p.size() == 5 && p[1] == "repository" && p[2] == "models" &&
      (p[4] == "load" || p[4] == "unload")) {
    if (!post) return respond(Error(405, "use POST"));
    return RepositoryControl(std::string(p[3]), p[4] == "load", std::move(respond));
  }
  respond(Error(404, "no such endpoint"));
}

void RestApi::Infer(HttpRequest& request, const std::string& model_name, const std::string& version,
                    HttpResponder respond) {
  Clock::time_point received = Clock::now();
  std::shared_ptr<ModelVersion> model;
  if (Status st = state_->repository->Find(model_name, version, &model); !st.ok()) {
    return respond(Error(st));
  }
  const std::string& body = request.body();
  size_t json_length = body.size();
  auto header = request.find("Inference-Header-Content-Length");
  if (header != request.end()) {
    std::string_view v = StdView(header->value());
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), json_length);
    if (ec != std::errc() || ptr != v.data() + v.size()) {
      return respond(Error(400, "Inference-Header-Content-Length is not a byte count"));
    }
  }
  InferRequest infer;
  if (Status st = ParseRestInferRequest(body, json_length, &infer); !st.ok()) {
    model->stats.fail.Add(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - received).count()));
    return respond(Error(st));
  }
  std::string id = infer.id;
  InferDone done = [respond, name = model->spec.name, version = model->version_name,
                    id = std::move(id)](const Status& st, std::vector<Tensor>&& outputs,
                                        const PreparedRequest& prepared) {
    if (!st.ok()) return respond(Error(st));
    HttpResponse r;
    size_t json_length = 0;
    r.body =
        EncodeRestInferResponse(name, version, id, outputs, prepared.output_binary, &json_length);
    if (json_length != r.body.size()) {
      r.inference_header_length = json_length;
      r.content_type = "application/octet-stream";
    }
    respond(std::move(r));
  };
  if (Status st = SubmitInference(*model, &infer, received, std::move(done)); !st.ok()) {
    respond(Error(st));
  }
}

HttpResponse RestApi::ModelMetadata(const std::string& name, const std::string& version) {
  std::shared_ptr<ModelVersion> model;
  if (Status st = state_->repository->Find(name, version, &model); !st.ok()) return Error(st);
  const ModelSpec& spec = model->spec;
  std::string out = "{\"name\":";
  AppendJsonString(&out, spec.name);
  out += ",\"versions\":[";
  bool first = true;
  for (const auto& v : state_->repository->Versions(name)) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(&out, v->version_name);
  }
  out += "],\"platform\":";
  AppendJsonString(&out, spec.platform);
  out += ",\"inputs\":";
  AppendTensorMetadata(&out, spec, spec.inputs);
  out += ",\"outputs\":";
  AppendTensorMetadata(&out, spec, spec.outputs);
  out += '}';
  return Json(200, std::move(out));
}

HttpResponse RestApi::ModelConfig(const std::string& name, const std::string& version) {
  std::shared_ptr<ModelVersion> model;
  if (Status st = state_->repository->Find(name, version, &model); !st.ok()) return Error(st);
  return Json(200, ModelConfigJson(model->spec));
}

HttpResponse RestApi::ModelReady(const std::string& name, const std::string& version) {
  std::shared_ptr<ModelVersion> model;
  Status st = state_->repository->Find(name, version, &model);
  if (st.ok()) return Json(200, "{\"ready\":true}");
  if (!state_->repository->Known(name)) return Error(st);
  return Json(400, "{\"ready\":false}");
}

HttpResponse RestApi::Stats(const std::string& name, const std::string& version) {
  std::vector<std::shared_ptr<ModelVersion>> versions;
  if (Status st = state_->repository->Select(name, version, &versions); !st.ok()) return Error(st);
  std::string out = "{\"model_stats\":[";
  for (size_t i = 0; i < versions.size(); ++i) {
    const ModelVersion& v = *versions[i];
    const ModelStats& s = v.stats;
    if (i) out += ',';
    out += "{\"name\":";
    AppendJsonString(&out, v.spec.name);
    out += ",\"version\":";
    AppendJsonString(&out, v.version_name);
    out += ",\"last_inference\":" + std::to_string(s.last_inference_ms.load());
    out += ",\"inference_count\":" + std::to_string(s.inference_count.load());
    out += ",\"execution_count\":" + std::to_string(s.execution_count.load());
    out += ",\"inference_stats\":{";
    AppendStat(&out, "success", s.success);
    out += ',';
    AppendStat(&out, "fail", s.fail);
    out += ',';
    AppendStat(&out, "queue", s.queue);
    out += ',';
    AppendStat(&out, "compute_input", s.compute_input);
    out += ',';
    AppendStat(&out, "compute_infer", s.compute_infer);
    out += ',';
    AppendStat(&out, "compute_output", s.compute_output);
    out += "}}";
  }
  out += "]}";
  return Json(200, std::move(out));
}

HttpResponse RestApi::RepositoryIndex() {
  std::string out = "[";
  bool first = true;
  for (const IndexEntry& e : state_->repository->Index()) {
    if (!first) out += ',';
    first = false;
    out += "{\"name\":";
    AppendJsonString(&out, e.name);
    if (!e.version.empty()) {
      out += ",\"version\":";
      AppendJsonString(&out, e.version);
    }
    out += ",\"state\":";
    AppendJsonString(&out, e.state);
    if (!e.reason.empty()) {
      out += ",\"reason\":";
      AppendJsonString(&out, e.reason);
    }
    out += '}';
  }
  out += ']';
  return Json(200, std::move(out));
}

void RestApi::RepositoryControl(const std::string& model, bool load, HttpResponder respond) {
  if (!state_->explicit_model_control) {
    return respond(Error(400, "loading and unloading models needs --model-control-mode explicit"));
  }
  boost::asio::post(control_, [this, model, load, respond] {
    Status st = load ? state_->repository->Load(model) : state_->repository->Unload(model);
    if (!st.ok()) {
      // A model that exists but fails to load is the request's fault (its files), not a 404.
      unsigned code = st.code() == StatusCode::kNotFound ? 404 : 400;
      return respond(Error(code, st.message()));
    }
    respond(Json(200, "{}"));
  });
}

}  // namespace servebench::ts
