#include "model_config.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "proto/model_config.pb.h"

namespace servebench::ts {

namespace mc = servebench::modelconfig;

namespace {

// Instances (executor threads, each with its own copy of the module) one model may ask for.
constexpr int kMaxInstances = 64;

// Collects the text-format parser's first complaint (it names the line, column and field).
class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) {
      first_ =
          "line " + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
    }
  }
  void AddWarning(int, int, const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

DataType FromConfigType(mc::DataType t) {
  switch (t) {
    case mc::TYPE_BOOL:
      return DataType::kBool;
    case mc::TYPE_UINT8:
      return DataType::kUint8;
    case mc::TYPE_UINT16:
      return DataType::kUint16;
    case mc::TYPE_UINT32:
      return DataType::kUint32;
    case mc::TYPE_UINT64:
      return DataType::kUint64;
    case mc::TYPE_INT8:
      return DataType::kInt8;
    case mc::TYPE_INT16:
      return DataType::kInt16;
    case mc::TYPE_INT32:
      return DataType::kInt32;
    case mc::TYPE_INT64:
      return DataType::kInt64;
    case mc::TYPE_FP16:
      return DataType::kFp16;
    case mc::TYPE_FP32:
      return DataType::kFp32;
    case mc::TYPE_FP64:
      return DataType::kFp64;
    default:
      return DataType::kInvalid;
  }
}

// libtorch has no unsigned 16/32/64-bit tensors and TorchScript no string tensors here.
bool TorchSupports(DataType t) {
  return t != DataType::kInvalid && t != DataType::kUint16 && t != DataType::kUint32 &&
         t != DataType::kUint64 && t != DataType::kBytes;
}

template <typename Proto>
Status ConvertTensors(const google::protobuf::RepeatedPtrField<Proto>& in, const char* field,
                      const std::string& origin, std::vector<TensorSpec>* out) {
  for (int i = 0; i < in.size(); ++i) {
    const Proto& p = in[i];
    std::string where = origin + ": " + field + "[" + std::to_string(i) + "]";
    if (p.name().empty()) return Status::InvalidArgument(where + ".name: must not be empty");
    for (const auto& prior : *out) {
      if (prior.name == p.name()) {
        return Status::InvalidArgument(where + ".name: duplicate name '" + p.name() + "'");
      }
    }
    TensorSpec t;
    t.name = p.name();
    t.type = FromConfigType(p.data_type());
    if (!TorchSupports(t.type)) {
      return Status::InvalidArgument(where + ".data_type: " + mc::DataType_Name(p.data_type()) +
                                     " is not supported by the TorchScript server");
    }
    for (int64_t d : p.dims()) {
      if (d < -1 || d == 0) {
        return Status::InvalidArgument(where + ".dims: " + std::to_string(d) +
                                       " is not a dimension (use a positive size or -1)");
      }
      t.dims.push_back(d);
    }
    out->push_back(std::move(t));
  }
  return Status::Ok();
}

Status ParseThreadCount(const std::string& origin, const std::string& key, const std::string& value,
                        int* out) {
  int n = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || ptr != value.data() + value.size() || n < 1 || n > 1024) {
    return Status::InvalidArgument(origin + ": parameters[\"" + key + "\"].string_value: '" +
                                   value + "' is not a thread count (1..1024)");
  }
  *out = n;
  return Status::Ok();
}

}  // namespace

Status ParseModelConfig(const std::string& text, const std::string& origin,
                        const std::string& model_name, ModelSpec* spec) {
  mc::ModelConfig config;
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, &config)) {
    return Status::InvalidArgument(origin + ": " + errors.first());
  }

  ModelSpec s;
  s.name = config.name().empty() ? model_name : config.name();
  if (s.name != model_name) {
    return Status::InvalidArgument(origin + ": name: '" + config.name() +
                                   "' differs from the model directory '" + model_name + "'");
  }
  const std::string& platform = config.platform();
  const std::string& backend = config.backend();
  if (!platform.empty() && platform != "pytorch_libtorch") {
    return Status::InvalidArgument(origin + ": platform: '" + platform +
                                   "' is not served here (only pytorch_libtorch)");
  }
  if (!backend.empty() && backend != "pytorch") {
    return Status::InvalidArgument(origin + ": backend: '" + backend +
                                   "' is not served here (only pytorch)");
  }
  if (config.max_batch_size() < 0) {
    return Status::InvalidArgument(origin + ": max_batch_size: must not be negative");
  }
  s.max_batch_size = config.max_batch_size();
  if (config.input_size() == 0) return Status::InvalidArgument(origin + ": input: none declared");
  if (config.output_size() == 0) {
    return Status::InvalidArgument(origin + ": output: none declared");
  }
  if (Status st = ConvertTensors(config.input(), "input", origin, &s.inputs); !st.ok()) return st;
  if (Status st = ConvertTensors(config.output(), "output", origin, &s.outputs); !st.ok()) {
    return st;
  }
  if (s.max_batch_size == 0) {
    for (const auto& t : s.inputs) {
      if (t.dims.empty()) {
        return Status::InvalidArgument(origin + ": input '" + t.name +
                                       "'.dims: required when max_batch_size is 0");
      }
    }
  }

  if (config.has_dynamic_batching()) {
    if (s.max_batch_size == 0) {
      return Status::InvalidArgument(origin +
                                     ": dynamic_batching: needs max_batch_size greater than 0");
    }
    s.dynamic_batching = true;
    for (int p : config.dynamic_batching().preferred_batch_size()) {
      if (p < 1 || p > s.max_batch_size) {
        return Status::InvalidArgument(
            origin + ": dynamic_batching.preferred_batch_size: " + std::to_string(p) +
            " is outside 1..max_batch_size (" + std::to_string(s.max_batch_size) + ")");
      }
      s.preferred_batch_sizes.push_back(p);
    }
    std::sort(s.preferred_batch_sizes.begin(), s.preferred_batch_sizes.end());
    uint64_t delay = config.dynamic_batching().max_queue_delay_microseconds();
    if (delay > 10'000'000) {
      return Status::InvalidArgument(origin +
                                     ": dynamic_batching.max_queue_delay_microseconds: over 10 s");
    }
    s.max_queue_delay_us = static_cast<int64_t>(delay);
  }

  // Several groups are allowed, as in Triton: on CPU their instances simply add up (a group's
  // count of 0, i.e. unset, means one instance).
  if (config.instance_group_size() > 0) {
    int total = 0;
    for (int i = 0; i < config.instance_group_size(); ++i) {
      const auto& g = config.instance_group(i);
      std::string where = origin + ": instance_group[" + std::to_string(i) + "]";
      if (g.kind() != mc::ModelInstanceGroup::KIND_CPU &&
          g.kind() != mc::ModelInstanceGroup::KIND_AUTO) {
        return Status::InvalidArgument(where +
                                       ".kind: " + mc::ModelInstanceGroup::Kind_Name(g.kind()) +
                                       " is not supported (only KIND_CPU)");
      }
      if (g.count() < 0 || g.count() > kMaxInstances) {
        return Status::InvalidArgument(where + ".count: " + std::to_string(g.count()) +
                                       " is outside 1.." + std::to_string(kMaxInstances));
      }
      total += g.count() > 0 ? g.count() : 1;
    }
    if (total > kMaxInstances) {
      return Status::InvalidArgument(origin + ": instance_group: " + std::to_string(total) +
                                     " instances in all, at most " + std::to_string(kMaxInstances));
    }
    s.instance_count = total;
  }

  for (const auto& [key, value] : config.parameters()) {
    if (key == "INTRA_OP_THREAD_COUNT") {
      if (Status st = ParseThreadCount(origin, key, value.string_value(), &s.intra_op_threads);
          !st.ok()) {
        return st;
      }
    } else if (key == "INTER_OP_THREAD_COUNT") {
      if (Status st = ParseThreadCount(origin, key, value.string_value(), &s.inter_op_threads);
          !st.ok()) {
        return st;
      }
    } else if (key == "QUANTIZED_ENGINE") {
      const std::string& v = value.string_value();
      if (v != "qnnpack" && v != "onednn" && v != "fbgemm" && v != "x86") {
        return Status::InvalidArgument(origin + ": parameters[\"" + key + "\"].string_value: '" +
                                       v + "' is not a quantized engine (qnnpack, onednn, " +
                                       "fbgemm, x86)");
      }
      s.quantized_engine = v;
    } else {
      return Status::InvalidArgument(origin + ": parameters[\"" + key +
                                     "\"]: unknown (supported: INTRA_OP_THREAD_COUNT, "
                                     "INTER_OP_THREAD_COUNT, QUANTIZED_ENGINE)");
    }
  }
  if (!config.default_model_filename().empty()) {
    const std::string& f = config.default_model_filename();
    if (f.find('/') != std::string::npos || f == "." || f == "..") {
      return Status::InvalidArgument(origin + ": default_model_filename: '" + f +
                                     "' must be a plain file name");
    }
    s.model_filename = f;
  }
  *spec = std::move(s);
  return Status::Ok();
}

Status LoadModelConfig(const std::filesystem::path& config_file, const std::string& model_name,
                       ModelSpec* spec) {
  std::ifstream in(config_file, std::ios::binary);
  if (!in) return Status::NotFound(config_file.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return ParseModelConfig(text.str(), config_file.string(), model_name, spec);
}

}  // namespace servebench::ts
