// Copyright servebench authors.
//
// Reading YAML the way servebench's configs are read: every key checked against the keys allowed
// at its place (an unknown key is an error with a did-you-mean), every value read as the type the
// key wants (an error says the type wanted and the type found), every error with the file, line,
// column and key path. Knows nothing of servebench's schema: bench/config.cc reads the sections,
// and each serving system (systems/) reads its own keys with these functions.
//
// Errors travel as ConfigError exceptions, thrown at the first problem: yaml-cpp reports that way
// already, and a config error ends the parse. ParseConfig (bench/config.h) turns them into the
// message; nothing else catches them.

#ifndef SERVEBENCH_YAML_YAML_FIELDS_H_
#define SERVEBENCH_YAML_YAML_FIELDS_H_

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace servebench {

struct ConfigError {
  YAML::Mark mark;
  std::string path;  // the key path, e.g. "servers[1].kind"; empty for the document itself
  std::string message;
};

[[noreturn]] void Fail(const YAML::Node& at, const std::string& path, const std::string& message);
[[noreturn]] void FailType(const YAML::Node& node, const std::string& path,
                           const std::string& expected);

// "<source>:<line>:<column>" (just <source> for a node without a place in the text).
std::string Location(const std::string& source, const YAML::Mark& mark);
// "<location>: <key path>: <message>".
std::string FormatError(const std::string& source, const ConfigError& e);

std::string Join(const std::vector<std::string>& words, const std::string& separator);
bool Contains(const std::vector<std::string>& words, const std::string& word);
std::string Quote(const std::string& word);
std::string Child(const std::string& path, const std::string& key);  // "a" + "b" -> "a.b"
std::string Element(const std::string& path, size_t index);          // "a", 2 -> "a[2]"
// "a string", "an integer", "a list", ... as in "expected a number, got a string".
std::string Describe(const YAML::Node& node);
std::string FormatNumber(double value);

// The candidate closest to `word` by edit distance (a transposition counts as one edit), when it
// is close enough to be a likely typo; empty otherwise. For "did you mean" hints.
std::string DidYouMean(const std::string& word, const std::vector<std::string>& candidates);

// "~/x" from the home folder, relative paths from `base_directory`; normalised.
std::string ResolvePath(const std::string& path, const std::string& base_directory);
std::string HomeDirectory();

// Scalars. yaml-cpp keeps every scalar as text; the type a key wants decides how it is read, and
// the type the text looks like is what an error says was found.
std::string ReadString(const YAML::Node& node, const std::string& path);
std::string ReadNonEmptyString(const YAML::Node& node, const std::string& path);
int64_t ReadInteger(const YAML::Node& node, const std::string& path, int64_t min, int64_t max);
int ReadInt(const YAML::Node& node, const std::string& path, int min,
            int max = std::numeric_limits<int>::max());
double ReadNumber(const YAML::Node& node, const std::string& path);
bool ReadBool(const YAML::Node& node, const std::string& path);
// Durations: "500ms", "2s", "1m", or a bare number of seconds.
int64_t ReadDuration(const YAML::Node& node, const std::string& path, bool allow_zero);
// Names become parts of cell ids ("variant/server/scenario"), folder names and filter globs.
std::string ReadName(const YAML::Node& node, const std::string& path);
// A CPU set as taskset takes it: a list of CPU numbers, one number, or a string "0-3,6". Sorted,
// without repeats.
std::vector<int> ReadCpuSet(const YAML::Node& node, const std::string& path);

// Numbers with an open or closed bound on each side; the message states the range.
struct Range {
  double low;
  bool low_open;
  double high = std::numeric_limits<double>::infinity();
  bool high_open = true;

  bool Contains(double v) const {
    return (low_open ? v > low : v >= low) && (high_open ? v < high : v <= high);
  }
  std::string Describe() const {
    if (std::isinf(high))
      return low_open ? "greater than " + FormatNumber(low) : "at least " + FormatNumber(low);
    return "between " + FormatNumber(low) + " and " + FormatNumber(high) +
           (low_open && high_open ? " (exclusive)" : "");
  }
};

double ReadNumberIn(const YAML::Node& node, const std::string& path, const Range& range);

template <typename T, typename ReadOne>
std::vector<T> ReadList(const YAML::Node& node, const std::string& path,
                        const std::string& expected, ReadOne read_one) {
  if (!node.IsSequence()) FailType(node, path, expected);
  std::vector<T> values;
  for (size_t i = 0; i < node.size(); ++i) values.push_back(read_one(node[i], Element(path, i)));
  return values;
}

std::vector<int> ReadIntList(const YAML::Node& node, const std::string& path, int min);
std::vector<double> ReadNumberList(const YAML::Node& node, const std::string& path,
                                   const Range& range);

// Maps. Every map's keys are checked against the ones allowed at its place, so that a typo is an
// error with a suggestion rather than a silently ignored setting.
struct Field {
  YAML::Node key;
  YAML::Node value;
  std::string path;
};

class Fields {
 public:
  // Reads `node` (a map, or nothing for an empty one) whose keys must be among `allowed`.
  Fields(const YAML::Node& node, const std::string& path, const std::vector<std::string>& allowed,
         const std::string& what = "a map")
      : node_(node), path_(path) {
    if (node.IsNull()) return;
    if (!node.IsMap()) FailType(node, path, what);
    for (const auto& entry : node) AddField(entry.first, entry.second, allowed);
  }

  const Field* Find(const std::string& key) const {
    for (const Field& field : fields_) {
      if (field.key.Scalar() == key) return &field;
    }
    return nullptr;
  }

  const Field& Require(const std::string& key, const std::string& expected) const {
    const Field* field = Find(key);
    if (field == nullptr)
      Fail(node_, path_, "missing required key " + Quote(key) + " (" + expected + ")");
    return *field;
  }

  const std::vector<Field>& fields() const { return fields_; }
  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }

 private:
  void AddField(const YAML::Node& key, const YAML::Node& value,
                const std::vector<std::string>& allowed) {
    if (!key.IsScalar()) Fail(key, path_, "expected a key name, got " + Describe(key));
    const std::string& name = key.Scalar();
    if (!Contains(allowed, name)) {
      std::string message = "unknown key " + Quote(name);
      const std::string suggestion = DidYouMean(name, allowed);
      message += suggestion.empty() ? " (known keys: " + Join(allowed, ", ") + ")"
                                    : " (did you mean " + Quote(suggestion) + "?)";
      Fail(key, path_, message);
    }
    if (Find(name) != nullptr) Fail(key, path_, "duplicate key " + Quote(name));
    fields_.push_back({key, value, Child(path_, name)});
  }

  YAML::Node node_;
  std::string path_;
  std::vector<Field> fields_;
};

// Runs `read` on the key's value when the key is present.
template <typename Read>
void IfPresent(const Fields& fields, const std::string& key, Read read) {
  if (const Field* field = fields.Find(key)) read(field->value, field->path);
}

// Fails on the first of `keys` present in `fields`: settings that would otherwise be silently
// ignored.
void RejectKeys(const Fields& fields, const std::vector<std::string>& keys, const std::string& why);

// Kinds of things with their own keys: server kinds, scenario kinds.
struct KindKeys {
  std::string kind;
  std::vector<std::string> keys;
};

std::vector<std::string> KindNames(const std::vector<KindKeys>& kinds);
// `common` and every kind's keys, each once.
std::vector<std::string> AllKeys(const std::vector<std::string>& common,
                                 const std::vector<KindKeys>& kinds);
// Reads a `kind` value, which must be one of `kinds`, and fails on keys that kind does not take.
const KindKeys& ReadKind(const Fields& fields, const std::vector<std::string>& common,
                         const std::vector<KindKeys>& kinds, const std::string& what);

// Fails when a name repeats, pointing at the second one and naming where the first was.
class NameSet {
 public:
  explicit NameSet(std::string what) : what_(std::move(what)) {}

  void Add(const std::string& name, const YAML::Node& at, const std::string& path) {
    auto [it, inserted] = seen_.emplace(name, at.Mark());
    if (inserted) return;
    std::string message = "duplicate " + what_ + " name " + Quote(name);
    if (it->second.line >= 0)
      message += " (first at line " + std::to_string(it->second.line + 1) + ")";
    Fail(at, path, message);
  }

 private:
  std::string what_;
  std::map<std::string, YAML::Mark> seen_;
};

}  // namespace servebench

#endif  // SERVEBENCH_YAML_YAML_FIELDS_H_
