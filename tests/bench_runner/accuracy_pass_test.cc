// Copyright servebench authors.
//
// Accuracy through the server against known truths: the test data files read back exactly (in
// the format docs/models.md defines, written here byte by byte), top-1 counted against a fake
// KServe server whose answer is fixed (so the right count is known from the labels alone), and
// the warning given exactly when the count is more than one sample from the card's.

#include "servebench/bench/accuracy_pass.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "fake_kserve.h"
#include "servebench/bench/test_data.h"
#include "servebench/core/clock.h"
#include "test_http_server.h"

namespace servebench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::FakeKServe;
using testing::FakeKServeOptions;
using testing::TestHttpServer;

class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "servebench-accuracy-XXXXXX";
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Little-endian bytes of `width` bytes of `bits`, written out by hand.
std::string LittleEndian(uint64_t bits, int width) {
  std::string bytes;
  for (int i = 0; i < width; ++i) bytes.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  return bytes;
}

struct Split {
  std::vector<int64_t> shape;  // inputs, [N, ...]
  std::vector<float> inputs;
  std::vector<int64_t> labels;
  int classes = 10;
};

// <repository>/<model>/test_data/ as models/servebench_zoo/test_data.py writes it; returns the
// card entry that names it.
json WriteTestData(const fs::path& model_dir, const Split& split) {
  const fs::path dir = model_dir / "test_data";
  fs::create_directories(dir);
  std::string inputs, labels;
  for (float v : split.inputs) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    inputs += LittleEndian(bits, 4);
  }
  for (int64_t label : split.labels) labels += LittleEndian(static_cast<uint64_t>(label), 8);
  std::ofstream(dir / "inputs.f32", std::ios::binary) << inputs;
  std::ofstream(dir / "labels.i64", std::ios::binary) << labels;
  const json header = {{"format", "servebench test data 1"},
                       {"samples", split.labels.size()},
                       {"inputs",
                        {{"file", "inputs.f32"},
                         {"dtype", "float32"},
                         {"byte_order", "little"},
                         {"shape", split.shape}}},
                       {"labels",
                        {{"file", "labels.i64"},
                         {"dtype", "int64"},
                         {"byte_order", "little"},
                         {"shape", {split.labels.size()}},
                         {"classes", split.classes}}}};
  std::ofstream(dir / "test_data.json") << header.dump(2);
  return {{"header", "test_data/test_data.json"}, {"samples", split.labels.size()}};
}

json Card(int64_t correct, int64_t samples, const json& test_data) {
  json card = {{"name", "mlp"},
               {"accuracy",
                {{"top1", static_cast<double>(correct) / samples},
                 {"correct", correct},
                 {"samples", samples}}}};
  if (!test_data.is_null()) card["test_data"] = test_data;
  return card;
}

// Ten samples of 64 values; the fake server answers class 4 to everything, so the right count
// is the number of labels that are 4: five.
Split TenDigits() {
  Split s;
  s.shape = {10, 64};
  for (int i = 0; i < 640; ++i) s.inputs.push_back(static_cast<float>(i % 17) / 16.0f);
  s.labels = {4, 4, 4, 1, 2, 4, 0, 9, 4, 3};
  return s;
}

TEST(Top1ClassTest, LargestFirstOnTiesNanAsTorchDoes) {
  const double scores[] = {0.5, 2.0, -1.0, 2.0};
  EXPECT_EQ(Top1Class(scores, 4), 1);
  const double one[] = {-3.0};
  EXPECT_EQ(Top1Class(one, 1), 0);
  const double with_nan[] = {9.0, std::numeric_limits<double>::quiet_NaN(), 10.0};
  EXPECT_EQ(Top1Class(with_nan, 3), 1);
}

TEST(TestDataTest, ReadsTheFilesBackExactly) {
  TempDir dir;
  Split split;
  split.shape = {3, 1, 2, 2};
  split.inputs = {0.1f,     -2.5f,   1e-30f, 3.0f, 0.0f, -0.0f,
                  65504.0f, 0.0625f, 1.0f,   2.0f, 3.0f, 4.0f};
  split.labels = {0, 9, 7};
  const json entry = WriteTestData(dir.path() / "zoo" / "cnn", split);
  TestData data;
  std::string message;
  ASSERT_EQ(
      LoadTestData({"cnn", (dir.path() / "zoo").string()}, Card(3, 3, entry), &data, &message),
      TestDataStatus::kLoaded)
      << message;
  EXPECT_EQ(data.inputs.shape, split.shape);
  ASSERT_EQ(data.inputs.values.size(), split.inputs.size());
  for (size_t i = 0; i < split.inputs.size(); ++i) {
    EXPECT_EQ(static_cast<float>(data.inputs.values[i]), split.inputs[i]) << i;
  }
  EXPECT_EQ(data.labels, split.labels);
  EXPECT_EQ(data.classes, 10);
  EXPECT_EQ(data.samples(), 3);
  EXPECT_EQ(data.header, (dir.path() / "zoo" / "cnn" / "test_data" / "test_data.json").string());
}

TEST(TestDataTest, NoneSaysWhy) {
  TempDir dir;
  const ModelVariant variant{"resnet18", dir.path().string()};
  TestData data;
  std::string message;
  EXPECT_EQ(LoadTestData(variant, nullptr, &data, &message), TestDataStatus::kNone);
  EXPECT_EQ(message, "no test data for resnet18: it has no card.json");
  const json untrained = {
      {"accuracy", {{"top1", nullptr}, {"status", "not applicable: seeded random weights"}}}};
  EXPECT_EQ(LoadTestData(variant, untrained, &data, &message), TestDataStatus::kNone);
  EXPECT_EQ(message,
            "no test data for resnet18: its card says accuracy is not applicable: seeded random "
            "weights");
  const json older = {
      {"accuracy",
       {{"top1", 0.9}, {"correct", 9}, {"samples", 10}, {"split", {{"test_samples", 10}}}}}};
  EXPECT_EQ(LoadTestData(variant, older, &data, &message), TestDataStatus::kNone);
  EXPECT_NE(message.find("run models/prepare.py again"), std::string::npos) << message;
}

TEST(TestDataTest, DamagedDataIsAnErrorNamingTheFile) {
  TempDir dir;
  const fs::path model = dir.path() / "mlp";
  const ModelVariant variant{"mlp", dir.path().string()};
  TestData data;
  std::string message;
  const auto load = [&](const json& entry) {
    return LoadTestData(variant, Card(5, 10, entry), &data, &message);
  };
  json entry = WriteTestData(model, TenDigits());
  ASSERT_EQ(load(entry), TestDataStatus::kLoaded) << message;

  std::ofstream(model / "test_data" / "inputs.f32", std::ios::app) << "x";  // one byte too many
  EXPECT_EQ(load(entry), TestDataStatus::kInvalid);
  EXPECT_NE(message.find("inputs.f32: 2561 bytes, but shape [10,64] of float32 needs 2560"),
            std::string::npos)
      << message;

  Split bad_label = TenDigits();
  bad_label.labels[7] = 10;
  entry = WriteTestData(model, bad_label);
  EXPECT_EQ(load(entry), TestDataStatus::kInvalid);
  EXPECT_NE(message.find("label 7 is 10, outside [0, 10)"), std::string::npos) << message;

  EXPECT_EQ(load({{"header", "../elsewhere/test_data.json"}}), TestDataStatus::kInvalid);
  EXPECT_NE(message.find("inside the model's folder"), std::string::npos) << message;
  EXPECT_EQ(load({{"header", "test_data/absent.json"}}), TestDataStatus::kInvalid);
  EXPECT_NE(message.find("absent.json"), std::string::npos) << message;

  WriteTestData(model, TenDigits());
  json header = json::parse(std::ifstream(model / "test_data" / "test_data.json"));
  header["inputs"]["dtype"] = "float64";
  std::ofstream(model / "test_data" / "test_data.json") << header.dump();
  EXPECT_EQ(load(entry), TestDataStatus::kInvalid);
  EXPECT_NE(message.find("\"inputs\".dtype must be \"float32\""), std::string::npos) << message;
}

TEST(JudgeAccuracyTest, WarnsWhenMoreThanOneSampleApart) {
  const json card = Card(440, 450, nullptr);
  for (int64_t correct : {439, 440, 441}) {
    const AccuracyRecord r = JudgeAccuracy({450, correct, 450, false}, card, 1, "h.json");
    EXPECT_FALSE(r.warning) << correct << ": " << *r.warning;
    EXPECT_EQ(*r.differs_by, correct - 440);
    EXPECT_DOUBLE_EQ(*r.top1, correct / 450.0);
    EXPECT_EQ(*r.card_correct, 440);
    EXPECT_EQ(*r.card_samples, 450);
    EXPECT_DOUBLE_EQ(*r.card_top1, 440 / 450.0);
    EXPECT_FALSE(r.skipped);
  }
  for (int64_t correct : {438, 442, 45}) {
    const AccuracyRecord r = JudgeAccuracy({450, correct, 450, false}, card, 1, "h.json");
    ASSERT_TRUE(r.warning) << correct;
    EXPECT_NE(r.warning->find("by " + std::to_string(std::llabs(correct - 440)) + " samples"),
              std::string::npos)
        << *r.warning;
  }
  const AccuracyRecord r = JudgeAccuracy({450, 45, 450, false}, card, 1, "h.json");
  EXPECT_EQ(*r.warning,
            "top-1 through the server 10.00% (45 of 450) differs from the card's 97.78% (440 of "
            "450) by 395 samples: the server changes the model's answers");
}

TEST(JudgeAccuracyTest, IncomparableCountsAreWarnings) {
  const AccuracyRecord other_split =
      JudgeAccuracy({100, 97, 100, false}, Card(440, 450, nullptr), 1, "h.json");
  ASSERT_TRUE(other_split.warning);
  EXPECT_NE(other_split.warning->find("not the same test data"), std::string::npos);
  EXPECT_FALSE(other_split.differs_by);
  const AccuracyRecord no_card = JudgeAccuracy({450, 440, 450, false}, nullptr, 1, "h.json");
  ASSERT_TRUE(no_card.warning);
  EXPECT_NE(no_card.warning->find("gives no accuracy"), std::string::npos);
}

class AccuracyPassTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const json entry = WriteTestData(dir_.path() / "mlp", TenDigits());
    std::string message;
    ASSERT_EQ(LoadTestData({"mlp", dir_.path().string()}, Card(5, 10, entry), &data_, &message),
              TestDataStatus::kLoaded)
        << message;
  }
  TempDir dir_;
  TestData data_;
  std::unique_ptr<ProtocolAdapter> adapter_ = NewProtocolAdapter(kKServeV2Rest);
};

TEST_F(AccuracyPassTest, CountsAnswersAgainstLabels) {
  TestHttpServer server(FakeKServe({}));
  AccuracyCount count;
  std::string error;
  ASSERT_TRUE(RunAccuracyPass(*adapter_, server.url(""), "mlp", data_, 1, kNanosPerSecond, nullptr,
                              &count, &error))
      << error;
  EXPECT_EQ(count.samples, 10);
  EXPECT_EQ(count.correct, 5);  // the labels that are 4
  EXPECT_EQ(count.requests, 10);
  EXPECT_EQ(server.requests(), 11);  // the metadata, then one request per sample
  const AccuracyRecord r = JudgeAccuracy(count, Card(5, 10, nullptr), 1, data_.header);
  EXPECT_FALSE(r.warning);
  EXPECT_TRUE(JudgeAccuracy(count, Card(8, 10, nullptr), 1, data_.header).warning);
}

TEST_F(AccuracyPassTest, AnAnswerForTheWrongNumberOfSamplesFails) {
  // The fake answers one sample's scores to a request for three.
  TestHttpServer server(FakeKServe({}));
  AccuracyCount count;
  std::string error;
  EXPECT_FALSE(RunAccuracyPass(*adapter_, server.url(""), "mlp", data_, 3, kNanosPerSecond, nullptr,
                               &count, &error));
  EXPECT_NE(error.find("request 1 of 4 (samples 0 to 2): output 'OUTPUT__0' of shape [1,10] "
                       "does not hold scores for 3 samples"),
            std::string::npos)
      << error;
}

TEST_F(AccuracyPassTest, BrokenResponsesAndInterruptsStopIt) {
  FakeKServeOptions options;
  options.corrupt_every = 4;  // the fourth answer lacks an element
  TestHttpServer corrupt(FakeKServe(options));
  AccuracyCount count;
  std::string error;
  EXPECT_FALSE(RunAccuracyPass(*adapter_, corrupt.url(""), "mlp", data_, 1, kNanosPerSecond,
                               nullptr, &count, &error));
  EXPECT_NE(error.find("request 4 of 10"), std::string::npos) << error;
  EXPECT_NE(error.find("9 elements"), std::string::npos) << error;
  EXPECT_FALSE(count.interrupted);

  TestHttpServer server(FakeKServe({}));
  std::atomic<bool> interrupt{true};
  EXPECT_FALSE(RunAccuracyPass(*adapter_, server.url(""), "mlp", data_, 1, kNanosPerSecond,
                               &interrupt, &count, &error));
  EXPECT_TRUE(count.interrupted);
  EXPECT_EQ(count.requests, 0);
}

}  // namespace
}  // namespace servebench
