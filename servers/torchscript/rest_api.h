// KServe v2 REST routes: health, server and model metadata, readiness, inference (JSON and the
// binary tensor extension), the model-configuration, statistics and repository extensions.
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_REST_API_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_REST_API_H_

#include <boost/asio/thread_pool.hpp>
#include <string>
#include <vector>

#include "http_server.h"
#include "server_state.h"

namespace servebench::ts {

class RestApi : public HttpHandler {
 public:
  explicit RestApi(ServerState* state);
  ~RestApi() override;

  void Handle(HttpRequest& request, HttpResponder respond) override;

 private:
  void Infer(HttpRequest& request, const std::string& model, const std::string& version,
             HttpResponder respond);
  HttpResponse ModelMetadata(const std::string& model, const std::string& version);
  HttpResponse ModelConfig(const std::string& model, const std::string& version);
  HttpResponse ModelReady(const std::string& model, const std::string& version);
  HttpResponse Stats(const std::string& model, const std::string& version);
  HttpResponse RepositoryIndex();
  void RepositoryControl(const std::string& model, bool load, HttpResponder respond);

  ServerState* state_;
  // Loading a model takes long (deserialising, warm-up); it runs here, off the I/O threads.
  boost::asio::thread_pool control_{1};
};

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_REST_API_H_
