// Copyright servebench authors.

#include "servebench/core/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace servebench {
namespace {

constexpr int64_t kMilli = 1000 * 1000;
constexpr int64_t kMicro = 1000;

// Percentiles as parts per million, so that the exact rank can be computed in integers:
// rank = ceil(ppm * n / 10^6).
constexpr int64_t kPercentilesPpm[] = {1, 500000, 900000, 950000, 990000, 999000, 999900, 1000000};

int64_t ExactPercentile(std::vector<int64_t> sorted, int64_t ppm) {
  std::sort(sorted.begin(), sorted.end());
  const int64_t n = static_cast<int64_t>(sorted.size());
  const int64_t rank = std::max<int64_t>(1, (ppm * n + 999999) / 1000000);
  return sorted[static_cast<size_t>(rank - 1)];
}

Histogram FromValues(const std::vector<int64_t>& values) {
  Histogram h = Histogram::ForLatency();
  for (int64_t v : values) h.Record(v);
  return h;
}

// The precision bound. ForLatency has k = ceil(log2(2 * 10^3)) = 11, so 2048 sub-buckets per
// bucket, 1024 in the upper half. A value v >= 2048 lies in a sub-bucket of width w whose lowest
// value is >= 1024 * w, so the reported value (the sub-bucket's highest value) exceeds the true
// percentile v by at most w - 1 < v / 1024 < 10^-3 * v; below 2048 sub-buckets are 1 ns wide and
// the result is exact. The report is never below the true value.
void ExpectPercentilesWithinPrecision(const std::vector<int64_t>& values) {
  const Histogram h = FromValues(values);
  for (int64_t ppm : kPercentilesPpm) {
    const double p = static_cast<double>(ppm) / 10000.0;
    const int64_t exact = ExactPercentile(values, ppm);
    const int64_t got = h.ValueAtPercentile(p);
    SCOPED_TRACE("p=" + std::to_string(p) + " exact=" + std::to_string(exact));
    EXPECT_GE(got, exact);
    EXPECT_LE(static_cast<double>(got - exact), 1e-3 * static_cast<double>(exact));
    // And precisely what the header promises: that bucket's highest value, capped at max().
    EXPECT_EQ(got, std::min(h.HighestEquivalentValue(exact), h.max()));
  }
  EXPECT_EQ(h.ValueAtPercentile(100), *std::max_element(values.begin(), values.end()));
  EXPECT_EQ(h.max(), *std::max_element(values.begin(), values.end()));
  EXPECT_EQ(h.min(), *std::min_element(values.begin(), values.end()));
}

TEST(HistogramTest, LatencyLayoutPrecision) {
  const Histogram h = Histogram::ForLatency();
  EXPECT_EQ(h.lowest(), 1);
  EXPECT_EQ(h.highest(), 3600 * int64_t{1000000000});
  EXPECT_EQ(h.significant_digits(), 3);
  for (int64_t v = 0; v < 2048; ++v) EXPECT_EQ(h.HighestEquivalentValue(v), v);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 100000; ++i) {
    const int64_t v = static_cast<int64_t>(rng() % static_cast<uint64_t>(h.highest())) + 1;
    const int64_t width = h.BucketWidth(v);
    const int64_t top = h.HighestEquivalentValue(v);
    ASSERT_GE(top, v);
    ASSERT_LT(top - v, width);
    ASSERT_LE(static_cast<double>(width - 1), 1e-3 * static_cast<double>(v)) << v;
    ASSERT_EQ((top + 1) % width, 0) << v;  // sub-buckets are aligned to their width
  }
  EXPECT_EQ(h.HighestEquivalentValue(INT64_MAX), INT64_MAX);  // no overflow at the very top
}

TEST(HistogramTest, UniformPercentiles) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> dist(kMicro, 100 * kMilli);
  std::vector<int64_t> values(100000);
  for (int64_t& v : values) v = dist(rng);
  ExpectPercentilesWithinPrecision(values);
}

TEST(HistogramTest, ExponentialLikePercentiles) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<int64_t> values(100000);
  for (int64_t& v : values) {
    v = 200 * kMicro + static_cast<int64_t>(-std::log1p(-uniform(rng)) * 5.0 * kMilli);
  }
  ExpectPercentilesWithinPrecision(values);
}

TEST(HistogramTest, ConstantPercentiles) {
  const std::vector<int64_t> values(1000, 1234567);
  ExpectPercentilesWithinPrecision(values);
  const Histogram h = FromValues(values);
  // Capped at max(), so every percentile of a constant is the constant itself.
  for (double p : {0.001, 50.0, 99.0, 99.99, 100.0}) EXPECT_EQ(h.ValueAtPercentile(p), 1234567);
  EXPECT_EQ(h.mean(), 1234567.0);
  EXPECT_EQ(h.stddev(), 0.0);
}

TEST(HistogramTest, TwoPointPercentiles) {
  std::vector<int64_t> values(9000, 1 * kMilli);
  values.insert(values.end(), 1000, 50 * kMilli);
  ExpectPercentilesWithinPrecision(values);
  const Histogram h = FromValues(values);
  EXPECT_EQ(h.ValueAtPercentile(90), h.HighestEquivalentValue(1 * kMilli));
  EXPECT_EQ(h.ValueAtPercentile(90.01), 50 * kMilli);
  EXPECT_EQ(h.ValueAtPercentile(99), 50 * kMilli);
  EXPECT_DOUBLE_EQ(h.mean(), 0.9 * kMilli + 0.1 * 50 * kMilli);
  // Population stddev of a two-point distribution: |a - b| * sqrt(p (1 - p)) = 49 ms * 0.3.
  EXPECT_NEAR(h.stddev(), 49.0 * kMilli * 0.3, 1e-6);
}

TEST(HistogramTest, PercentileRankIsNotFooledByDecimalRounding) {
  // 99.9 is stored as 99.900000000000006; 99.9% of 1000 values must still be the 999th.
  Histogram h = Histogram::ForLatency();
  for (int64_t v = 1; v <= 1000; ++v) h.Record(v);
  EXPECT_EQ(h.ValueAtPercentile(99.9), 999);
  EXPECT_EQ(h.ValueAtPercentile(50), 500);
  EXPECT_EQ(h.ValueAtPercentile(0.05), 1);
  EXPECT_EQ(h.ValueAtPercentile(0), 1);  // out-of-range p is clamped
  EXPECT_EQ(h.ValueAtPercentile(250), 1000);
}

TEST(HistogramTest, MeanAndStddevAreExact) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int64_t> dist(0, 10 * kMilli);
  Histogram h = Histogram::ForLatency();
  long double sum = 0, sum_sq = 0;
  const int n = 50000;
  std::vector<int64_t> values(n);
  for (int64_t& v : values) {
    v = dist(rng);
    h.Record(v);
    sum += v;
  }
  const long double mean = sum / n;
  for (int64_t v : values) sum_sq += (v - mean) * (v - mean);
  EXPECT_NEAR(h.mean(), static_cast<double>(mean), 1e-9 * static_cast<double>(mean));
  const double sd = static_cast<double>(std::sqrt(sum_sq / n));
  EXPECT_NEAR(h.stddev(), sd, 1e-9 * sd);
}

TEST(HistogramTest, StddevOfLargeCloseValuesDoesNotCancel) {
  // sum of squares ~ 10^30: naive S2/n - mean^2 in floating point would be pure noise here.
  Histogram h = Histogram::ForLatency();
  const int64_t base = 3000 * int64_t{1000000000};
  h.RecordN(base, 1000000);
  h.RecordN(base + 2, 1000000);
  EXPECT_DOUBLE_EQ(h.mean(), static_cast<double>(base + 1));
  EXPECT_DOUBLE_EQ(h.stddev(), 1.0);
}

TEST(HistogramTest, MergeEqualsRecordingTheUnion) {
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> dist(13.0, 1.5);  // median ~0.44 ms, long tail
  Histogram all = Histogram::ForLatency();
  std::vector<Histogram> parts(4, Histogram::ForLatency());
  for (int i = 0; i < 200000; ++i) {
    const int64_t v = static_cast<int64_t>(dist(rng));
    all.Record(v);
    parts[static_cast<size_t>(i) % parts.size()].Record(v);
  }
  all.Record(-3);  // clamped low
  parts[1].Record(-3);
  all.Record(all.highest() + 5);  // clamped high
  parts[2].Record(all.highest() + 5);
  Histogram merged = Histogram::ForLatency();
  for (const Histogram& part : parts) ASSERT_TRUE(merged.Merge(part));

  // ToJson holds every non-zero count, the exact sums and the extremes: equal JSON means bitwise
  // equal counts.
  EXPECT_EQ(merged.ToJson(), all.ToJson());
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.clamped(), 2);
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  for (double p : {50.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0}) {
    EXPECT_EQ(merged.ValueAtPercentile(p), all.ValueAtPercentile(p)) << p;
  }
  // Integer running sums make these independent of order: exactly equal, not merely close.
  EXPECT_EQ(merged.mean(), all.mean());
  EXPECT_EQ(merged.stddev(), all.stddev());
}

TEST(HistogramTest, MergeOfMismatchedLayoutsFails) {
  Histogram a = Histogram::ForLatency();
  a.Record(5);
  const std::string before = a.ToJson().dump();
  Histogram b(1, 1000000, 2);
  b.Record(7);
  EXPECT_FALSE(a.Merge(b));
  EXPECT_FALSE(a.Merge(Histogram(2, 3600 * int64_t{1000000000}, 3)));
  EXPECT_FALSE(a.Merge(Histogram(1, 3600 * int64_t{1000000000} + 1, 3)));
  EXPECT_EQ(a.ToJson().dump(), before);
}

TEST(HistogramTest, ClampsOutOfRangeValues) {
  Histogram h = Histogram::ForLatency();
  h.Record(h.highest() + 1);
  h.Record(INT64_MAX);
  h.Record(-5);
  h.Record(INT64_MIN);
  h.Record(42);
  EXPECT_EQ(h.count(), 5);
  EXPECT_EQ(h.clamped(), 4);
  EXPECT_EQ(h.max(), h.highest());
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.ValueAtPercentile(100), h.highest());
  EXPECT_EQ(h.ValueAtPercentile(40), 0);
  EXPECT_EQ(h.ValueAtPercentile(60), 42);
}

TEST(HistogramTest, RecordNEqualsRepeatedRecord) {
  Histogram a = Histogram::ForLatency();
  Histogram b = Histogram::ForLatency();
  a.RecordN(123456, 7);
  a.RecordN(-1, 3);
  a.RecordN(99, 0);   // no-op
  a.RecordN(99, -4);  // no-op
  for (int i = 0; i < 7; ++i) b.Record(123456);
  for (int i = 0; i < 3; ++i) b.Record(-1);
  EXPECT_EQ(a.ToJson(), b.ToJson());
  EXPECT_EQ(a.count(), 10);
  EXPECT_EQ(a.clamped(), 3);
}

TEST(HistogramTest, EmptyReturnsZeros) {
  Histogram h = Histogram::ForLatency();
  EXPECT_EQ(h.count(), 0);
  EXPECT_EQ(h.clamped(), 0);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.stddev(), 0.0);
  for (double p : {0.1, 50.0, 100.0}) EXPECT_EQ(h.ValueAtPercentile(p), 0);
  Histogram empty = Histogram::ForLatency();
  EXPECT_TRUE(h.Merge(empty));
  EXPECT_EQ(h.count(), 0);
}

TEST(HistogramTest, ResetClearsEverything) {
  Histogram h = Histogram::ForLatency();
  h.Record(100);
  h.Record(-1);
  h.Reset();
  EXPECT_EQ(h.ToJson(), Histogram::ForLatency().ToJson());
  h.Record(7);
  EXPECT_EQ(h.min(), 7);
  EXPECT_EQ(h.max(), 7);
}

TEST(HistogramTest, OtherLayouts) {
  // lowest = 1000: u = floor(log2(1000)) = 9, so sub-buckets are at least 512 wide (the
  // resolution); 2 digits give 256 sub-buckets, 128 in the upper half, so from 128 * 512 = 65536 on
  // the relative error is below 1/128 < 10^-2, and below that the absolute error is below 512.
  Histogram h(1000, 1000000000, 2);
  for (int64_t v = 1000; v <= 1000000000; v = v * 3 / 2 + 1) {
    h.Record(v);
    const int64_t error = h.HighestEquivalentValue(v) - v;
    if (v >= 65536) {
      EXPECT_LE(static_cast<double>(error), 1e-2 * static_cast<double>(v)) << v;
    } else {
      EXPECT_LT(error, 512) << v;
    }
  }
  EXPECT_EQ(h.ValueAtPercentile(100), h.max());
  Histogram fine(1, INT64_MAX, 5);  // the largest layout must construct and work
  fine.Record(INT64_MAX);
  fine.Record(1);
  EXPECT_EQ(fine.ValueAtPercentile(100), INT64_MAX);
  EXPECT_EQ(fine.ValueAtPercentile(50), 1);
}

TEST(HistogramTest, InvalidLayoutThrows) {
  EXPECT_THROW(Histogram(0, 100, 3), std::invalid_argument);
  EXPECT_THROW(Histogram(10, 19, 3), std::invalid_argument);
  EXPECT_THROW(Histogram(1, 100, 0), std::invalid_argument);
  EXPECT_THROW(Histogram(1, 100, 6), std::invalid_argument);
  EXPECT_THROW(Histogram(int64_t{1} << 60, INT64_MAX, 3), std::invalid_argument);
}

TEST(HistogramTest, JsonRoundTrip) {
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> dist(12.0, 2.0);
  Histogram h = Histogram::ForLatency();
  for (int i = 0; i < 100000; ++i) h.Record(static_cast<int64_t>(dist(rng)));
  h.Record(-1);
  h.RecordN(h.highest() * 2, 3);
  const std::string text = h.ToJson().dump();
  Histogram back(1, 2, 1);
  std::string error;
  ASSERT_TRUE(Histogram::FromJson(nlohmann::json::parse(text), &back, &error)) << error;
  EXPECT_EQ(back.ToJson().dump(), text);
  EXPECT_EQ(back.count(), h.count());
  EXPECT_EQ(back.clamped(), h.clamped());
  EXPECT_EQ(back.min(), h.min());
  EXPECT_EQ(back.max(), h.max());
  EXPECT_EQ(back.mean(), h.mean());
  EXPECT_EQ(back.stddev(), h.stddev());
  for (double p : {1.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    EXPECT_EQ(back.ValueAtPercentile(p), h.ValueAtPercentile(p));
  }
  // The restored histogram keeps working: merging it again doubles every count.
  ASSERT_TRUE(back.Merge(h));
  EXPECT_EQ(back.count(), 2 * h.count());

  Histogram empty_back = Histogram::ForLatency();
  empty_back.Record(9);
  ASSERT_TRUE(Histogram::FromJson(Histogram::ForLatency().ToJson(), &empty_back, &error)) << error;
  EXPECT_EQ(empty_back.count(), 0);
  EXPECT_EQ(empty_back.min(), 0);
}

TEST(HistogramTest, JsonStoresOnlyRunsOfNonZeroCounts) {
  Histogram h = Histogram::ForLatency();
  h.RecordN(10, 2);
  h.Record(11);
  h.Record(5000000);
  const nlohmann::json j = h.ToJson();
  ASSERT_EQ(j["runs"].size(), 2u);
  EXPECT_EQ(j["runs"][0], nlohmann::json({10, 2, 1}));
  EXPECT_EQ(j["runs"][1].size(), 2u);
}

struct Malformed {
  const char* field;  // must appear in the error message
  std::function<void(nlohmann::json&)> mutate;
};

TEST(HistogramTest, FromJsonRejectsMalformedInput) {
  Histogram h = Histogram::ForLatency();
  h.Record(1000);
  h.Record(2000);
  h.Record(1000000);
  const nlohmann::json good = h.ToJson();
  const std::vector<Malformed> cases = {
      {"version", [](nlohmann::json& j) { j.erase("version"); }},
      {"version", [](nlohmann::json& j) { j["version"] = 99; }},
      {"lowest", [](nlohmann::json& j) { j["lowest"] = "1"; }},
      {"lowest", [](nlohmann::json& j) { j["lowest"] = 0; }},
      {"highest", [](nlohmann::json& j) { j["highest"] = 1; }},
      {"highest", [](nlohmann::json& j) { j["highest"] = 18446744073709551615ULL; }},
      {"significant_digits", [](nlohmann::json& j) { j["significant_digits"] = 9; }},
      {"significant_digits", [](nlohmann::json& j) { j["significant_digits"] = 2.5; }},
      {"count", [](nlohmann::json& j) { j.erase("count"); }},
      {"count", [](nlohmann::json& j) { j["count"] = -3; }},
      {"count", [](nlohmann::json& j) { j["count"] = 4; }},
      {"clamped", [](nlohmann::json& j) { j["clamped"] = 9; }},
      {"clamped", [](nlohmann::json& j) { j["clamped"] = 1; }},  // yet min > 0 and max < highest
      {"min", [](nlohmann::json& j) { j["min"] = 5; }},
      {"max", [](nlohmann::json& j) { j["max"] = 7; }},
      {"max", [](nlohmann::json& j) { j["max"] = nullptr; }},
      {"sum", [](nlohmann::json& j) { j["sum"] = 1003000; }},
      {"sum", [](nlohmann::json& j) { j["sum"] = "12x"; }},
      {"sum", [](nlohmann::json& j) { j["sum"] = "5"; }},
      {"sum_squares", [](nlohmann::json& j) { j["sum_squares"] = "1"; }},
      {"sum_squares", [](nlohmann::json& j) { j["sum_squares"] = std::string(70, '9'); }},
      {"runs", [](nlohmann::json& j) { j.erase("runs"); }},
      {"runs", [](nlohmann::json& j) { j["runs"] = nlohmann::json::object(); }},
      {"runs[0]", [](nlohmann::json& j) { j["runs"][0] = 17; }},
      {"runs[0]", [](nlohmann::json& j) { j["runs"][0] = nlohmann::json::array({5}); }},
      {"runs[0][0]", [](nlohmann::json& j) { j["runs"][0][0] = -1; }},
      {"runs[0][0]", [](nlohmann::json& j) { j["runs"][0][0] = 1000000000000000000LL; }},
      {"runs[0][0]", [](nlohmann::json& j) { j["runs"][0][0] = 18446744073709551615ULL; }},
      {"runs[0][0]", [](nlohmann::json& j) { j["runs"][0][0] = "0"; }},
      {"runs[0][1]", [](nlohmann::json& j) { j["runs"][0][1] = 0; }},
      {"runs[0][1]", [](nlohmann::json& j) { j["runs"][0][1] = -1; }},
      {"runs[0][1]", [](nlohmann::json& j) { j["runs"][0][1] = 1.5; }},
      {"runs[1][0]", [](nlohmann::json& j) { j["runs"][1][0] = j["runs"][0][0]; }},  // overlap
      // ForLatency has 33421 slots (the last one holds 3600 s): a run from 33419 of 3 overruns.
      {"runs[2]",
       [](nlohmann::json& j) {
         j["runs"][2] = {33419, 1, 1, 1};
       }},
      {"runs[1][1]",
       [](nlohmann::json& j) {
         j["runs"][0][1] = INT64_MAX;
         j["runs"][1][1] = INT64_MAX;
       }},
  };
  for (const Malformed& c : cases) {
    nlohmann::json j = good;
    c.mutate(j);
    Histogram out(1, 1000, 1);
    out.Record(3);
    std::string error;
    EXPECT_FALSE(Histogram::FromJson(j, &out, &error)) << j.dump();
    EXPECT_NE(error.find(std::string("'") + c.field + "'"), std::string::npos)
        << "expected field " << c.field << " in: " << error;
    EXPECT_EQ(out.count(), 1);  // untouched
    EXPECT_EQ(out.highest(), 1000);
  }
  std::string error;
  Histogram out = Histogram::ForLatency();
  EXPECT_FALSE(Histogram::FromJson(nlohmann::json::array(), &out, &error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(Histogram::FromJson(nlohmann::json(), &out, &error));
}

}  // namespace
}  // namespace servebench

namespace servebench {
namespace {

TEST(HistogramCountAtOrBelowTest, CountsWholeBucketsOnly) {
  Histogram h = Histogram::ForLatency();
  for (int64_t v = 1; v <= 10000; ++v) h.Record(v);
  // Below 2048 every bucket is one value wide: exact.
  EXPECT_EQ(h.CountAtOrBelow(2047), 2047);
  // 4096..8191 are 4 wide: 5000 shares the bucket 5000..5003, which straddles it and is left out.
  EXPECT_EQ(h.CountAtOrBelow(5000), 4999);
  EXPECT_EQ(h.CountAtOrBelow(5003), 5003);
  EXPECT_EQ(h.CountAtOrBelow(10000), 10000);
  EXPECT_EQ(h.CountAtOrBelow(1 << 30), 10000);
  EXPECT_EQ(h.CountAtOrBelow(0), 0);
  EXPECT_EQ(h.CountAtOrBelow(-5), 0);
  EXPECT_EQ(Histogram::ForLatency().CountAtOrBelow(100), 0);
}

}  // namespace
}  // namespace servebench
