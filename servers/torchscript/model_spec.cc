#include "model_spec.h"

namespace servebench::ts {

Shape FullShape(const ModelSpec& spec, const TensorSpec& tensor) {
  Shape s;
  if (spec.max_batch_size > 0) s.push_back(-1);
  s.insert(s.end(), tensor.dims.begin(), tensor.dims.end());
  return s;
}

}  // namespace servebench::ts
