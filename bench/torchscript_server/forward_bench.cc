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

// As a server sees it: batch sizes vary from call to call (here 40..64), and other work runs
// between calls and evicts part of the weights from the caches (here 1 MiB written between
// calls, outside the timed region). Arg(0): batch sizes only; Arg(1): both.
void BM_ForwardServerLike(benchmark::State& state) {
  at::set_num_threads(1);
  c10::InferenceMode guard;
  torch::jit::Module module = torch::jit::load(g_model_path);
  module.eval();
  std::vector<torch::Tensor> inputs;
  for (int b = 40; b <= 64; ++b) inputs.push_back(torch::randn({b, 64}));
  for (int i = 0; i < 10; ++i) module.forward({inputs[0]});
  std::vector<char> other(1 << 20);
  int64_t samples = 0;
  size_t next = 0;
  for (auto _ : state) {
    if (state.range(0)) {
      state.PauseTiming();
      for (size_t i = 0; i < other.size(); i += 64) other[i] = static_cast<char>(i + next);
      benchmark::ClobberMemory();
      state.ResumeTiming();
    }
    const torch::Tensor& input = inputs[next++ % inputs.size()];
    benchmark::DoNotOptimize(module.forward({input}));
    samples += input.size(0);
  }
  state.SetItemsProcessed(samples);
}
BENCHMARK(BM_ForwardServerLike)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

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
