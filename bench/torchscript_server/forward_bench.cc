// The model's own cost: an in-process libtorch forward of a TorchScript file at several batch
// sizes, one intra-op thread, under the same inference guard the server uses. Beside the
// server's throughput this gives the serving overhead per request.
//
// usage: torchscript_forward_bench MODEL.pt [google-benchmark flags]
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>
#include <torch/script.h>

#include <cstdio>
#include <string>

namespace {

std::string g_model_path;

void BM_Forward(benchmark::State& state) {
  at::set_num_threads(1);
  c10::InferenceMode guard;
  torch::jit::Module module = torch::jit::load(g_model_path);
  module.eval();
  torch::Tensor input = torch::randn({state.range(0), 64});
  std::vector<torch::jit::IValue> args{input};
  for (int i = 0; i < 10; ++i) module.forward(args);  // JIT profiling runs
  for (auto _ : state) {
    benchmark::DoNotOptimize(module.forward(args));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Forward)->Arg(1)->Arg(8)->Arg(32)->Arg(64)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: %s MODEL.pt [benchmark flags]\n", argv[0]);
    return 2;
  }
  g_model_path = argv[1];
  argv[1] = argv[0];
  --argc;
  ++argv;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
