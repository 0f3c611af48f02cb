// Copyright servebench authors.

#include "servebench/protocols/nested_tensor.h"

namespace servebench {

namespace {

using nlohmann::json;

// Nesting deeper than this is not a tensor; stops a hostile body's recursion.
constexpr size_t kMaxRank = 32;

json Nest(const json& flat, const std::vector<int64_t>& shape, size_t dim, size_t* next) {
  if (dim == shape.size()) return flat[(*next)++];
  json list = json::array();
  for (int64_t i = 0; i < shape[dim]; ++i) list.push_back(Nest(flat, shape, dim + 1, next));
  return list;
}

bool Unnest(const json& value, size_t dim, std::vector<int64_t>* shape, std::vector<double>* values,
            std::string* error) {
  if (value.is_array()) {
    if (dim == kMaxRank) {
      *error = "lists nested deeper than " + std::to_string(kMaxRank);
      return false;
    }
    if (dim == shape->size()) {
      if (!values->empty()) {
        *error = "ragged lists: a list where a number was found before";
        return false;
      }
      shape->push_back(static_cast<int64_t>(value.size()));
    } else if ((*shape)[dim] != static_cast<int64_t>(value.size())) {
      *error = "ragged lists: " + std::to_string(value.size()) + " elements in dimension " +
               std::to_string(dim) + ", " + std::to_string((*shape)[dim]) + " before";
      return false;
    }
    for (const json& v : value) {
      if (!Unnest(v, dim + 1, shape, values, error)) return false;
    }
    return true;
  }
  if (dim != shape->size()) {
    *error = "ragged lists: a number in dimension " + std::to_string(dim) + " of " +
             std::to_string(shape->size());
    return false;
  }
  if (value.is_boolean()) {
    values->push_back(value.get<bool>() ? 1 : 0);
  } else if (value.is_number()) {
    values->push_back(value.get<double>());
  } else {
    *error = "a value that is not a number: " + value.dump().substr(0, 60);
    return false;
  }
  return true;
}

}  // namespace

json NestTensor(const json& flat, const std::vector<int64_t>& shape) {
  size_t next = 0;
  return Nest(flat, shape, 0, &next);
}

bool UnnestTensor(const json& value, std::vector<int64_t>* shape, std::vector<double>* values,
                  std::string* error) {
  shape->clear();
  values->clear();
  // An empty list has shape [0]; its inner dimensions are unknown.
  return Unnest(value, 0, shape, values, error);
}

}  // namespace servebench
