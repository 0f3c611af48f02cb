// Copyright servebench authors.
//
// Reading a JSON document into typed values, with an error that names the field. Records are
// read back from disk (the journal, results.json) by `servebench report` and `--resume`; a
// damaged or foreign file must end in a clear message ("levels[0].load.throughput_rps: expected
// a number, got \"fast\""), never in an exception or a guess.
//
// A type T is readable when it has a member `void Read(JsonReader* in)` that reads its fields
// from an object reader:
//
//   void LevelRecord::Read(JsonReader* in) {
//     in->Field("windows", &windows);          // required
//     in->Field("recovery_s", &recovery_s);    // std::optional: absent or null is nullopt
//     in->Field("load", &load);                // a readable type: its own Read, one level down
//   }
//
// The first error wins; reads after it do nothing, so a Read need not check as it goes.

#ifndef SERVEBENCH_CORE_JSON_READER_H_
#define SERVEBENCH_CORE_JSON_READER_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace servebench {

class JsonReader;

template <typename T>
concept JsonReadable = requires(T* t, JsonReader* in) {
  t->Read(in);
};

class JsonReader {
 public:
  // A reader of `value`, which must be an object; the first error goes to *error as
  // "<path>: <problem>" (the path empty for `value` itself).
  JsonReader(const nlohmann::json& value, std::string* error);
  JsonReader(const JsonReader&) = delete;  // nested readers point at the root's state
  JsonReader& operator=(const JsonReader&) = delete;

  bool ok() const { return !*failed_; }
  const nlohmann::json& value() const { return *value_; }

  // Reads the field `key` of this object into *out. A plain T is required; a std::optional<T>
  // reads absent or null as std::nullopt. T is bool, int, int64_t, double, std::string,
  // nlohmann::json (any value, copied), std::vector<T>, std::map<std::string, T> or a
  // JsonReadable type.
  template <typename T>
  void Field(const char* key, T* out) {
    if (!ok()) return;
    auto it = value_->find(key);
    if constexpr (IsOptional<T>::value) {
      if (it == value_->end() || it->is_null()) {
        out->reset();
        return;
      }
      typename T::value_type v{};
      ReadValue(*it, Join(key), &v);
      *out = std::move(v);
    } else {
      if (it == value_->end()) {
        FailAt(Join(key), "missing");
        return;
      }
      ReadValue(*it, Join(key), out);
    }
  }

  // Requires the string field `key` to be `expected` (a record's "record": "cell").
  void Expect(const char* key, const char* expected);

  // An error at this object's path, or at its field `key`.
  void Fail(const std::string& problem) { FailAt(path_, problem); }
  void Fail(const char* key, const std::string& problem) { FailAt(Join(key), problem); }

 private:
  template <typename T>
  struct IsOptional : std::false_type {};
  template <typename T>
  struct IsOptional<std::optional<T>> : std::true_type {};
  template <typename T>
  struct IsVector : std::false_type {};
  template <typename T>
  struct IsVector<std::vector<T>> : std::true_type {};
  template <typename T>
  struct IsStringMap : std::false_type {};
  template <typename T>
  struct IsStringMap<std::map<std::string, T>> : std::true_type {};

  JsonReader(const nlohmann::json* value, std::string path, std::string* error, bool* failed)
      : value_(value), path_(std::move(path)), error_(error), failed_(failed) {}

  std::string Join(const char* key) const { return path_.empty() ? key : path_ + "." + key; }
  void FailAt(const std::string& path, const std::string& problem);
  // "expected <what>, got <a short dump of v>"
  void Mismatch(const nlohmann::json& v, const std::string& path, const char* what);

  void ReadValue(const nlohmann::json& v, const std::string& path, bool* out);
  void ReadValue(const nlohmann::json& v, const std::string& path, int* out);
  void ReadValue(const nlohmann::json& v, const std::string& path, int64_t* out);
  void ReadValue(const nlohmann::json& v, const std::string& path, double* out);
  void ReadValue(const nlohmann::json& v, const std::string& path, std::string* out);
  void ReadValue(const nlohmann::json& v, const std::string& path, nlohmann::json* out) {
    (void)path;
    *out = v;
  }

  template <typename T>
  requires JsonReadable<T> || IsVector<T>::value || IsStringMap<T>::value void ReadValue(
      const nlohmann::json& v, const std::string& path, T* out) {
    if constexpr (IsVector<T>::value) {
      if (!v.is_array()) return Mismatch(v, path, "an array");
      out->clear();
      out->resize(v.size());
      for (size_t i = 0; i < v.size() && ok(); ++i) {
        ReadValue(v[i], path + "[" + std::to_string(i) + "]", &(*out)[i]);
      }
    } else if constexpr (IsStringMap<T>::value) {
      if (!v.is_object()) return Mismatch(v, path, "an object");
      out->clear();
      for (auto it = v.begin(); it != v.end() && ok(); ++it) {
        ReadValue(it.value(), path.empty() ? it.key() : path + "." + it.key(), &(*out)[it.key()]);
      }
    } else {
      if (!v.is_object()) return Mismatch(v, path, "an object");
      JsonReader nested(&v, path, error_, failed_);
      out->Read(&nested);
    }
  }

  const nlohmann::json* value_;
  std::string path_;
  std::string* error_;
  bool* failed_;
  bool own_failed_ = false;  // the root reader's flag; nested readers point at it
};

// Reads a whole record: T's Read on the object `j`. On failure returns false with the field and
// what is wrong in *error; *out is then partly read and must not be used.
template <typename T>
bool FromJson(const nlohmann::json& j, T* out, std::string* error) {
  *out = T();
  JsonReader in(j, error);
  if (in.ok()) out->Read(&in);
  return in.ok();
}

}  // namespace servebench

#endif  // SERVEBENCH_CORE_JSON_READER_H_
