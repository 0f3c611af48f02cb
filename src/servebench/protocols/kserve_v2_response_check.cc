// Copyright servebench authors.

#include "servebench/protocols/kserve_v2_response_check.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "servebench/protocols/shape_elements.h"

namespace servebench {

namespace {

namespace ondemand = simdjson::ondemand;
using nlohmann::json;

static_assert(kResponseBodyPadding >= simdjson::SIMDJSON_PADDING,
              "the load engine's body padding must cover simdjson's");

// Data nested deeper than this is not a tensor a server sends; stops a hostile body's recursion.
constexpr int kMaxDataDepth = 32;

// Leaf kinds as a bit set over simdjson's json_type.
constexpr unsigned Kind(ondemand::json_type type) { return 1u << static_cast<unsigned>(type); }
constexpr unsigned kNumber = Kind(ondemand::json_type::number);
constexpr unsigned kBoolean = Kind(ondemand::json_type::boolean);
constexpr unsigned kString = Kind(ondemand::json_type::string);

// The JSON kinds a datatype's elements may take; any scalar when the datatype is not one of
// KServe v2's (or the reference gave none).
unsigned KindsOf(const std::string& datatype) {
  if (datatype == "BOOL") return kBoolean;
  if (datatype == "BYTES") return kString;
  static const char* const kNumeric[] = {"UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16",
                                         "INT32", "INT64",  "FP16",   "FP32",   "FP64", "BF16"};
  for (const char* t : kNumeric) {
    if (datatype == t) return kNumber;
  }
  return kNumber | kBoolean | kString;
}

struct ExpectedOutput {
  std::string name;
  std::string datatype;  // empty: the reference gave none, so none is required
  std::vector<int64_t> shape;
  int64_t elements = 0;  // the product of shape
  unsigned kinds = 0;    // the JSON kinds its elements may take
};

std::string ShapeText(const int64_t* dims, size_t known, size_t rank) {
  std::string text = "[";
  for (size_t i = 0; i < known; ++i) {
    if (i > 0) text += ',';
    text += std::to_string(dims[i]);
  }
  if (known < rank) text += ",...";
  return text + "]";
}

std::string Excerpt(std::string_view body) {
  constexpr size_t kMax = 120;
  return body.size() <= kMax ? std::string(body) : std::string(body.substr(0, kMax)) + "...";
}

// Says why a response failed, building the message only when it is asked for: the hot path
// passes no `why` and allocates nothing.
template <typename Describe>
bool Fail(std::string* why, Describe describe) {
  if (why != nullptr) *why = describe();
  return false;
}

// Counts the scalars of `value` (a nested array, or one scalar) and notes their kinds.
bool CountDataElements(ondemand::value value, int depth, int64_t* elements, unsigned* kinds) {
  ondemand::json_type type;
  if (value.type().get(type)) return false;
  if (type != ondemand::json_type::array) {
    ++*elements;
    *kinds |= Kind(type);
    return true;
  }
  if (depth >= kMaxDataDepth) return false;
  ondemand::array array;
  if (value.get_array().get(array)) return false;
  for (auto item : array) {
    ondemand::value element;
    if (item.get(element) || !CountDataElements(element, depth + 1, elements, kinds)) return false;
  }
  return true;
}

class Checker final : public ResponseChecker {
 public:
  explicit Checker(const std::vector<ExpectedOutput>& expected) : expected_(expected) {
    size_t rank = 1;
    for (const ExpectedOutput& e : expected) rank = std::max(rank, e.shape.size());
    shape_.resize(rank);
    seen_.resize(expected.size());
  }

  bool Check(std::string_view body, std::string* why) override {
    const simdjson::padded_string_view padded(body.data(), body.size(),
                                              body.size() + kResponseBodyPadding);
    ondemand::document document;
    ondemand::object root;
    if (parser_.iterate(padded).get(document) || document.get_object().get(root)) {
      return Fail(why, [&] { return "not a JSON object: " + Excerpt(body); });
    }
    bool have_outputs = false;
    for (auto field : root) {
      ondemand::raw_json_string key;
      if (field.key().get(key))
        return Fail(why, [&] { return "malformed JSON: " + Excerpt(body); });
      if (key == "error") return Fail(why, [&] { return "an error response: " + Excerpt(body); });
      if (key == "outputs") {
        ondemand::array outputs;
        if (field.value().get_array().get(outputs)) {
          return Fail(why, [] { return std::string("\"outputs\" is not an array"); });
        }
        if (!CheckOutputs(outputs, why)) return false;
        have_outputs = true;
      }
    }
    if (!have_outputs) return Fail(why, [] { return std::string("no \"outputs\""); });
    return true;
  }

 private:
  bool CheckOutputs(ondemand::array outputs, std::string* why) {
    std::fill(seen_.begin(), seen_.end(), false);
    for (auto item : outputs) {
      ondemand::object output;
      if (item.get_object().get(output)) {
        return Fail(why, [] { return std::string("an output is not a JSON object"); });
      }
      if (!CheckOutput(output, why)) return false;
    }
    for (size_t i = 0; i < expected_.size(); ++i) {
      if (!seen_[i]) return Fail(why, [&] { return "output '" + expected_[i].name + "' missing"; });
    }
    return true;
  }

  // The fields of an output may come in any order: they are read first, then compared.
  bool CheckOutput(ondemand::object output, std::string* why) {
    std::string_view name, datatype;
    bool have_name = false, have_datatype = false, have_shape = false, have_data = false;
    size_t rank = 0;
    int64_t elements = 0;
    unsigned kinds = 0;
    for (auto field : output) {
      ondemand::raw_json_string key;
      if (field.key().get(key)) return Fail(why, [] { return std::string("malformed output"); });
      if (key == "name") {
        if (field.value().get_string().get(name)) {
          return Fail(why, [] { return std::string("an output's name is not a string"); });
        }
        have_name = true;
      } else if (key == "datatype") {
        if (field.value().get_string().get(datatype)) {
          return Fail(why, [] { return std::string("an output's datatype is not a string"); });
        }
        have_datatype = true;
      } else if (key == "shape") {
        ondemand::array dims;
        if (field.value().get_array().get(dims)) {
          return Fail(why, [] { return std::string("an output's shape is not an array"); });
        }
        for (auto dim : dims) {
          int64_t n = 0;
          if (dim.get_int64().get(n)) {
            return Fail(why, [] { return std::string("an output's shape holds a non-integer"); });
          }
          if (rank < shape_.size()) shape_[rank] = n;
          ++rank;
        }
        have_shape = true;
      } else if (key == "data") {
        ondemand::value data;
        if (field.value().get(data) || !CountDataElements(data, 0, &elements, &kinds)) {
          return Fail(why, [] { return std::string("an output's data is malformed"); });
        }
        have_data = true;
      }
    }
    if (!have_name) return Fail(why, [] { return std::string("an output has no name"); });
    size_t index = 0;
    while (index < expected_.size() && expected_[index].name != name) ++index;
    if (index == expected_.size()) {
      return Fail(why, [&] { return "unexpected output '" + std::string(name) + "'"; });
    }
    const ExpectedOutput& e = expected_[index];
    if (seen_[index]) return Fail(why, [&] { return "output '" + e.name + "' appears twice"; });
    seen_[index] = true;
    if (!e.datatype.empty() && (!have_datatype || datatype != e.datatype)) {
      return Fail(why, [&] {
        return "output '" + e.name + "': datatype " +
               (have_datatype ? std::string(datatype) : "missing") + ", " + e.datatype +
               " expected";
      });
    }
    if (!have_shape || rank != e.shape.size() ||
        !std::equal(e.shape.begin(), e.shape.end(), shape_.begin())) {
      return Fail(why, [&] {
        return "output '" + e.name + "': shape " +
               (have_shape ? ShapeText(shape_.data(), std::min(rank, shape_.size()), rank)
                           : std::string("missing")) +
               ", " + ShapeText(e.shape.data(), e.shape.size(), e.shape.size()) + " expected";
      });
    }
    if (!have_data) return Fail(why, [&] { return "output '" + e.name + "' has no data"; });
    if (elements != e.elements) {
      return Fail(why, [&] {
        return "output '" + e.name + "': " + std::to_string(elements) + " data elements, " +
               std::to_string(e.elements) + " expected";
      });
    }
    if ((kinds & ~e.kinds) != 0) {
      return Fail(why, [&] {
        return "output '" + e.name + "': data elements that are not " +
               (e.datatype.empty() ? std::string("scalars") : e.datatype);
      });
    }
    return true;
  }

  const std::vector<ExpectedOutput>& expected_;
  ondemand::parser parser_;
  std::vector<int64_t> shape_;  // the dimensions read, up to the largest expected rank
  std::vector<bool> seen_;      // which expected outputs the response has had
};

using KServeV2ResponseCheck = ExpectedResponseCheck<Checker, std::vector<ExpectedOutput>>;

// The scalars of a reference output's data, and their kinds; false on a non-scalar leaf.
bool CountReferenceLeaves(const json& value, int depth, int64_t* elements, unsigned* kinds) {
  if (value.is_array()) {
    if (depth >= kMaxDataDepth) return false;
    for (const json& v : value) {
      if (!CountReferenceLeaves(v, depth + 1, elements, kinds)) return false;
    }
    return true;
  }
  ++*elements;
  if (value.is_number()) {
    *kinds |= kNumber;
  } else if (value.is_boolean()) {
    *kinds |= kBoolean;
  } else if (value.is_string()) {
    *kinds |= kString;
  } else {
    return false;
  }
  return true;
}

bool ReadExpectedOutput(const json& output, std::vector<ExpectedOutput>* expected,
                        std::string* error) {
  if (!output.is_object() || !output.contains("name") || !output["name"].is_string()) {
    *error = "an output without a name: " + output.dump().substr(0, 120);
    return false;
  }
  ExpectedOutput e;
  e.name = output["name"].get<std::string>();
  for (const ExpectedOutput& other : *expected) {
    if (other.name == e.name) {
      *error = "output '" + e.name + "' appears twice";
      return false;
    }
  }
  if (output.contains("datatype")) {
    if (!output["datatype"].is_string()) {
      *error = "output '" + e.name + "': datatype is not a string";
      return false;
    }
    e.datatype = output["datatype"].get<std::string>();
  }
  if (!output.contains("shape") || !output["shape"].is_array()) {
    *error = "output '" + e.name + "' has no shape";
    return false;
  }
  e.elements = 1;
  for (const json& dim : output["shape"]) {
    if (!dim.is_number_integer() || dim.get<int64_t>() < 0) {
      *error = "output '" + e.name + "': bad shape " + output["shape"].dump();
      return false;
    }
    e.shape.push_back(dim.get<int64_t>());
    if (!MultiplyElements(e.shape.back(), &e.elements)) {
      *error =
          "output '" + e.name + "': shape " + output["shape"].dump() + " has too many elements";
      return false;
    }
  }
  if (!output.contains("data")) {
    *error = "output '" + e.name + "' has no \"data\" (binary outputs cannot be checked)";
    return false;
  }
  int64_t leaves = 0;
  unsigned kinds = 0;
  e.kinds = KindsOf(e.datatype);
  if (!CountReferenceLeaves(output["data"], 0, &leaves, &kinds) || (kinds & ~e.kinds) != 0) {
    *error = "output '" + e.name + "': data elements that are not " +
             (e.datatype.empty() ? std::string("scalars") : e.datatype);
    return false;
  }
  if (leaves != e.elements) {
    *error = "output '" + e.name + "': " + std::to_string(leaves) + " data elements for shape " +
             output["shape"].dump() + " (" + std::to_string(e.elements) + ")";
    return false;
  }
  expected->push_back(std::move(e));
  return true;
}

}  // namespace

std::shared_ptr<const ResponseCheck> NewKServeV2ResponseCheck(const std::string& reference,
                                                              const std::string& origin,
                                                              std::string* error) {
  const json response = json::parse(reference, nullptr, /*allow_exceptions=*/false);
  std::string problem;
  std::vector<ExpectedOutput> expected;
  if (response.is_discarded() || !response.is_object()) {
    problem = "not a JSON object: " + Excerpt(reference);
  } else if (response.contains("error")) {
    problem = "an error response: " + Excerpt(reference);
  } else if (!response.contains("outputs") || !response["outputs"].is_array() ||
             response["outputs"].empty()) {
    problem = "no \"outputs\" array";
  } else {
    for (const json& output : response["outputs"]) {
      if (!ReadExpectedOutput(output, &expected, &problem)) break;
    }
  }
  if (!problem.empty()) {
    *error = origin + " is not a correct KServe v2 inference response: " + problem;
    return nullptr;
  }
  std::string description = "KServe v2 outputs as in " + origin + ":";
  for (const ExpectedOutput& e : expected) {
    description += " " + e.name + (e.datatype.empty() ? "" : " " + e.datatype) + " " +
                   ShapeText(e.shape.data(), e.shape.size(), e.shape.size());
  }
  return std::make_shared<KServeV2ResponseCheck>(std::move(expected), std::move(description));
}

}  // namespace servebench
