// Unit tests of the torch-free layers: config parsing, the REST codec, request validation and
// the dynamic batcher (with a fake model).
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <future>
#include <thread>

#include "infer_request.h"
#include "model_config.h"
#include "model_scheduler.h"
#include "rest_codec.h"

namespace servebench::ts {
namespace {

constexpr char kMlpConfig[] = R"(
name: "m"
platform: "pytorch_libtorch"
max_batch_size: 8
input [ { name: "IN" data_type: TYPE_FP32 dims: [ 4 ] } ]
output [ { name: "OUT" data_type: TYPE_FP32 dims: [ 4 ] } ]
instance_group [ { count: 2 kind: KIND_CPU } ]
dynamic_batching { preferred_batch_size: [ 4, 2 ] max_queue_delay_microseconds: 100 }
parameters: { key: "INTRA_OP_THREAD_COUNT" value: { string_value: "3" } }
)";

TEST(TorchScriptConfigTest, ParsesTheSupportedSubset) {
  ModelSpec spec;
  Status st = ParseModelConfig(kMlpConfig, "m/config.pbtxt", "m", &spec);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(spec.max_batch_size, 8);
  ASSERT_EQ(spec.inputs.size(), 1u);
  EXPECT_EQ(spec.inputs[0].type, DataType::kFp32);
  EXPECT_EQ(spec.inputs[0].dims, Shape({4}));
  EXPECT_TRUE(spec.dynamic_batching);
  EXPECT_EQ(spec.preferred_batch_sizes, std::vector<int>({2, 4}));
  EXPECT_EQ(spec.max_queue_delay_us, 100);
  EXPECT_EQ(spec.instance_count, 2);
  EXPECT_EQ(spec.intra_op_threads, 3);
  EXPECT_EQ(FullShape(spec, spec.inputs[0]), Shape({-1, 4}));

  EXPECT_EQ(spec.quantized_engine, "");  // libtorch's default
  ModelSpec qspec;
  st = ParseModelConfig(std::string(kMlpConfig) +
                            "parameters: { key: \"QUANTIZED_ENGINE\" value: { string_value: "
                            "\"qnnpack\" } }\n",
                        "m/config.pbtxt", "m", &qspec);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(qspec.quantized_engine, "qnnpack");

  // Several CPU groups add up; a group without a count is one instance.
  std::string groups = kMlpConfig;
  groups.replace(
      groups.find("instance_group [ { count: 2 kind: KIND_CPU } ]"),
      std::string("instance_group [ { count: 2 kind: KIND_CPU } ]").size(),
      "instance_group [ { count: 2 kind: KIND_CPU }, { kind: KIND_CPU }, { count: 3 } ]");
  ModelSpec spec2;
  st = ParseModelConfig(groups, "m/config.pbtxt", "m", &spec2);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(spec2.instance_count, 6);
}

void ExpectConfigError(const std::string& text, const std::string& field) {
  ModelSpec spec;
  Status st = ParseModelConfig(text, "repo/m/config.pbtxt", "m", &spec);
  ASSERT_FALSE(st.ok()) << "accepted: " << text;
  EXPECT_NE(st.message().find("repo/m/config.pbtxt"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(field), std::string::npos) << st.message();
}

TEST(TorchScriptConfigTest, RejectsUnknownAndInvalidFieldsNamingFileAndField) {
  const std::string io = R"(input [ { name: "I" data_type: TYPE_FP32 dims: [ 4 ] } ]
output [ { name: "O" data_type: TYPE_FP32 dims: [ 4 ] } ])";
  ExpectConfigError("bogus: 1\n" + io, "bogus");
  ExpectConfigError("max_batch_size: -1\n" + io, "max_batch_size");
  ExpectConfigError("name: \"other\"\n" + io, "name");
  ExpectConfigError("platform: \"tensorflow_savedmodel\"\n" + io, "platform");
  ExpectConfigError(io + "\ninstance_group [ { kind: KIND_GPU } ]", "instance_group[0].kind");
  ExpectConfigError(io + "\ninstance_group [ { count: 1 }, { count: 65 } ]",
                    "instance_group[1].count");
  ExpectConfigError(io + "\ninstance_group [ { count: 40 }, { count: 40 } ]", "80 instances");
  ExpectConfigError(io + "\nparameters: { key: \"INTRA_OP_THREAD_COUNT\" value: { string_value: "
                         "\"x\" } }",
                    "INTRA_OP_THREAD_COUNT");
  ExpectConfigError(io + "\nparameters: { key: \"WHATEVER\" value: { string_value: \"1\" } }",
                    "WHATEVER");
  ExpectConfigError(
      io + "\nparameters: { key: \"QUANTIZED_ENGINE\" value: { string_value: \"fast\" } }",
      "QUANTIZED_ENGINE");
  ExpectConfigError(
      "max_batch_size: 4\n" + io + "\ndynamic_batching { preferred_batch_size: [ 9 ] }",
      "preferred_batch_size");
  ExpectConfigError(io + "\ndynamic_batching { }", "dynamic_batching");
  ExpectConfigError(
      "input [ { name: \"I\" data_type: TYPE_STRING dims: [ 1 ] } ]\n"
      "output [ { name: \"O\" data_type: TYPE_FP32 dims: [ 1 ] } ]",
      "input[0].data_type");
  ExpectConfigError(
      "input [ { name: \"I\" data_type: TYPE_FP32 dims: [ 0 ] } ]\n"
      "output [ { name: \"O\" data_type: TYPE_FP32 dims: [ 1 ] } ]",
      "input[0].dims");
  ExpectConfigError("output [ { name: \"O\" data_type: TYPE_FP32 dims: [ 1 ] } ]", "input");
}

ModelSpec TwoInputSpec() {
  ModelSpec spec;
  spec.name = "m";
  spec.max_batch_size = 4;
  spec.inputs = {{"A", DataType::kFp32, {2}}, {"B", DataType::kInt64, {-1}}};
  spec.outputs = {{"O", DataType::kFp32, {2}}, {"P", DataType::kInt8, {1}}};
  return spec;
}

TEST(TorchScriptCodecTest, ParsesNestedFlatAndBinaryData) {
  std::string a = "\x01\x00\x00\x00\x02\x00\x00\x00";
  std::string header = R"({"id":"7","inputs":[
    {"name":"B","datatype":"INT64","shape":[1,2],"parameters":{"binary_data_size":16}},
    {"name":"A","datatype":"FP32","shape":[1,2],"data":[[1.5,-2]]}],
    "outputs":[{"name":"P","parameters":{"binary_data":true}}]})";
  std::string body = header + std::string(16, '\0');
  std::memcpy(body.data() + header.size(), "\x05\0\0\0\0\0\0\0\x06\0\0\0\0\0\0\0", 16);
  InferRequest req;
  Status st = ParseRestInferRequest(body, header.size(), &req);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(req.id, "7");
  ASSERT_EQ(req.inputs.size(), 2u);
  EXPECT_EQ(req.inputs[0].data.size(), 16u);
  float f[2];
  std::memcpy(f, req.inputs[1].data.data(), 8);
  EXPECT_EQ(f[0], 1.5f);
  EXPECT_EQ(f[1], -2.0f);

  // FP32 has a fast path for flat arrays; nesting at any depth, or a number beside an array,
  // takes the general path and gives the same row-major values.
  for (const char* data :
       {"[1,2,3,4]", "[[1,2],[3,4]]", "[[[1],[2]],[[3],[4]]]", "[1,[2,[3]],4]"}) {
    std::string json =
        std::string(R"({"inputs":[{"name":"A","datatype":"FP32","shape":[2,2],"data":)") + data +
        "}]}";
    InferRequest r;
    Status s = ParseRestInferRequest(json, json.size(), &r);
    ASSERT_TRUE(s.ok()) << data << ": " << s.message();
    float v[4];
    ASSERT_EQ(r.inputs[0].data.size(), sizeof(v)) << data;
    std::memcpy(v, r.inputs[0].data.data(), sizeof(v));
    EXPECT_EQ(std::vector<float>(v, v + 4), std::vector<float>({1, 2, 3, 4})) << data;
  }

  // simdjson counts array elements only up to 0xFFFFFF: a flat array longer than that (it
  // fits in the default 64 MiB body as "0,0,...") must still be read whole and exactly.
  {
    constexpr size_t kCount = 0xFFFFFF + 3;
    std::string json = R"({"inputs":[{"name":"A","datatype":"FP32","shape":[)" +
                       std::to_string(kCount) + R"(],"data":[)";
    json.reserve(json.size() + 2 * kCount + 8);
    for (size_t i = 0; i + 1 < kCount; ++i) json += "0,";
    json += "7]}]}";
    InferRequest big;
    Status s = ParseRestInferRequest(json, json.size(), &big);
    ASSERT_TRUE(s.ok()) << s.message();
    ASSERT_EQ(big.inputs[0].data.size(), kCount * sizeof(float));
    float last;
    std::memcpy(&last, big.inputs[0].data.data() + (kCount - 1) * sizeof(float), sizeof(last));
    EXPECT_EQ(last, 7.0f);
  }

  PreparedRequest prepared;
  st = PrepareRequest(TwoInputSpec(), &req, &prepared);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(prepared.inputs[0].name, "A");  // reordered as the model takes them
  EXPECT_EQ(prepared.batch_size, 1);
  EXPECT_EQ(prepared.output_indices, std::vector<int>({1}));
  EXPECT_EQ(prepared.output_binary, std::vector<bool>({true}));
}

TEST(TorchScriptCodecTest, RejectsBadRequestsWithReasons) {
  struct Case {
    const char* body;
    const char* words;
  };
  const Case cases[] = {
      {"not json", "malformed JSON"},
      {R"({"inputs":{}})", "inputs"},
      {R"({"inputs":[{"datatype":"FP32","shape":[1],"data":[1]}]})", "name"},
      {R"({"inputs":[{"name":"A","datatype":"FP33","shape":[1],"data":[1]}]})", "FP33"},
      {R"({"inputs":[{"name":"A","datatype":"FP32","shape":[-1],"data":[1]}]})", "shape"},
      {R"({"inputs":[{"name":"A","datatype":"FP32","shape":[2],"data":[1]}]})", "2 elements"},
      {R"({"inputs":[{"name":"A","datatype":"FP32","shape":[1],"data":[1,2]}]})", "more elements"},
      {R"({"inputs":[{"name":"A","datatype":"INT8","shape":[1],"data":[300]}]})", "range"},
      {R"({"inputs":[{"name":"A","datatype":"INT32","shape":[1],"data":[1.5]}]})", "integer"},
      {R"({"inputs":[{"name":"A","datatype":"BOOL","shape":[1],"data":[1]}]})", "true or false"},
      {R"({"inputs":[{"name":"A","datatype":"FP32","shape":[1],"data":["x"]}]})", "number"},
      {R"({"inputs":[{"name":"A","datatype":"FP32","shape":[2],"data":[1,[2,3]]}]})",
       "more elements"},
      {R"({"inputs":[{"name":"A","datatype":"FP32","shape":[2],"data":[1,null]}]})", "number"},
      {R"({"inputs":[{"name":"A","datatype":"FP32","shape":[1099511627776,1099511627776],"data":[]}]})",
       "too large"},
      {R"({"inputs":[{"name":"A","datatype":"FP32","shape":[1],"parameters":{"binary_data_size":4}}]})",
       "binary_data_size"},
  };
  for (const Case& c : cases) {
    InferRequest req;
    Status st = ParseRestInferRequest(c.body, std::strlen(c.body), &req);
    EXPECT_FALSE(st.ok()) << c.body;
    EXPECT_NE(st.message().find(c.words), std::string::npos) << c.body << " -> " << st.message();
  }
}

TEST(TorchScriptCodecTest, ValidationNamesExpectedAndReceived) {
  auto check = [](const char* body, const char* a, const char* b) {
    InferRequest req;
    ASSERT_TRUE(ParseRestInferRequest(body, std::strlen(body), &req).ok()) << body;
    PreparedRequest prepared;
    Status st = PrepareRequest(TwoInputSpec(), &req, &prepared);
    ASSERT_FALSE(st.ok()) << body;
    EXPECT_NE(st.message().find(a), std::string::npos) << st.message();
    EXPECT_NE(st.message().find(b), std::string::npos) << st.message();
  };
  check(R"({"inputs":[{"name":"A","datatype":"FP64","shape":[1,2],"data":[1,2]},
                      {"name":"B","datatype":"INT64","shape":[1,1],"data":[1]}]})",
        "FP32", "FP64");
  check(R"({"inputs":[{"name":"A","datatype":"FP32","shape":[1,3],"data":[1,2,3]},
                      {"name":"B","datatype":"INT64","shape":[1,1],"data":[1]}]})",
        "[-1,2]", "[1,3]");
  check(R"({"inputs":[{"name":"A","datatype":"FP32","shape":[1,2],"data":[1,2]}]})", "missing",
        "B");
  check(R"({"inputs":[{"name":"C","datatype":"FP32","shape":[1,2],"data":[1,2]}]})", "'C'", "'A'");
  check(R"({"inputs":[{"name":"A","datatype":"FP32","shape":[5,2],"data":[1,2,3,4,5,6,7,8,9,0]},
                      {"name":"B","datatype":"INT64","shape":[5,1],"data":[1,1,1,1,1]}]})",
        "batch size 5", "1..4");
  check(R"({"inputs":[{"name":"A","datatype":"FP32","shape":[1,2],"data":[1,2]},
                      {"name":"B","datatype":"INT64","shape":[2,1],"data":[1,1]}]})",
        "batch size 2", "1");
  check(R"({"inputs":[{"name":"A","datatype":"FP32","shape":[1,2],"data":[1,2]},
                      {"name":"A","datatype":"FP32","shape":[1,2],"data":[3,4]}]})",
        "'A'", "twice");
  check(R"({"inputs":[{"name":"A","datatype":"FP32","shape":[1],"data":[1]},
                      {"name":"B","datatype":"INT64","shape":[1,1],"data":[1]}]})",
        "[-1,2]", "[1]");
}

TEST(TorchScriptCodecTest, EncodesJsonAndBinaryOutputs) {
  Tensor t{"O", DataType::kFp32, {1, 2}, std::string(8, '\0')};
  float v[2] = {0.5f, -3.0f};
  std::memcpy(t.data.data(), v, 8);
  Tensor h{"H", DataType::kFp16, {1}, std::string(2, '\0')};
  uint16_t half = FloatToHalf(1.5f);
  std::memcpy(h.data.data(), &half, 2);
  size_t json_length = 0;
  std::string body = EncodeRestInferResponse("m", "1", "x\"y", {t, h}, {true, false}, &json_length);
  EXPECT_EQ(body.size(), json_length + 8);
  std::string json = body.substr(0, json_length);
  EXPECT_NE(json.find(R"("id":"x\"y")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("binary_data_size":8)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("data":[1.5])"), std::string::npos) << json;
  EXPECT_EQ(body.substr(json_length), t.data);
  EXPECT_EQ(HalfToFloat(FloatToHalf(-0.000061035156f)), -0.000061035156f);
  EXPECT_EQ(HalfToFloat(FloatToHalf(65504.0f)), 65504.0f);
}

// A fake model: OUT = IN + 1, recording the batch sizes it ran.
class FakeRunner : public ModelRunner {
 public:
  explicit FakeRunner(std::vector<int64_t>* batches, std::mutex* mu) : batches_(batches), mu_(mu) {}
  Status Run(const std::vector<Tensor>& inputs, std::vector<Tensor>* outputs,
             RunTimings*) override {
    {
      std::lock_guard<std::mutex> lock(*mu_);
      batches_->push_back(inputs[0].shape[0]);
    }
    Tensor out = inputs[0];
    out.name = "OUT";
    for (size_t i = 0; i < out.data.size(); i += 4) {
      float f;
      std::memcpy(&f, out.data.data() + i, 4);
      f += 1;
      std::memcpy(out.data.data() + i, &f, 4);
    }
    outputs->push_back(std::move(out));
    return Status::Ok();
  }

 private:
  std::vector<int64_t>* batches_;
  std::mutex* mu_;
};

TEST(TorchScriptSchedulerTest, BatchesWithinLimitsAndSplitsResults) {
  ModelSpec spec;
  ASSERT_TRUE(ParseModelConfig(kMlpConfig, "m", "m", &spec).ok());
  spec.instance_count = 1;
  spec.max_queue_delay_us = 20000;
  std::vector<int64_t> batches;
  std::mutex mu;
  std::vector<std::unique_ptr<ModelRunner>> runners;
  runners.push_back(std::make_unique<FakeRunner>(&batches, &mu));
  ModelStats stats;
  ModelScheduler scheduler(spec, std::move(runners), &stats);

  constexpr int kJobs = 24;
  std::vector<std::promise<float>> results(kJobs);
  for (int i = 0; i < kJobs; ++i) {
    auto job = std::make_unique<InferJob>();
    Tensor in{"IN", DataType::kFp32, {1, 4}, std::string(16, '\0')};
    float v[4] = {float(i), float(i), float(i), float(i)};
    std::memcpy(in.data.data(), v, 16);
    job->request.inputs.push_back(std::move(in));
    job->request.batch_size = 1;
    job->request.output_indices = {0};
    job->request.output_binary = {false};
    job->received = Clock::now();
    job->done = [&results, i](const Status& st, std::vector<Tensor>&& out, const PreparedRequest&) {
      float f = -1;
      if (st.ok() && out.size() == 1 && out[0].data.size() == 16)
        std::memcpy(&f, out[0].data.data(), 4);
      results[i].set_value(f);
    };
    ASSERT_TRUE(scheduler.Enqueue(std::move(job)).ok());
  }
  for (int i = 0; i < kJobs; ++i) EXPECT_EQ(results[i].get_future().get(), float(i + 1));
  scheduler.Stop();
  int64_t total = 0;
  for (int64_t b : batches) {
    EXPECT_LE(b, 8);
    total += b;
  }
  EXPECT_EQ(total, kJobs);
  EXPECT_LT(batches.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(stats.inference_count.load(), static_cast<uint64_t>(kJobs));
  EXPECT_EQ(stats.execution_count.load(), batches.size());
  auto job = std::make_unique<InferJob>();
  EXPECT_EQ(scheduler.Enqueue(std::move(job)).code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace servebench::ts
