// The server's own tensor: a datatype, a shape and row-major little-endian bytes. Parsing,
// validation, batching and encoding work on this type only, so none of them needs libtorch
// (they compile fast and the fuzz target builds without it).
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_TENSOR_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_TENSOR_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace servebench::ts {

enum class DataType {
  kInvalid,
  kBool,
  kUint8,
  kUint16,
  kUint32,
  kUint64,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFp16,
  kFp32,
  kFp64,
  kBytes,
};

// KServe v2 names: "FP32", "INT64", ... kInvalid for anything else.
DataType DataTypeFromName(std::string_view name);
std::string_view DataTypeName(DataType type);
// Bytes per element; 0 for BYTES and kInvalid, which have no fixed size.
size_t DataTypeSize(DataType type);

using Shape = std::vector<int64_t>;

// Product of the dimensions; -1 when a dimension is negative or the product overflows the
// limit below, so callers can reject absurd shapes before allocating anything.
int64_t ElementCount(const Shape& shape);
inline constexpr int64_t kMaxElements = int64_t{1} << 40;

// "[1,64]" for error messages.
std::string ShapeToString(const Shape& shape);

struct Tensor {
  std::string name;
  DataType type = DataType::kInvalid;
  Shape shape;
  std::string data;  // ElementCount(shape) * DataTypeSize(type) bytes
};

// IEEE half <-> float, for FP16 tensors that travel as JSON numbers.
uint16_t FloatToHalf(float value);
float HalfToFloat(uint16_t value);

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_TENSOR_H_
