// Copyright servebench authors.
//
// The KServe v2 response check: which bodies it accepts and rejects (each rejection with a
// reason that names the output), which references it refuses to be built from, and that a
// checker allocates nothing per response once warmed up.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "servebench/protocols/kserve_v2_response_check.h"
#include "servebench/protocols/protocol_adapter.h"

// Counts every allocation of this test program, to show that checking allocates nothing.
namespace {
std::atomic<int64_t> g_allocations{0};
}  // namespace

void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// The nothrow form too (libsimdjson allocates its parser with it): every form a program can
// free through the operator delete below must come from malloc, or AddressSanitizer reports a
// mismatch between its own new and this free.
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace servebench {
namespace {

// digits-mlp's response for one sample, as the TorchScript server writes it.
const char kReference[] =
    R"({"model_name":"digits-mlp","model_version":"1","outputs":[{"name":"OUTPUT__0",)"
    R"("datatype":"FP32","shape":[1,10],"data":[-3.4217851,1.2039485,0.0045128,-0.8823401,)"
    R"(7.912344,-2.1000733,0.33812097,-5.6649127,2.4471338,-1.0923378]}]})";

// A body as the load engine hands it over: followed by kResponseBodyPadding readable bytes.
class PaddedBody {
 public:
  explicit PaddedBody(const std::string& text) {
    text_.reserve(text.size() + kResponseBodyPadding);
    text_ = text;
  }
  std::string_view view() const { return text_; }

 private:
  std::string text_;
};

class KServeResponseCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    check_ = NewKServeV2ResponseCheck(kReference, "ref.json", &error);
    ASSERT_TRUE(check_) << error;
    checker_ = check_->NewChecker();
  }
  bool Accepts(const std::string& body) {
    PaddedBody padded(body);
    std::string why;
    const bool ok = checker_->Check(padded.view(), &why);
    // The fast answer (no reason asked for) is the same.
    EXPECT_EQ(checker_->Check(padded.view(), nullptr), ok) << body;
    if (ok) {
      EXPECT_TRUE(why.empty()) << why;
    }
    return ok;
  }
  std::string Why(const std::string& body) {
    PaddedBody padded(body);
    std::string why;
    EXPECT_FALSE(checker_->Check(padded.view(), &why)) << body;
    return why;
  }
  // The reference with its one output's fields replaced by `output`.
  static std::string WithOutput(const std::string& output) {
    return R"({"model_name":"digits-mlp","outputs":[)" + output + "]}";
  }

  std::shared_ptr<const ResponseCheck> check_;
  std::unique_ptr<ResponseChecker> checker_;
};

constexpr const char* kTen = "[0,1,2,3,4,5,6,7,8,9.5]";

TEST_F(KServeResponseCheckTest, AcceptsResponsesShapedLikeTheReference) {
  EXPECT_TRUE(Accepts(kReference));
  // Other values, other field order, extra fields, nested data, whitespace, escapes.
  EXPECT_TRUE(Accepts(WithOutput(R"({"name":"OUTPUT__0","datatype":"FP32","shape":[1,10],)"
                                 R"("data":)" +
                                 std::string(kTen) + "}")));
  EXPECT_TRUE(Accepts(WithOutput(R"({"data":)" + std::string(kTen) +
                                 R"(,"shape":[1,10],"datatype":"FP32","name":"OUTPUT__0"})")));
  EXPECT_TRUE(Accepts(R"({"id":"7","parameters":{"x":[1,2]},"outputs":[{"name":"OUTPUT__0",)"
                      R"("datatype":"FP32","shape":[1,10],"parameters":{},"data":[[1,2,3,4,5],)"
                      R"([6,7,8,9,1e-3]]}],"model_version":"1"})"));
  EXPECT_TRUE(
      Accepts(" {\n \"outputs\" : [ { \"name\" : \"OUTPUT\\u005f_0\" , \"datatype\" : "
              "\"FP32\" , \"shape\" : [ 1 , 10 ] , \"data\" : " +
              std::string(kTen) + " } ] }\n"));
}

TEST_F(KServeResponseCheckTest, RejectsWrongBodiesNamingWhatIsWrong) {
  const std::string good_data = std::string(",\"data\":") + kTen;
  struct Case {
    std::string body;
    std::string why;
  } cases[] = {
      {WithOutput(
           R"({"name":"OUTPUT__0","datatype":"FP32","shape":[1,10],"data":[1,2,3,4,5,6,7,8,9]})"),
       "output 'OUTPUT__0': 9 data elements, 10 expected"},
      {WithOutput(
           R"({"name":"OUTPUT__0","datatype":"FP32","shape":[1,10],"data":[1,2,3,4,5,6,7,8,9,10,11]})"),
       "output 'OUTPUT__0': 11 data elements, 10 expected"},
      {WithOutput(""), "output 'OUTPUT__0' missing"},
      {R"({"model_name":"digits-mlp"})", "no \"outputs\""},
      {WithOutput(R"({"name":"OUTPUT__0","datatype":"FP32","shape":[10,1])" + good_data + "}"),
       "output 'OUTPUT__0': shape [10,1], [1,10] expected"},
      {WithOutput(R"({"name":"OUTPUT__0","datatype":"FP32","shape":[1,10,1])" + good_data + "}"),
       "output 'OUTPUT__0': shape [1,10,...], [1,10] expected"},
      {WithOutput(R"({"name":"OUTPUT__0","datatype":"FP32")" + good_data + "}"),
       "output 'OUTPUT__0': shape missing, [1,10] expected"},
      {WithOutput(R"({"name":"OUTPUT__0","datatype":"INT64","shape":[1,10])" + good_data + "}"),
       "output 'OUTPUT__0': datatype INT64, FP32 expected"},
      {WithOutput(R"({"name":"OUTPUT__0","shape":[1,10])" + good_data + "}"),
       "output 'OUTPUT__0': datatype missing, FP32 expected"},
      {WithOutput(
           R"({"name":"OUTPUT__0","datatype":"FP32","shape":[1,10],"data":[1,2,3,4,5,6,7,8,9,"x"]})"),
       "output 'OUTPUT__0': data elements that are not FP32"},
      {WithOutput(R"({"name":"OUTPUT__0","datatype":"FP32","shape":[1,10]})"),
       "output 'OUTPUT__0' has no data"},
      {WithOutput(R"({"name":"LOGITS","datatype":"FP32","shape":[1,10])" + good_data + "}"),
       "unexpected output 'LOGITS'"},
      {WithOutput(R"({"name":"OUTPUT__0","datatype":"FP32","shape":[1,10])" + good_data +
                  R"(},{"name":"OUTPUT__0","datatype":"FP32","shape":[1,10])" + good_data + "}"),
       "output 'OUTPUT__0' appears twice"},
      {WithOutput(R"({"datatype":"FP32","shape":[1,10])" + good_data + "}"),
       "an output has no name"},
      {R"({"outputs":{"name":"OUTPUT__0"}})", "\"outputs\" is not an array"},
      {R"({"error":"model is not ready"})",
       "an error response: {\"error\":\"model is not ready\"}"},
      {"[1,2,3]", "not a JSON object: [1,2,3]"},
      {"", "not a JSON object: "},
      {"ok\n", "not a JSON object: ok\n"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Why(c.body), c.why) << c.body;
  }
}

TEST_F(KServeResponseCheckTest, RejectsTruncatedBodies) {
  const std::string reference = kReference;
  // Every cut of the reference short of its last brace is wrong (the last one only lacks the
  // closing brace of the root, after the outputs: still a correct response).
  for (size_t cut = 0; cut + 1 < reference.size(); ++cut) {
    EXPECT_FALSE(Accepts(reference.substr(0, cut))) << reference.substr(0, cut);
  }
}

TEST(KServeResponseCheckMultiTest, OutputsMayComeInAnyOrder) {
  const std::string reference =
      R"({"outputs":[{"name":"a","datatype":"INT64","shape":[1,2],"data":[1,2]},)"
      R"({"name":"b","datatype":"BYTES","shape":[1],"data":["x"]},)"
      R"({"name":"c","datatype":"BOOL","shape":[2],"data":[true,false]}]})";
  std::string error;
  auto check = NewKServeV2ResponseCheck(reference, "ref", &error);
  ASSERT_TRUE(check) << error;
  EXPECT_EQ(check->Describe(), "KServe v2 outputs as in ref: a INT64 [1,2] b BYTES [1] c BOOL [2]");
  auto checker = check->NewChecker();
  PaddedBody swapped(
      R"({"outputs":[{"name":"c","datatype":"BOOL","shape":[2],"data":[false,true]},)"
      R"({"name":"a","datatype":"INT64","shape":[1,2],"data":[7,8]},)"
      R"({"name":"b","datatype":"BYTES","shape":[1],"data":["yy"]}]})");
  EXPECT_TRUE(checker->Check(swapped.view(), nullptr));
  PaddedBody wrong_kind(R"({"outputs":[{"name":"c","datatype":"BOOL","shape":[2],"data":[0,1]},)"
                        R"({"name":"a","datatype":"INT64","shape":[1,2],"data":[7,8]},)"
                        R"({"name":"b","datatype":"BYTES","shape":[1],"data":["yy"]}]})");
  std::string why;
  EXPECT_FALSE(checker->Check(wrong_kind.view(), &why));
  EXPECT_EQ(why, "output 'c': data elements that are not BOOL");
  PaddedBody one_missing(
      R"({"outputs":[{"name":"a","datatype":"INT64","shape":[1,2],"data":[7,8]},)"
      R"({"name":"c","datatype":"BOOL","shape":[2],"data":[true,true]}]})");
  EXPECT_FALSE(checker->Check(one_missing.view(), &why));
  EXPECT_EQ(why, "output 'b' missing");
}

TEST(KServeResponseCheckReferenceTest, RefusesReferencesThatAreNotCorrectResponses) {
  const struct {
    std::string reference;
    std::string error;
  } cases[] = {
      {"not json",
       "ref.json is not a correct KServe v2 inference response: not a JSON object: "
       "not json"},
      {R"({"error":"boom"})",
       "ref.json is not a correct KServe v2 inference response: an error response: "
       "{\"error\":\"boom\"}"},
      {R"({"outputs":[]})",
       "ref.json is not a correct KServe v2 inference response: no \"outputs\" array"},
      {R"({"outputs":[{"name":"y","datatype":"FP32","shape":[1,3],"data":[1,2]}]})",
       "ref.json is not a correct KServe v2 inference response: output 'y': 2 data elements "
       "for shape [1,3] (3)"},
      {R"({"outputs":[{"name":"y","datatype":"FP32","shape":[1,2],"parameters":)"
       R"({"binary_data_size":8}}]})",
       "ref.json is not a correct KServe v2 inference response: output 'y' has no \"data\" "
       "(binary outputs cannot be checked)"},
      {R"({"outputs":[{"name":"y","datatype":"FP32","shape":[1,-2],"data":[]}]})",
       "ref.json is not a correct KServe v2 inference response: output 'y': bad shape [1,-2]"},
      {R"({"outputs":[{"name":"y","datatype":"FP32","shape":[1,4294967296,4294967296],"data":[]}]})",
       "ref.json is not a correct KServe v2 inference response: output 'y': shape "
       "[1,4294967296,4294967296] has too many elements"},
      {R"({"outputs":[{"name":"y","datatype":"FP32","shape":[2],"data":[1,"a"]}]})",
       "ref.json is not a correct KServe v2 inference response: output 'y': data elements that "
       "are not FP32"},
  };
  for (const auto& c : cases) {
    std::string error;
    EXPECT_FALSE(NewKServeV2ResponseCheck(c.reference, "ref.json", &error)) << c.reference;
    EXPECT_EQ(error, c.error);
  }
}

TEST(KServeResponseCheckReferenceTest, TheAdapterBuildsTheSameCheck) {
  std::string error;
  auto check =
      NewProtocolAdapter(kKServeV2Rest)->NewResponseCheck(kReference, "the first response", &error);
  ASSERT_TRUE(check) << error;
  EXPECT_EQ(check->Describe(), "KServe v2 outputs as in the first response: OUTPUT__0 FP32 [1,10]");
}

TEST_F(KServeResponseCheckTest, CheckingAllocatesNothingPerResponse) {
  const PaddedBody good(kReference);
  const PaddedBody bad(WithOutput(R"({"name":"OUTPUT__0","datatype":"FP32","shape":[1,10],)"
                                  R"("data":[1,2,3]})"));
  // The first check sizes the checker's parser; after that, none may allocate.
  ASSERT_TRUE(checker_->Check(good.view(), nullptr));
  const int64_t before = g_allocations.load();
  int accepted = 0;
  for (int i = 0; i < 1000; ++i) {
    accepted += checker_->Check(good.view(), nullptr);
    accepted += checker_->Check(bad.view(), nullptr);
  }
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_EQ(accepted, 1000);
  // The counter does see allocations: asking why builds a message.
  std::string why;
  EXPECT_FALSE(checker_->Check(bad.view(), &why));
  EXPECT_GT(g_allocations.load() - before, 0);
}

}  // namespace
}  // namespace servebench
