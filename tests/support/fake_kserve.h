// Copyright servebench authors.
//
// A KServe v2 REST server for tests, on TestHttpServer: one model shaped like the zoo's
// digits-mlp (input INPUT__0 FP32 [-1, 64], output OUTPUT__0 FP32 [-1, 10]) with fixed answers to
// the health, readiness, metadata and inference calls, whose every N-th inference response can
// be made wrong on purpose. Those wrong responses are the truth that validation errors are
// checked against.

#ifndef SERVEBENCH_TESTS_SUPPORT_FAKE_KSERVE_H_
#define SERVEBENCH_TESTS_SUPPORT_FAKE_KSERVE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "test_http_server.h"

namespace servebench::testing {

struct FakeKServeOptions {
  std::string model = "mlp";
  // 0: every inference response is correct. N: inference responses n = N-1, 2N-1, ... (counted
  // from 0 in arrival order) are wrong with status 200, in turn: the output's data one element
  // short, the output missing, the output's shape wrong.
  int corrupt_every = 0;
  // As TestHttpServer::Options::delay_ns, for every request (e.g. TestHttpServer::OneWorker).
  std::function<int64_t(int64_t arrival_ns)> delay_ns;
  // Called on the server's thread before inference response n is made, n = 0, 1, 2, ...
  std::function<void(int64_t n)> on_infer;
};

TestHttpServer::Options FakeKServe(FakeKServeOptions options);

// The correct inference response of `model` for one sample.
std::string FakeKServeInferResponse(const std::string& model);

}  // namespace servebench::testing

#endif  // SERVEBENCH_TESTS_SUPPORT_FAKE_KSERVE_H_
