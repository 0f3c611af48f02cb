// Copyright servebench authors.
//
// Tensor elements as raw bytes, as the binary data extension, KServe v2 gRPC's
// raw_input_contents and TF Serving's tensor_content carry them: the machine's byte order, which
// must be little-endian as the wire is (x86 and ARM Linux are), and IEEE half precision.

#ifndef SERVEBENCH_PROTOCOLS_RAW_BYTES_H_
#define SERVEBENCH_PROTOCOLS_RAW_BYTES_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>

namespace servebench {

static_assert(std::endian::native == std::endian::little,
              "raw tensors are written as the machine's bytes, which must be little-endian");

// Appends the bytes of `value` to *out.
template <typename T>
void AppendRaw(T value, std::string* out) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out->append(bytes, sizeof(T));
}

// The T whose bytes start at p (no alignment needed).
template <typename T>
T LoadRaw(const char* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

// IEEE half precision from a float, rounding to nearest even (normal range; tiny values flush to
// zero, large ones become infinity).
uint16_t HalfFromFloat(float f);

// The float of an IEEE half (subnormals, infinities and NaN included).
float FloatFromHalf(uint16_t h);

// The value of the element of KServe v2 `datatype` whose bytes start at p: a numeric type (FP16
// included) or BOOL; the caller has checked the type and that its bytes are there.
double DecodeRawElement(const std::string& datatype, const char* p);

}  // namespace servebench

#endif  // SERVEBENCH_PROTOCOLS_RAW_BYTES_H_
