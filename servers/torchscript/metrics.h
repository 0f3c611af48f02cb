// Prometheus text exposition on its own port, with Triton's metric names and labels
// (model, version), so servebench scrapes this server and Triton the same way.
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_METRICS_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_METRICS_H_

#include <string>

#include "http_server.h"
#include "model_repository.h"

namespace servebench::ts {

std::string RenderPrometheus(const ModelRepository& repository);

// Serves GET /metrics.
class MetricsApi : public HttpHandler {
 public:
  explicit MetricsApi(const ModelRepository* repository) : repository_(repository) {}
  void Handle(HttpRequest& request, HttpResponder respond) override;

 private:
  const ModelRepository* repository_;
};

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_METRICS_H_
