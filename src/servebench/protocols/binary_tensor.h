// Copyright servebench authors.
//
// Tensors as raw bytes, as KServe v2's binary tensor data extension and TF Serving's
// tensor_content carry them: little-endian elements of the datatype, row-major; BYTES elements
// each a 4-byte little-endian length and the bytes. And the split of a binary-extension body
// into its JSON header and the binary part that follows.

#ifndef SERVEBENCH_PROTOCOLS_BINARY_TENSOR_H_
#define SERVEBENCH_PROTOCOLS_BINARY_TENSOR_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace servebench {

// The size of one element of KServe v2 `datatype` in bytes; 0 for BYTES (variable) and for a
// name that is not a datatype.
int DatatypeSize(const std::string& datatype);

// Appends the elements of `data` (a flat JSON array of numbers or booleans, or of strings for
// BYTES) to *out as `datatype`'s raw bytes. False with *error at the first element the type
// cannot hold. FP16 and BF16 are refused (no conversion here).
bool EncodeBinaryTensor(const std::string& datatype, const nlohmann::json& data, std::string* out,
                        std::string* error);

// Reads `bytes` as `count` elements of numeric or BOOL `datatype` into *values (appended).
// False with *error when the size does not match or the type is not numeric.
bool DecodeBinaryTensor(const std::string& datatype, std::string_view bytes, int64_t count,
                        std::vector<double>* values, std::string* error);

// The length of the JSON object that starts `body` (after any leading whitespace), found by
// matching its braces outside strings; npos when `body` does not start with a whole object.
// A binary-extension response's JSON header ends there; the binary part follows.
size_t JsonObjectLength(std::string_view body);

}  // namespace servebench

#endif  // SERVEBENCH_PROTOCOLS_BINARY_TENSOR_H_
