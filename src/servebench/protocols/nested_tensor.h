// Copyright servebench authors.
//
// Tensors as nested JSON lists (row-major: the outermost list is the first dimension), as TF
// Serving's REST API and most hand-written JSON APIs carry them: made from flat values and a
// shape, and read back into a shape and flat values.

#ifndef SERVEBENCH_PROTOCOLS_NESTED_TENSOR_H_
#define SERVEBENCH_PROTOCOLS_NESTED_TENSOR_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace servebench {

// `flat` (the product of `shape` elements) nested as `shape` says; a scalar for an empty shape.
nlohmann::json NestTensor(const nlohmann::json& flat, const std::vector<int64_t>& shape);

// The shape and the values of `value`, a rectangular nest of lists of numbers (booleans as 0
// and 1) or one number (shape []). False with *error for ragged lists or non-numeric leaves.
bool UnnestTensor(const nlohmann::json& value, std::vector<int64_t>* shape,
                  std::vector<double>* values, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_PROTOCOLS_NESTED_TENSOR_H_
