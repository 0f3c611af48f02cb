// Copyright servebench authors.
//
// A log-linear (HDR-style) histogram of non-negative integer values, written for servebench.
//
// Values are grouped into buckets whose width doubles from one bucket to the next; each bucket is
// split into the same number of linear sub-buckets, chosen so that any recorded value is known to
// within a relative error of 10^-digits. Memory is fixed at construction and Record() never
// allocates, so per-thread histograms can sit in a load generator's hot path. Merging adds counts
// and is exact: merging per-thread histograms gives the same result as recording every value into
// one.
//
// servebench records latencies in nanoseconds with Histogram::ForLatency(): trackable range
// 1 ns .. 1 hour at 3 significant digits (the design asks for at least 1 us .. 1 h).
//
// Not thread-safe: one writer at a time; merge afterwards.

#ifndef SERVEBENCH_CORE_HISTOGRAM_H_
#define SERVEBENCH_CORE_HISTOGRAM_H_

#include <bit>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace servebench {

class Histogram {
 public:
  // Tracks values in [lowest, highest] with `significant_digits` (1..5) significant digits.
  // lowest >= 1; highest >= 2 * lowest. lowest is the resolution: values are resolved to
  // 2^floor(log2(lowest)), so the relative precision holds exactly for lowest = 1 and otherwise
  // from a few thousand times lowest up. Throws std::invalid_argument on a bad layout (also when
  // lowest is so large that a bucket would not fit in 63 bits: lowest < 2^51 at 3 digits).
  Histogram(int64_t lowest, int64_t highest, int significant_digits);

  // Nanosecond latencies, 1 ns .. 3600 s, 3 significant digits.
  static Histogram ForLatency();

  // Records `value` once / `count` times. A value above highest() is recorded as highest() and a
  // negative value as 0; both are also counted in clamped(). Never allocates.
  void Record(int64_t value) { RecordN(value, 1); }
  void RecordN(int64_t value, int64_t count);

  // Adds every count of `other`. Exact. Both histograms must have the same layout
  // (lowest, highest, digits); returns false and changes nothing otherwise.
  bool Merge(const Histogram& other);

  void Reset();

  int64_t count() const { return total_count_; }
  int64_t clamped() const { return clamped_count_; }
  // Exact extremes of what was recorded (after clamping); 0 when empty.
  int64_t min() const;
  int64_t max() const;
  // Exact mean and population standard deviation of the recorded (clamped) values, kept from
  // running sums rather than bucket midpoints; 0 when empty.
  double mean() const;
  double stddev() const;

  // The value at percentile p (0 < p <= 100): the smallest recorded value v such that at least
  // ceil(p/100 * count) values are <= v, reported as the highest value equivalent to v's bucket
  // (never below the true percentile, above it by less than one bucket's width), capped at max().
  // 0 when empty.
  int64_t ValueAtPercentile(double p) const;

  // How many recorded values are known to be <= `value`: the counts of every bucket whose
  // highest equivalent value is <= `value`. Never counts a value above `value`; may leave out
  // values of the one bucket that straddles it (within 10^-digits of `value`).
  int64_t CountAtOrBelow(int64_t value) const;

  // Highest value that falls into the same bucket as `value`, and the bucket's width.
  int64_t HighestEquivalentValue(int64_t value) const;
  int64_t BucketWidth(int64_t value) const;

  int64_t lowest() const { return lowest_; }
  int64_t highest() const { return highest_; }
  int significant_digits() const { return significant_digits_; }

  // Compact JSON: layout, exact sums and extremes, and only the runs of non-zero counts.
  nlohmann::json ToJson() const;
  // Inverse of ToJson. On malformed input returns false with a message in *error that names the
  // offending field; *out is left unchanged.
  static bool FromJson(const nlohmann::json& j, Histogram* out, std::string* error);

 private:
  int CountsIndex(int64_t value) const;
  // RecordN's rare path: count > 1 needs a 128 x 64-bit product for the sum of squares.
  void AddToSums(uint64_t value, uint64_t count);
  int64_t ValueFromIndex(int index) const;

  int64_t lowest_;
  int64_t highest_;
  int significant_digits_;
  int unit_magnitude_;  // floor(log2(lowest))
  int sub_bucket_half_count_magnitude_;
  int32_t sub_bucket_count_;  // 2^ceil(log2(2 * 10^digits))
  int32_t sub_bucket_half_count_;
  int64_t sub_bucket_mask_;
  int32_t bucket_count_;
  std::vector<int64_t> counts_;  // sized once in the constructor

  int64_t total_count_ = 0;
  int64_t clamped_count_ = 0;
  int64_t min_ = INT64_MAX;
  int64_t max_ = 0;
  // Exact integer running sums, so that mean and stddev do not depend on the order of recording,
  // merging or serialising: the sum of values is below 2^126 (count < 2^63, value < 2^63) and the
  // sum of squares below 2^189, kept in 192 bits as a low 128-bit and a high 64-bit word.
  unsigned __int128 sum_ = 0;
  unsigned __int128 sum_squares_low_ = 0;
  uint64_t sum_squares_high_ = 0;
};

// Inline because they run once per request in the load generator: a call costs as much again.

inline int Histogram::CountsIndex(int64_t value) const {
  // value | mask has its top bit at (sub-bucket half magnitude + unit magnitude) or above; each
  // further bit position is one more bucket.
  const int bucket = (63 - unit_magnitude_ - sub_bucket_half_count_magnitude_) -
                     std::countl_zero(static_cast<uint64_t>(value | sub_bucket_mask_));
  const int sub_bucket = static_cast<int>(value >> (bucket + unit_magnitude_));
  return (bucket << sub_bucket_half_count_magnitude_) + sub_bucket;
}

inline void Histogram::RecordN(int64_t value, int64_t count) {
  if (count <= 0) [[unlikely]] {
    return;
  }
  if (value < 0 || value > highest_) [[unlikely]] {
    value = value < 0 ? 0 : highest_;
    clamped_count_ += count;
  }
  counts_[static_cast<size_t>(CountsIndex(value))] += count;
  total_count_ += count;
  if (value < min_) min_ = value;
  if (value > max_) max_ = value;
  if (count == 1) [[likely]] {
    const uint64_t v = static_cast<uint64_t>(value);
    const unsigned __int128 square = static_cast<unsigned __int128>(v) * v;
    sum_ += v;
    sum_squares_low_ += square;
    sum_squares_high_ += sum_squares_low_ < square ? 1 : 0;  // carry
  } else {
    AddToSums(static_cast<uint64_t>(value), static_cast<uint64_t>(count));
  }
}

}  // namespace servebench

#endif  // SERVEBENCH_CORE_HISTOGRAM_H_
