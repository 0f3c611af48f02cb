#include "infer_request.h"

namespace servebench::ts {

namespace {

// FullShape(spec, want) matches `got`, with -1 matching any size; checked in place, as this
// runs for every input of every request.
bool ShapeMatches(const ModelSpec& spec, const TensorSpec& want, const Shape& got) {
  size_t batch_dims = spec.max_batch_size > 0 ? 1 : 0;
  if (got.size() != want.dims.size() + batch_dims) return false;
  for (size_t i = 0; i < want.dims.size(); ++i) {
    if (want.dims[i] != -1 && want.dims[i] != got[i + batch_dims]) return false;
  }
  return true;
}

}  // namespace

Status PrepareRequest(const ModelSpec& spec, InferRequest* request, PreparedRequest* prepared) {
  prepared->inputs.clear();
  prepared->inputs.resize(spec.inputs.size());
  int64_t batch = -1;
  for (Tensor& in : request->inputs) {
    size_t index = 0;
    while (index < spec.inputs.size() && spec.inputs[index].name != in.name) ++index;
    if (index == spec.inputs.size()) {
      std::string names;
      for (const auto& t : spec.inputs) names += (names.empty() ? "'" : ", '") + t.name + "'";
      return Status::InvalidArgument("unexpected input '" + in.name + "' for model '" + spec.name +
                                     "' (expected " + names + ")");
    }
    // A slot already holds a tensor (validated, so not kInvalid) when the name came before.
    if (prepared->inputs[index].type != DataType::kInvalid) {
      return Status::InvalidArgument("input '" + in.name + "' given twice");
    }
    const TensorSpec& want = spec.inputs[index];
    if (in.type != want.type) {
      return Status::InvalidArgument("input '" + in.name + "': expected datatype " +
                                     std::string(DataTypeName(want.type)) + ", got " +
                                     std::string(DataTypeName(in.type)));
    }
    if (!ShapeMatches(spec, want, in.shape)) {
      return Status::InvalidArgument("input '" + in.name + "': expected shape " +
                                     ShapeToString(FullShape(spec, want)) + ", got " +
                                     ShapeToString(in.shape));
    }
    if (spec.max_batch_size > 0) {
      int64_t b = in.shape[0];
      if (b < 1 || b > spec.max_batch_size) {
        return Status::InvalidArgument("input '" + in.name + "': batch size " + std::to_string(b) +
                                       " is outside 1.." + std::to_string(spec.max_batch_size));
      }
      if (batch != -1 && b != batch) {
        return Status::InvalidArgument("input '" + in.name + "': batch size " + std::to_string(b) +
                                       " differs from the other inputs' " + std::to_string(batch));
      }
      batch = b;
    }
    int64_t count = ElementCount(in.shape);
    if (count < 0) {
      return Status::InvalidArgument("input '" + in.name + "': shape " + ShapeToString(in.shape) +
                                     " is too large");
    }
    uint64_t want_bytes = static_cast<uint64_t>(count) * DataTypeSize(want.type);
    if (in.data.size() != want_bytes) {
      return Status::InvalidArgument("input '" + in.name + "': shape " + ShapeToString(in.shape) +
                                     " of " + std::string(DataTypeName(want.type)) + " needs " +
                                     std::to_string(want_bytes) + " bytes, got " +
                                     std::to_string(in.data.size()));
    }
    prepared->inputs[index] = std::move(in);
  }
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    if (prepared->inputs[i].type == DataType::kInvalid) {
      return Status::InvalidArgument("missing input '" + spec.inputs[i].name + "' for model '" +
                                     spec.name + "'");
    }
  }
  prepared->batch_size = batch > 0 ? batch : 1;

  prepared->output_indices.clear();
  prepared->output_binary.clear();
  if (request->outputs.empty()) {
    for (size_t i = 0; i < spec.outputs.size(); ++i) {
      prepared->output_indices.push_back(static_cast<int>(i));
      prepared->output_binary.push_back(request->binary_output_default);
    }
  } else {
    for (const RequestedOutput& out : request->outputs) {
      size_t index = 0;
      while (index < spec.outputs.size() && spec.outputs[index].name != out.name) ++index;
      if (index == spec.outputs.size()) {
        return Status::InvalidArgument("unknown output '" + out.name + "' for model '" + spec.name +
                                       "'");
      }
      for (int prior : prepared->output_indices) {
        if (prior == static_cast<int>(index)) {
          return Status::InvalidArgument("output '" + out.name + "' requested twice");
        }
      }
      prepared->output_indices.push_back(static_cast<int>(index));
      prepared->output_binary.push_back(out.binary);
    }
  }
  return Status::Ok();
}

}  // namespace servebench::ts
