// Copyright servebench authors.
//
// The KServe v2 response check (protocols/kserve_v2_response_check.h) on the response the load
// engine sees most: digits-mlp's, one FP32 output of shape [1, 10], as the TorchScript server
// writes it. Also a batch of 64 (640 elements), a wrong body (rejected, no reason asked), and,
// for scale, the adapter's own nlohmann-based CheckInferResponse that the runner uses once per
// cell.

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <string>

#include "servebench/protocols/kserve_v2_response_check.h"
#include "servebench/protocols/protocol_adapter.h"

namespace servebench {
namespace {

const char* const kLogits[] = {"-3.4217851", "1.2039485",  "0.0045128",  "-0.8823401",
                               "7.912344",   "-2.1000733", "0.33812097", "-5.6649127",
                               "2.4471338",  "-1.0923378"};

std::string Response(int batch) {
  std::string data;
  for (int i = 0; i < batch * 10; ++i) {
    if (i > 0) data += ",";
    data += kLogits[i % 10];
  }
  return R"({"model_name":"digits-mlp","model_version":"1","outputs":[{"name":"OUTPUT__0",)"
         R"("datatype":"FP32","shape":[)" +
         std::to_string(batch) + R"(,10],"data":[)" + data + "]}]}";
}

// The body as the engine holds it: followed by the padding the check may read.
std::string Padded(const std::string& body) {
  std::string padded;
  padded.reserve(body.size() + kResponseBodyPadding);
  padded = body;
  return padded;
}

void RunCheck(benchmark::State& state, const std::string& reference, const std::string& body,
              bool expect) {
  std::string error;
  auto check = NewKServeV2ResponseCheck(reference, "reference", &error);
  if (!check) {
    state.SkipWithError(error.c_str());
    return;
  }
  auto checker = check->NewChecker();
  const std::string padded = Padded(body);
  if (checker->Check(padded, nullptr) != expect) {
    state.SkipWithError("unexpected verdict");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(checker->Check(padded, nullptr));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  // On Demand runs the implementation chosen at compile time.
  state.SetLabel(simdjson::builtin_implementation()->name());
  state.counters["body_bytes"] = static_cast<double>(body.size());
}

void BM_CheckDigitsMlp(benchmark::State& state) {
  const std::string body = Response(1);
  RunCheck(state, body, body, true);
}
BENCHMARK(BM_CheckDigitsMlp);

void BM_CheckBatch64(benchmark::State& state) {
  const std::string body = Response(64);
  RunCheck(state, body, body, true);
}
BENCHMARK(BM_CheckBatch64);

void BM_RejectTruncatedData(benchmark::State& state) {
  const std::string good = Response(1);
  std::string bad = good;
  bad.replace(bad.find(",-1.0923378"), 11, "");  // 9 elements
  RunCheck(state, good, bad, false);
}
BENCHMARK(BM_RejectTruncatedData);

void BM_AdapterCheckInferResponseNlohmann(benchmark::State& state) {
  const std::string body = Response(1);
  auto adapter = NewProtocolAdapter(kKServeV2Rest);
  std::string error;
  for (auto _ : state) {
    benchmark::DoNotOptimize(adapter->CheckInferResponse(body, 1, &error));
  }
  state.counters["body_bytes"] = static_cast<double>(body.size());
}
BENCHMARK(BM_AdapterCheckInferResponseNlohmann);

}  // namespace
}  // namespace servebench

BENCHMARK_MAIN();
