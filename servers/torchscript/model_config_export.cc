#include "model_config_export.h"

#include <map>

#include "proto/model_config.pb.h"
#include "rest_codec.h"

namespace servebench::ts {

namespace mc = servebench::modelconfig;

namespace {

mc::DataType ToConfigType(DataType t) {
  switch (t) {
    case DataType::kBool:
      return mc::TYPE_BOOL;
    case DataType::kUint8:
      return mc::TYPE_UINT8;
    case DataType::kUint16:
      return mc::TYPE_UINT16;
    case DataType::kUint32:
      return mc::TYPE_UINT32;
    case DataType::kUint64:
      return mc::TYPE_UINT64;
    case DataType::kInt8:
      return mc::TYPE_INT8;
    case DataType::kInt16:
      return mc::TYPE_INT16;
    case DataType::kInt32:
      return mc::TYPE_INT32;
    case DataType::kInt64:
      return mc::TYPE_INT64;
    case DataType::kFp16:
      return mc::TYPE_FP16;
    case DataType::kFp32:
      return mc::TYPE_FP32;
    case DataType::kFp64:
      return mc::TYPE_FP64;
    case DataType::kBytes:
      return mc::TYPE_STRING;
    default:
      return mc::TYPE_INVALID;
  }
}

template <typename Proto>
void AddTensors(const std::vector<TensorSpec>& tensors,
                google::protobuf::RepeatedPtrField<Proto>* out) {
  for (const TensorSpec& t : tensors) {
    Proto* p = out->Add();
    p->set_name(t.name);
    p->set_data_type(ToConfigType(t.type));
    for (int64_t d : t.dims) p->add_dims(d);
  }
}

void SetParameter(mc::ModelConfig* config, const std::string& key, const std::string& value) {
  (*config->mutable_parameters())[key].set_string_value(value);
}

}  // namespace

void ToModelConfig(const ModelSpec& spec, mc::ModelConfig* config) {
  config->Clear();
  config->set_name(spec.name);
  config->set_platform(spec.platform);
  config->set_backend("pytorch");
  config->set_max_batch_size(spec.max_batch_size);
  AddTensors(spec.inputs, config->mutable_input());
  AddTensors(spec.outputs, config->mutable_output());
  // The server sums its groups into one count of CPU instances (model_config.cc).
  mc::ModelInstanceGroup* group = config->add_instance_group();
  group->set_count(spec.instance_count);
  group->set_kind(mc::ModelInstanceGroup::KIND_CPU);
  config->set_default_model_filename(spec.model_filename);
  if (spec.dynamic_batching) {
    mc::ModelDynamicBatching* batching = config->mutable_dynamic_batching();
    for (int size : spec.preferred_batch_sizes) batching->add_preferred_batch_size(size);
    batching->set_max_queue_delay_microseconds(static_cast<uint64_t>(spec.max_queue_delay_us));
  }
  SetParameter(config, "INTRA_OP_THREAD_COUNT", std::to_string(spec.intra_op_threads));
  SetParameter(config, "INTER_OP_THREAD_COUNT", std::to_string(spec.inter_op_threads));
  if (!spec.quantized_engine.empty()) {
    SetParameter(config, "QUANTIZED_ENGINE", spec.quantized_engine);
  }
}

std::string ModelConfigJson(const ModelSpec& spec) {
  // Written from the message rather than by protobuf's JSON printer, which quotes 64-bit
  // integers ("dims": ["64"]); Triton and its clients use numbers.
  mc::ModelConfig config;
  ToModelConfig(spec, &config);
  std::string out = "{\"name\":";
  AppendJsonString(&out, config.name());
  out += ",\"platform\":";
  AppendJsonString(&out, config.platform());
  out += ",\"backend\":";
  AppendJsonString(&out, config.backend());
  out += ",\"max_batch_size\":" + std::to_string(config.max_batch_size());
  auto tensors = [&out](const char* field, const auto& list) {
    out += ",\"";
    out += field;
    out += "\":[";
    for (int i = 0; i < list.size(); ++i) {
      if (i) out += ',';
      out += "{\"name\":";
      AppendJsonString(&out, list[i].name());
      out += ",\"data_type\":\"" + mc::DataType_Name(list[i].data_type()) + "\",\"dims\":[";
      for (int d = 0; d < list[i].dims_size(); ++d) {
        if (d) out += ',';
        out += std::to_string(list[i].dims(d));
      }
      out += "]}";
    }
    out += ']';
  };
  tensors("input", config.input());
  tensors("output", config.output());
  out += ",\"instance_group\":[";
  for (int i = 0; i < config.instance_group_size(); ++i) {
    const mc::ModelInstanceGroup& g = config.instance_group(i);
    if (i) out += ',';
    out += "{\"count\":" + std::to_string(g.count()) + ",\"kind\":\"" +
           mc::ModelInstanceGroup::Kind_Name(g.kind()) + "\"}";
  }
  out += "],\"default_model_filename\":";
  AppendJsonString(&out, config.default_model_filename());
  if (config.has_dynamic_batching()) {
    const mc::ModelDynamicBatching& b = config.dynamic_batching();
    out += ",\"dynamic_batching\":{\"preferred_batch_size\":[";
    for (int i = 0; i < b.preferred_batch_size_size(); ++i) {
      if (i) out += ',';
      out += std::to_string(b.preferred_batch_size(i));
    }
    out +=
        "],\"max_queue_delay_microseconds\":" + std::to_string(b.max_queue_delay_microseconds()) +
        "}";
  }
  // Sorted keys, so the text does not depend on the map's iteration order.
  std::map<std::string, std::string> parameters;
  for (const auto& [key, value] : config.parameters()) parameters[key] = value.string_value();
  out += ",\"parameters\":{";
  bool first = true;
  for (const auto& [key, value] : parameters) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(&out, key);
    out += ":{\"string_value\":";
    AppendJsonString(&out, value);
    out += '}';
  }
  out += "}}";
  return out;
}

}  // namespace servebench::ts
