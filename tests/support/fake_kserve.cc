// Copyright servebench authors.

#include "fake_kserve.h"

#include <utility>

namespace servebench::testing {

namespace {

// Ten logits as the TorchScript server writes them (shortest round-trip FP32).
const char* const kLogits[] = {"-3.4217851", "1.2039485",  "0.0045128",  "-0.8823401",
                               "7.912344",   "-2.1000733", "0.33812097", "-5.6649127",
                               "2.4471338",  "-1.0923378"};

std::string InferResponse(const std::string& model, const std::string& output_name,
                          const std::string& shape, int elements) {
  std::string data;
  for (int i = 0; i < elements; ++i) {
    if (i > 0) data += ",";
    data += kLogits[i % 10];
  }
  return "{\"model_name\":\"" + model + "\",\"model_version\":\"1\",\"outputs\":[{\"name\":\"" +
         output_name + "\",\"datatype\":\"FP32\",\"shape\":" + shape + ",\"data\":[" + data +
         "]}]}";
}

std::string CorruptInferResponse(const std::string& model, int64_t which) {
  switch (which % 3) {
    case 0:  // the data array one element short
      return InferResponse(model, "OUTPUT__0", "[1,10]", 9);
    case 1:  // the output missing
      return "{\"model_name\":\"" + model + "\",\"model_version\":\"1\",\"outputs\":[]}";
    default:  // a shape that is not the model's
      return InferResponse(model, "OUTPUT__0", "[10,1]", 10);
  }
}

}  // namespace

std::string FakeKServeInferResponse(const std::string& model) {
  return InferResponse(model, "OUTPUT__0", "[1,10]", 10);
}

TestHttpServer::Options FakeKServe(FakeKServeOptions options) {
  const std::string& m = options.model;
  TestHttpServer::Options server;
  server.delay_ns = std::move(options.delay_ns);
  server.path_bodies = {
      {"/v2/health/ready", ""},
      {"/v2/models/" + m + "/ready", ""},
      {"/v2/models/" + m,
       "{\"name\":\"" + m +
           "\",\"versions\":[\"1\"],\"platform\":\"pytorch_libtorch\",\"inputs\":[{\"name\":"
           "\"INPUT__0\",\"datatype\":\"FP32\",\"shape\":[-1,64]}],\"outputs\":[{\"name\":"
           "\"OUTPUT__0\",\"datatype\":\"FP32\",\"shape\":[-1,10]}]}"}};
  const std::string good = FakeKServeInferResponse(m);
  server.body_for = [m, good, every = options.corrupt_every,
                     on_infer = std::move(options.on_infer)](int64_t n) {
    if (on_infer) on_infer(n);
    if (every > 0 && n % every == every - 1) return CorruptInferResponse(m, n / every);
    return good;
  };
  return server;
}

}  // namespace servebench::testing
