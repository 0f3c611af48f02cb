// Copyright servebench authors.
//
// Layout. Let k = ceil(log2(2 * 10^digits)) and u = floor(log2(lowest)). Every bucket has 2^k
// sub-buckets of width 2^(b + u) (b = bucket index); bucket 0 covers [0, 2^(k+u)) and each later
// bucket doubles the range, so only its upper half (2^(k-1) sub-buckets) holds values not already
// covered by the buckets below. The counts array therefore stores bucket 0 whole and then the upper
// half of every further bucket: index = b * 2^(k-1) + (value >> (b + u)).
//
// Precision: a value v >= 2^(k-1+u) sits in a sub-bucket of width w = 2^(b+u) whose lowest value is
// at least 2^(k-1) * w, so the sub-bucket's highest value exceeds v by less than w <= v / 2^(k-1).
// As 2^(k-1) >= 10^digits, the relative error is below 10^-digits. Below that, sub-buckets are
// 2^u wide: exact when lowest is 1 (as in ForLatency), otherwise the resolution is 2^u.

#include "servebench/core/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>

namespace servebench {

namespace {

using u128 = unsigned __int128;

constexpr int kJsonVersion = 1;

// Adds the 192-bit number (add_low, add_high) to (*low, *high), modulo 2^192.
inline void Add192(u128* low, uint64_t* high, u128 add_low, uint64_t add_high) {
  const u128 sum = *low + add_low;
  *high += add_high + (sum < add_low ? 1 : 0);
  *low = sum;
}

// a * b as a 192-bit number (exact: a < 2^128 and b < 2^64).
inline void MulWide(u128 a, uint64_t b, u128* low, uint64_t* high) {
  const u128 p0 = static_cast<u128>(static_cast<uint64_t>(a)) * b;
  const u128 p1 = static_cast<u128>(static_cast<uint64_t>(a >> 64)) * b;
  const u128 mid = (p0 >> 64) + static_cast<uint64_t>(p1);  // < 2^65
  *low = static_cast<uint64_t>(p0) | (static_cast<u128>(static_cast<uint64_t>(mid)) << 64);
  *high = static_cast<uint64_t>(mid >> 64) + static_cast<uint64_t>(p1 >> 64);
}

inline bool Less192(u128 a_low, uint64_t a_high, u128 b_low, uint64_t b_high) {
  return a_high != b_high ? a_high < b_high : a_low < b_low;
}

long double ToLongDouble(u128 low, uint64_t high) {
  constexpr long double kTwo64 = 18446744073709551616.0L;
  return (static_cast<long double>(high) * kTwo64 +
          static_cast<long double>(static_cast<uint64_t>(low >> 64))) *
             kTwo64 +
         static_cast<long double>(static_cast<uint64_t>(low));
}

// Decimal text of a 192-bit number, by long division in base 10^19 over three 64-bit limbs.
std::string ToDecimal(u128 low, uint64_t high) {
  uint64_t limbs[3] = {high, static_cast<uint64_t>(low >> 64), static_cast<uint64_t>(low)};
  constexpr uint64_t kBase = 10000000000000000000ULL;  // 10^19
  std::string out;
  while (limbs[0] != 0 || limbs[1] != 0 || limbs[2] != 0) {
    u128 rem = 0;
    for (uint64_t& limb : limbs) {
      const u128 cur = (rem << 64) | limb;
      limb = static_cast<uint64_t>(cur / kBase);
      rem = cur % kBase;
    }
    uint64_t chunk = static_cast<uint64_t>(rem);
    const bool last = limbs[0] == 0 && limbs[1] == 0 && limbs[2] == 0;
    for (int i = 0; i < 19 && (!last || chunk != 0); ++i) {
      out.push_back(static_cast<char>('0' + chunk % 10));
      chunk /= 10;
    }
  }
  if (out.empty()) out.push_back('0');  // (not out = "0": GCC 12 -Wrestrict false positive)
  std::reverse(out.begin(), out.end());
  return out;
}

// Parses decimal digits into a 192-bit number; false on anything else or on overflow.
bool FromDecimal(const std::string& text, u128* low, uint64_t* high) {
  if (text.empty() || text.size() > 58) return false;  // 2^192 has 58 digits
  u128 l = 0;
  uint64_t h = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    u128 nl;
    uint64_t carry;
    MulWide(l, 10, &nl, &carry);
    uint64_t nh;
    if (__builtin_mul_overflow(h, uint64_t{10}, &nh) || __builtin_add_overflow(nh, carry, &nh)) {
      return false;
    }
    const u128 digit = static_cast<u128>(c - '0');
    const u128 sum = nl + digit;
    if (sum < nl && __builtin_add_overflow(nh, uint64_t{1}, &nh)) return false;
    l = sum;
    h = nh;
  }
  *low = l;
  *high = h;
  return true;
}

// Checks the constructor's preconditions. On failure names the offending parameter (which is also
// its JSON field name) in *field and the problem in *what.
bool ValidLayout(int64_t lowest, int64_t highest, int digits, std::string* field,
                 std::string* what) {
  auto fail = [&](const char* f, const char* w) {
    *field = f;
    *what = w;
    return false;
  };
  if (lowest < 1) return fail("lowest", "must be >= 1");
  if (digits < 1 || digits > 5) return fail("significant_digits", "must be in 1..5");
  if (highest / 2 < lowest) return fail("highest", "must be >= 2 * lowest");
  // Bucket 0 spans 2^(k+u) values; keep that (and the sub-bucket mask) inside int64.
  int64_t two_pow_digits = 2;
  for (int i = 0; i < digits; ++i) two_pow_digits *= 10;
  const int k = std::bit_width(static_cast<uint64_t>(two_pow_digits - 1));  // ceil(log2)
  const int u = std::bit_width(static_cast<uint64_t>(lowest)) - 1;
  if (k + u > 62) return fail("lowest", "too large for significant_digits");
  return true;
}

}  // namespace

Histogram::Histogram(int64_t lowest, int64_t highest, int significant_digits)
    : lowest_(lowest), highest_(highest), significant_digits_(significant_digits) {
  std::string field, what;
  if (!ValidLayout(lowest, highest, significant_digits, &field, &what)) {
    throw std::invalid_argument("Histogram: " + field + " " + what);
  }
  int64_t two_pow_digits = 2;
  for (int i = 0; i < significant_digits; ++i) two_pow_digits *= 10;
  const int k = std::bit_width(static_cast<uint64_t>(two_pow_digits - 1));  // ceil(log2)
  unit_magnitude_ = std::bit_width(static_cast<uint64_t>(lowest)) - 1;
  sub_bucket_half_count_magnitude_ = k - 1;
  sub_bucket_count_ = int32_t{1} << k;
  sub_bucket_half_count_ = sub_bucket_count_ / 2;
  sub_bucket_mask_ = static_cast<int64_t>(sub_bucket_count_ - 1) << unit_magnitude_;

  // Smallest number of buckets whose range reaches past highest.
  int64_t smallest_untrackable = int64_t{sub_bucket_count_} << unit_magnitude_;
  int32_t buckets = 1;
  while (smallest_untrackable <= highest) {
    ++buckets;
    if (smallest_untrackable > std::numeric_limits<int64_t>::max() / 2) break;
    smallest_untrackable <<= 1;
  }
  bucket_count_ = buckets;
  // Slots above highest's sub-bucket could only ever hold clamped values, which go to highest.
  counts_.assign(static_cast<size_t>(CountsIndex(highest)) + 1, 0);
}

Histogram Histogram::ForLatency() { return Histogram(1, 3600 * int64_t{1000000000}, 3); }

int64_t Histogram::ValueFromIndex(int index) const {
  int bucket = (index >> sub_bucket_half_count_magnitude_) - 1;
  int64_t sub_bucket = (index & (sub_bucket_half_count_ - 1)) + sub_bucket_half_count_;
  if (bucket < 0) {
    sub_bucket -= sub_bucket_half_count_;
    bucket = 0;
  }
  return sub_bucket << (bucket + unit_magnitude_);
}

void Histogram::AddToSums(uint64_t value, uint64_t count) {
  sum_ += static_cast<u128>(value) * count;
  u128 low;
  uint64_t high;
  MulWide(static_cast<u128>(value) * value, count, &low, &high);
  Add192(&sum_squares_low_, &sum_squares_high_, low, high);
}

bool Histogram::Merge(const Histogram& other) {
  if (other.lowest_ != lowest_ || other.highest_ != highest_ ||
      other.significant_digits_ != significant_digits_) {
    return false;
  }
  if (other.total_count_ == 0) return true;
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  total_count_ += other.total_count_;
  clamped_count_ += other.clamped_count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  Add192(&sum_squares_low_, &sum_squares_high_, other.sum_squares_low_, other.sum_squares_high_);
  return true;
}

void Histogram::Reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_count_ = 0;
  clamped_count_ = 0;
  min_ = INT64_MAX;
  max_ = 0;
  sum_ = 0;
  sum_squares_low_ = 0;
  sum_squares_high_ = 0;
}

int64_t Histogram::min() const { return total_count_ == 0 ? 0 : min_; }
int64_t Histogram::max() const { return total_count_ == 0 ? 0 : max_; }

double Histogram::mean() const {
  if (total_count_ == 0) return 0;
  const u128 n = static_cast<u128>(total_count_);
  // Integer part and remainder first, so that a mean near 2^62 keeps its low digits.
  const u128 quotient = sum_ / n;
  const u128 remainder = sum_ % n;
  return static_cast<double>(static_cast<long double>(static_cast<uint64_t>(quotient)) +
                             static_cast<long double>(static_cast<uint64_t>(remainder)) /
                                 static_cast<long double>(total_count_));
}

double Histogram::stddev() const {
  if (total_count_ == 0) return 0;
  // With mean = q + r/n (q = floor(sum / n)), the sum of squared deviations is
  //   sum((v - q)^2) - n * (r/n)^2,  where  sum((v - q)^2) = S2 - 2 q S1 + n q^2
  // is computed exactly in 192 bits. Subtracting S1^2/n from S2 in floating point instead would
  // cancel catastrophically when the values are large and close together (a constant would not
  // give exactly 0).
  const uint64_t n = static_cast<uint64_t>(total_count_);
  const uint64_t q = static_cast<uint64_t>(sum_ / n);
  const uint64_t r = static_cast<uint64_t>(sum_ % n);
  u128 plus_low, minus_low;
  uint64_t plus_high, minus_high;
  MulWide(static_cast<u128>(q) * q, n, &plus_low, &plus_high);
  Add192(&plus_low, &plus_high, sum_squares_low_, sum_squares_high_);
  MulWide(sum_, 2 * q, &minus_low, &minus_high);  // 2q < 2^64 since q <= max < 2^63
  if (Less192(plus_low, plus_high, minus_low, minus_high)) return 0;  // only for corrupt sums
  const u128 low = plus_low - minus_low;
  const uint64_t high = plus_high - minus_high - (plus_low < minus_low ? 1 : 0);
  const long double nd = static_cast<long double>(n);
  const long double frac = static_cast<long double>(r) / nd;
  const long double variance = ToLongDouble(low, high) / nd - frac * frac;
  return variance > 0 ? static_cast<double>(std::sqrt(variance)) : 0.0;
}

int64_t Histogram::ValueAtPercentile(double p) const {
  if (total_count_ == 0) return 0;
  if (!(p > 0)) p = 0;  // also NaN
  if (p > 100) p = 100;
  // ceil(p/100 * count), except that a product within rounding noise of an integer is that
  // integer: 99.9 is stored as 99.90000000000000568, and 99.9% of 1000 values must be 999, not
  // 1000.
  const long double exact = static_cast<long double>(p) / 100 * total_count_;
  const long double nearest = std::round(exact);
  int64_t target = std::fabs(exact - nearest) <= 1e-12L * std::max(1.0L, exact)
                       ? static_cast<int64_t>(nearest)
                       : static_cast<int64_t>(std::ceil(exact));
  target = std::clamp<int64_t>(target, 1, total_count_);

  // Nothing lies outside [min, max], so the walk can start at min's slot.
  const int first = CountsIndex(min_);
  const int last = CountsIndex(max_);
  int64_t cumulative = 0;
  for (int i = first; i <= last; ++i) {
    cumulative += counts_[static_cast<size_t>(i)];
    if (cumulative >= target) return std::min(HighestEquivalentValue(ValueFromIndex(i)), max_);
  }
  return max_;  // unreachable while the counts sum to total_count_
}

int64_t Histogram::CountAtOrBelow(int64_t value) const {
  if (value < 0) return 0;
  if (value >= max()) return total_count_;
  const int index = CountsIndex(value);
  // The bucket holding `value` counts only when all of it is <= value.
  const int last = HighestEquivalentValue(value) <= value ? index : index - 1;
  int64_t count = 0;
  for (int i = 0; i <= last; ++i) count += counts_[static_cast<size_t>(i)];
  return count;
}

int64_t Histogram::HighestEquivalentValue(int64_t value) const {
  if (value < 0) value = 0;
  const int64_t width = BucketWidth(value);
  // value | (width - 1) rather than lowest + width - 1: cannot overflow near INT64_MAX.
  return value | (width - 1);
}

int64_t Histogram::BucketWidth(int64_t value) const {
  if (value < 0) value = 0;
  const int bucket = (64 - unit_magnitude_ - sub_bucket_half_count_magnitude_ - 1) -
                     std::countl_zero(static_cast<uint64_t>(value | sub_bucket_mask_));
  return int64_t{1} << (bucket + unit_magnitude_);
}

// Format (version 1):
//   {"version": 1, "lowest": L, "highest": H, "significant_digits": D,
//    "count": N, "clamped": C, "min": m, "max": M,
//    "sum": "<decimal>", "sum_squares": "<decimal>",
//    "runs": [[start_index, count, count, ...], ...]}
// Sums are decimal strings because they exceed 64 bits; each run lists the consecutive non-zero
// counts starting at counts index start_index, runs in ascending order.
nlohmann::json Histogram::ToJson() const {
  nlohmann::json runs = nlohmann::json::array();
  const size_t size = counts_.size();
  for (size_t i = 0; i < size;) {
    if (counts_[i] == 0) {
      ++i;
      continue;
    }
    nlohmann::json run = nlohmann::json::array();
    run.push_back(i);
    while (i < size && counts_[i] != 0) run.push_back(counts_[i++]);
    runs.push_back(std::move(run));
  }
  return nlohmann::json{
      {"version", kJsonVersion},
      {"lowest", lowest_},
      {"highest", highest_},
      {"significant_digits", significant_digits_},
      {"count", total_count_},
      {"clamped", clamped_count_},
      {"min", min()},
      {"max", max()},
      {"sum", ToDecimal(sum_, 0)},
      {"sum_squares", ToDecimal(sum_squares_low_, sum_squares_high_)},
      {"runs", std::move(runs)},
  };
}

namespace {

bool Fail(const std::string& field, const std::string& what, std::string* error) {
  *error = "histogram JSON field '" + field + "': " + what;
  return false;
}

// Reads a JSON integer that fits int64 into *out.
bool GetInt(const nlohmann::json& value, const std::string& field, int64_t* out,
            std::string* error) {
  if (value.is_number_unsigned()) {
    const uint64_t u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Fail(field, "out of range", error);
    }
    *out = static_cast<int64_t>(u);
    return true;
  }
  if (value.is_number_integer()) {
    *out = value.get<int64_t>();
    return true;
  }
  return Fail(field, "must be an integer", error);
}

bool GetMember(const nlohmann::json& j, const char* field, int64_t* out, std::string* error) {
  const auto it = j.find(field);
  if (it == j.end()) return Fail(field, "missing", error);
  return GetInt(*it, field, out, error);
}

bool GetWide(const nlohmann::json& j, const char* field, u128* low, uint64_t* high,
             std::string* error) {
  const auto it = j.find(field);
  if (it == j.end()) return Fail(field, "missing", error);
  if (!it->is_string() || !FromDecimal(it->get<std::string>(), low, high)) {
    return Fail(field, "must be a string of decimal digits below 2^192", error);
  }
  return true;
}

}  // namespace

bool Histogram::FromJson(const nlohmann::json& j, Histogram* out, std::string* error) {
  try {
    if (!j.is_object()) {
      *error = "histogram JSON must be an object";
      return false;
    }
    int64_t version, lowest, highest, digits;
    if (!GetMember(j, "version", &version, error)) return false;
    if (version != kJsonVersion) return Fail("version", "unsupported version", error);
    if (!GetMember(j, "lowest", &lowest, error) || !GetMember(j, "highest", &highest, error) ||
        !GetMember(j, "significant_digits", &digits, error)) {
      return false;
    }
    if (digits < 1 || digits > 5) return Fail("significant_digits", "must be in 1..5", error);
    std::string field, what;
    if (!ValidLayout(lowest, highest, static_cast<int>(digits), &field, &what)) {
      return Fail(field, what, error);
    }
    Histogram h(lowest, highest, static_cast<int>(digits));

    int64_t count, clamped, min_value, max_value;
    if (!GetMember(j, "count", &count, error) || !GetMember(j, "clamped", &clamped, error) ||
        !GetMember(j, "min", &min_value, error) || !GetMember(j, "max", &max_value, error)) {
      return false;
    }
    if (count < 0) return Fail("count", "must be >= 0", error);
    if (clamped < 0 || clamped > count) return Fail("clamped", "must be in 0..count", error);
    uint64_t sum_high;
    if (!GetWide(j, "sum", &h.sum_, &sum_high, error)) return false;
    if (sum_high != 0) return Fail("sum", "exceeds 2^128", error);
    if (!GetWide(j, "sum_squares", &h.sum_squares_low_, &h.sum_squares_high_, error)) return false;

    const auto runs_it = j.find("runs");
    if (runs_it == j.end()) return Fail("runs", "missing", error);
    if (!runs_it->is_array()) return Fail("runs", "must be an array", error);
    const int64_t size = static_cast<int64_t>(h.counts_.size());
    int64_t next_free = 0;  // runs must be ascending and must not overlap
    int64_t total = 0;
    int64_t first_nonzero = -1, last_nonzero = -1;
    for (size_t r = 0; r < runs_it->size(); ++r) {
      const nlohmann::json& run = (*runs_it)[r];
      const std::string field = "runs[" + std::to_string(r) + "]";
      if (!run.is_array() || run.size() < 2) {
        return Fail(field, "must be an array [start_index, count, ...]", error);
      }
      int64_t start;
      if (!GetInt(run[0], field + "[0]", &start, error)) return false;
      if (start < next_free || start >= size) {
        return Fail(field + "[0]", "start index out of order or out of range", error);
      }
      const int64_t length = static_cast<int64_t>(run.size()) - 1;
      if (length > size - start) return Fail(field, "run extends past the last bucket", error);
      for (int64_t i = 0; i < length; ++i) {
        const std::string count_field = field + "[" + std::to_string(i + 1) + "]";
        int64_t c;
        if (!GetInt(run[static_cast<size_t>(i + 1)], count_field, &c, error)) return false;
        if (c <= 0) return Fail(count_field, "must be a positive count", error);
        if (__builtin_add_overflow(total, c, &total)) {
          return Fail(count_field, "counts overflow int64", error);
        }
        h.counts_[static_cast<size_t>(start + i)] = c;
      }
      if (first_nonzero < 0) first_nonzero = start;
      last_nonzero = start + length - 1;
      next_free = start + length;
    }
    if (total != count) return Fail("count", "does not equal the sum of the runs", error);

    if (count == 0) {
      if (min_value != 0) return Fail("min", "must be 0 when count is 0", error);
      if (max_value != 0) return Fail("max", "must be 0 when count is 0", error);
      if (h.sum_ != 0) return Fail("sum", "must be 0 when count is 0", error);
      if (h.sum_squares_low_ != 0 || h.sum_squares_high_ != 0) {
        return Fail("sum_squares", "must be 0 when count is 0", error);
      }
    } else {
      if (min_value < 0 || min_value > highest || h.CountsIndex(min_value) != first_nonzero) {
        return Fail("min", "does not fall into the first non-zero bucket", error);
      }
      if (max_value < min_value || max_value > highest ||
          h.CountsIndex(max_value) != last_nonzero) {
        return Fail("max", "does not fall into the last non-zero bucket", error);
      }
      if (clamped > 0 && min_value != 0 && max_value != highest) {
        return Fail("clamped", "clamped values must show as min 0 or max highest", error);
      }
      const u128 n = static_cast<u128>(count);
      if (h.sum_ < n * static_cast<uint64_t>(min_value) ||
          h.sum_ > n * static_cast<uint64_t>(max_value)) {
        return Fail("sum", "not between count * min and count * max", error);
      }
      // min * S1 <= S2 <= max * S1, and S2 >= S1^2 / n (checked as stddev's exact form).
      u128 bound_low;
      uint64_t bound_high;
      MulWide(h.sum_, static_cast<uint64_t>(max_value), &bound_low, &bound_high);
      const bool above_max =
          Less192(bound_low, bound_high, h.sum_squares_low_, h.sum_squares_high_);
      MulWide(h.sum_, static_cast<uint64_t>(min_value), &bound_low, &bound_high);
      const bool below_min =
          Less192(h.sum_squares_low_, h.sum_squares_high_, bound_low, bound_high);
      if (above_max || below_min) {
        return Fail("sum_squares", "inconsistent with sum, min and max", error);
      }
    }
    h.total_count_ = count;
    h.clamped_count_ = clamped;
    h.min_ = count == 0 ? INT64_MAX : min_value;
    h.max_ = max_value;
    *out = std::move(h);
    return true;
  } catch (const std::exception& e) {
    // Backstop only (e.g. out of memory): every malformed shape is checked above.
    *error = std::string("histogram JSON: ") + e.what();
    return false;
  }
}

}  // namespace servebench
