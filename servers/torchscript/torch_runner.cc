#include "torch_runner.h"

#include <ATen/Parallel.h>
#include <torch/script.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_set>
#include <utility>

namespace servebench::ts {

namespace {

using Clock = std::chrono::steady_clock;

int64_t DurationNanos(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

c10::ScalarType ToTorch(DataType t) {
  switch (t) {
    case DataType::kBool:
      return torch::kBool;
    case DataType::kUint8:
      return torch::kUInt8;
    case DataType::kInt8:
      return torch::kInt8;
    case DataType::kInt16:
      return torch::kInt16;
    case DataType::kInt32:
      return torch::kInt32;
    case DataType::kInt64:
      return torch::kInt64;
    case DataType::kFp16:
      return torch::kHalf;
    case DataType::kFp32:
      return torch::kFloat;
    case DataType::kFp64:
      return torch::kDouble;
    default:
      return torch::kFloat;  // config validation rejects the others
  }
}

// The inter-op pool can be sized once per process, before its first use.
void SetInterOpThreadsOnce(int threads) {
  static std::once_flag once;
  std::call_once(once, [threads] {
    try {
      at::set_num_interop_threads(threads);
    } catch (const c10::Error&) {
      // Already started by an earlier forward(); the pool keeps its size.
    }
  });
}

// libtorch warns through c10's handler, which by default writes every time: in torch 1.13
// qnnpack's dynamic Linear warns on every forward, a line per request. Each distinct message is
// written once (at most kMaxMessages distinct ones).
class OnceWarningHandler : public c10::WarningHandler {
 public:
  void process(const c10::SourceLocation& /*where*/, const std::string& message,
               bool /*verbatim*/) override {
    static constexpr size_t kMaxMessages = 1000;
    std::lock_guard<std::mutex> lock(mu_);
    if (seen_.size() >= kMaxMessages || !seen_.insert(message).second) return;
    std::fprintf(stderr, "warning: libtorch (each message shown once): %s\n", message.c_str());
  }

 private:
  std::mutex mu_;
  std::unordered_set<std::string> seen_;
};

void InstallWarningHandler() {
  static OnceWarningHandler handler;
  c10::Warning::set_warning_handler(&handler);
}

// libtorch has one quantized engine per process, read when quantized weights are packed (at
// load) and by some quantized operators when they run. The first model that names an engine
// sets it; a model naming another one is refused rather than silently run on the wrong one.
Status SelectQuantizedEngine(const ModelSpec& spec) {
  if (spec.quantized_engine.empty()) return Status::Ok();
  static std::mutex mu;
  static std::string chosen_engine, chosen_by;
  std::lock_guard<std::mutex> lock(mu);
  if (!chosen_engine.empty()) {
    if (chosen_engine == spec.quantized_engine) return Status::Ok();
    return Status::InvalidArgument("QUANTIZED_ENGINE '" + spec.quantized_engine +
                                   "' conflicts with '" + chosen_engine + "', set by model '" +
                                   chosen_by + "': libtorch has one quantized engine per process");
  }
  // libtorch names its engines itself ("QNNPACK", ...); the config uses Python's lower case.
  std::string available;
  for (at::QEngine engine : at::globalContext().supportedQEngines()) {
    if (engine == at::QEngine::NoQEngine) continue;
    std::string name = c10::toString(engine);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name == spec.quantized_engine) {
      at::globalContext().setQEngine(engine);
      chosen_engine = spec.quantized_engine;
      chosen_by = spec.name;
      return Status::Ok();
    }
    available += (available.empty() ? "" : ", ") + name;
  }
  return Status::InvalidArgument("QUANTIZED_ENGINE '" + spec.quantized_engine +
                                 "' is not available in this libtorch (available: " + available +
                                 ")");
}

class TorchRunner : public ModelRunner {
 public:
  TorchRunner(torch::jit::Module module, ModelSpec spec)
      : module_(std::move(module)), spec_(std::move(spec)) {}

  void InitThread() override {
    InstallWarningHandler();  // per thread as well, in case the handler is thread-local
    // OpenMP thread counts are per calling thread, so each instance gets its own setting.
    at::set_num_threads(spec_.intra_op_threads);
  }

  Status Run(const std::vector<Tensor>& inputs, std::vector<Tensor>* outputs,
             RunTimings* timings) override {
    c10::InferenceMode guard;
    try {
      Clock::time_point t0 = Clock::now();
      std::vector<torch::jit::IValue> args;
      args.reserve(inputs.size());
      for (const Tensor& in : inputs) {
        // from_blob borrows the request's bytes; forward() only reads its inputs.
        args.emplace_back(torch::from_blob(const_cast<char*>(in.data.data()), in.shape,
                                           torch::TensorOptions().dtype(ToTorch(in.type))));
      }
      Clock::time_point t1 = Clock::now();
      torch::jit::IValue result = module_.forward(args);
      Clock::time_point t2 = Clock::now();
      std::vector<at::Tensor> tensors;
      if (result.isTensor()) {
        tensors.push_back(result.toTensor());
      } else if (result.isTuple()) {
        for (const auto& v : result.toTuple()->elements()) {
          if (!v.isTensor()) return Status::Internal("forward() returned a non-tensor element");
          tensors.push_back(v.toTensor());
        }
      } else if (result.isTensorList()) {
        for (const at::Tensor& t : result.toTensorVector()) tensors.push_back(t);
      } else {
        return Status::Internal("forward() returned " + result.tagKind() +
                                ", expected a tensor or a tuple of tensors");
      }
      if (tensors.size() != spec_.outputs.size()) {
        return Status::Internal("forward() returned " + std::to_string(tensors.size()) +
                                " tensors, the config declares " +
                                std::to_string(spec_.outputs.size()) + " outputs");
      }
      outputs->resize(tensors.size());
      for (size_t i = 0; i < tensors.size(); ++i) {
        const TensorSpec& want = spec_.outputs[i];
        at::Tensor t = tensors[i];
        if (t.scalar_type() != ToTorch(want.type)) {
          return Status::Internal("output '" + want.name + "' is " +
                                  std::string(c10::toString(t.scalar_type())) +
                                  ", the config declares " + std::string(DataTypeName(want.type)));
        }
        t = t.contiguous();
        Tensor& out = (*outputs)[i];
        out.name = want.name;
        out.type = want.type;
        out.shape.assign(t.sizes().begin(), t.sizes().end());
        out.data.assign(static_cast<const char*>(t.data_ptr()), t.nbytes());
      }
      Clock::time_point t3 = Clock::now();
      timings->input_ns = DurationNanos(t1 - t0);
      timings->infer_ns = DurationNanos(t2 - t1);
      timings->output_ns = DurationNanos(t3 - t2);
      return Status::Ok();
    } catch (const c10::Error& e) {
      return Status::Internal(e.what_without_backtrace());
    } catch (const std::exception& e) {
      return Status::Internal(e.what());
    }
  }

 private:
  torch::jit::Module module_;
  const ModelSpec spec_;
};

}  // namespace

Status LoadTorchScriptRunner(const std::filesystem::path& model_file, const ModelSpec& spec,
                             int /*instance*/, std::unique_ptr<ModelRunner>* runner) {
  SetInterOpThreadsOnce(spec.inter_op_threads);
  InstallWarningHandler();
  if (Status st = SelectQuantizedEngine(spec); !st.ok()) {
    return Status::InvalidArgument(model_file.string() + ": " + st.message());
  }
  torch::jit::Module module;
  try {
    module = torch::jit::load(model_file.string(), torch::kCPU);
    module.eval();
  } catch (const c10::Error& e) {
    return Status::InvalidArgument(model_file.string() + ": " + e.what_without_backtrace());
  }
  auto r = std::make_unique<TorchRunner>(std::move(module), spec);

  // Warm-up: the first forward() runs the JIT's profiling and optimisation passes, which would
  // otherwise land on the first client's latency. Zeros of batch 1, -1 dimensions as 1.
  std::vector<Tensor> inputs;
  for (const TensorSpec& in : spec.inputs) {
    Tensor t;
    t.name = in.name;
    t.type = in.type;
    t.shape = FullShape(spec, in);
    for (int64_t& d : t.shape) {
      if (d == -1) d = 1;
    }
    t.data.assign(static_cast<size_t>(ElementCount(t.shape)) * DataTypeSize(in.type), '\0');
    inputs.push_back(std::move(t));
  }
  r->InitThread();
  std::vector<Tensor> outputs;
  RunTimings timings;
  for (int i = 0; i < 3; ++i) {
    if (Status st = r->Run(inputs, &outputs, &timings); !st.ok()) {
      return Status::InvalidArgument(model_file.string() +
                                     ": warm-up forward() failed: " + st.message());
    }
  }
  *runner = std::move(r);
  return Status::Ok();
}

}  // namespace servebench::ts
