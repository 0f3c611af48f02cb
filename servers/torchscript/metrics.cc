#include "metrics.h"

#include <boost/beast/http/verb.hpp>
#include <functional>

namespace servebench::ts {

namespace {

struct Metric {
  const char* name;
  const char* help;
  std::function<uint64_t(const ModelStats&)> value;
};

uint64_t Us(const DurationStat& s) { return s.ns.load() / 1000; }

// Label values may hold any byte; Prometheus escapes backslash, quote and newline.
std::string EscapeLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string RenderPrometheus(const ModelRepository& repository) {
  static const Metric kMetrics[] = {
      {"nv_inference_request_success", "Number of successful inference requests, all batch sizes",
       [](const ModelStats& s) { return s.success.count.load(); }},
      {"nv_inference_request_failure", "Number of failed inference requests, all batch sizes",
       [](const ModelStats& s) { return s.fail.count.load(); }},
      {"nv_inference_count", "Number of inferences performed (a batch of n counts n)",
       [](const ModelStats& s) { return s.inference_count.load(); }},
      {"nv_inference_exec_count", "Number of model executions performed (a batch counts 1)",
       [](const ModelStats& s) { return s.execution_count.load(); }},
      {"nv_inference_request_duration_us", "Cumulative inference request duration in microseconds",
       [](const ModelStats& s) { return Us(s.success) + Us(s.fail); }},
      {"nv_inference_queue_duration_us", "Cumulative inference queuing duration in microseconds",
       [](const ModelStats& s) { return Us(s.queue); }},
      {"nv_inference_compute_input_duration_us",
       "Cumulative compute input duration in microseconds",
       [](const ModelStats& s) { return Us(s.compute_input); }},
      {"nv_inference_compute_infer_duration_us",
       "Cumulative compute inference duration in microseconds",
       [](const ModelStats& s) { return Us(s.compute_infer); }},
      {"nv_inference_compute_output_duration_us",
       "Cumulative inference compute output duration in microseconds",
       [](const ModelStats& s) { return Us(s.compute_output); }},
  };
  std::vector<std::shared_ptr<ModelVersion>> versions = repository.AllVersions();
  std::string out;
  for (const Metric& m : kMetrics) {
    out += std::string("# HELP ") + m.name + " " + m.help + "\n";
    out += std::string("# TYPE ") + m.name + " counter\n";
    for (const auto& v : versions) {
      out += std::string(m.name) + "{model=\"" + EscapeLabel(v->spec.name) + "\",version=\"" +
             EscapeLabel(v->version_name) + "\"} " + std::to_string(m.value(v->stats)) + "\n";
    }
  }
  return out;
}

void MetricsApi::Handle(HttpRequest& request, HttpResponder respond) {
  std::string_view target = StdView(request.target());
  target = target.substr(0, target.find('?'));
  if (target != "/metrics") return respond({404, "not found\n", "text/plain"});
  if (request.method() != boost::beast::http::verb::get) {
    return respond({405, "use GET\n", "text/plain"});
  }
  respond({200, RenderPrometheus(*repository_), "text/plain; version=0.0.4"});
}

}  // namespace servebench::ts
