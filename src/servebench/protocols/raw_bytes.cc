// Copyright servebench authors.

#include "servebench/protocols/raw_bytes.h"

#include <cmath>

namespace servebench {

uint16_t HalfFromFloat(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const int32_t exponent = static_cast<int32_t>((x >> 23) & 0xff) - 127 + 15;
  uint32_t mantissa = x & 0x7fffffu;
  if (exponent <= 0) return static_cast<uint16_t>(sign);
  if (exponent >= 31) return static_cast<uint16_t>(sign | 0x7c00u);
  uint32_t half = sign | (static_cast<uint32_t>(exponent) << 10) | (mantissa >> 13);
  const uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;
  return static_cast<uint16_t>(half);
}

float FloatFromHalf(uint16_t h) {
  const int exponent = (h >> 10) & 0x1f;
  const int mantissa = h & 0x3ff;
  float v;
  if (exponent == 0) {
    v = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 31) {
    v = mantissa ? NAN : INFINITY;
  } else {
    v = std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
  }
  return (h & 0x8000) ? -v : v;
}

double DecodeRawElement(const std::string& datatype, const char* p) {
  if (datatype == "FP32") return LoadRaw<float>(p);
  if (datatype == "FP64") return LoadRaw<double>(p);
  if (datatype == "FP16") return FloatFromHalf(LoadRaw<uint16_t>(p));
  if (datatype == "BOOL") return *p != 0 ? 1 : 0;
  if (datatype == "INT8") return LoadRaw<int8_t>(p);
  if (datatype == "INT16") return LoadRaw<int16_t>(p);
  if (datatype == "INT32") return LoadRaw<int32_t>(p);
  if (datatype == "INT64") return static_cast<double>(LoadRaw<int64_t>(p));
  if (datatype == "UINT8") return LoadRaw<uint8_t>(p);
  if (datatype == "UINT16") return LoadRaw<uint16_t>(p);
  if (datatype == "UINT32") return LoadRaw<uint32_t>(p);
  return static_cast<double>(LoadRaw<uint64_t>(p));
}

}  // namespace servebench
