// Copyright servebench authors.
//
// A tensor's element count, the product of its shape, as shapes from a server must be
// multiplied: a server's shape is untrusted, and a product that overflowed int64 is undefined
// behaviour and, wrapped, could match a body that the shape does not describe (the http_response
// fuzzer sent [1,444444441444444444,4444,44,3]).

#ifndef SERVEBENCH_PROTOCOLS_SHAPE_ELEMENTS_H_
#define SERVEBENCH_PROTOCOLS_SHAPE_ELEMENTS_H_

#include <cstdint>

namespace servebench {

// *elements times `dim`; false, leaving *elements unspecified, when the product does not fit.
inline bool MultiplyElements(int64_t dim, int64_t* elements) {
  return !__builtin_mul_overflow(*elements, dim, elements);
}

}  // namespace servebench

#endif  // SERVEBENCH_PROTOCOLS_SHAPE_ELEMENTS_H_
