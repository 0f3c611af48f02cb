// Copyright servebench authors.

#include "servebench/yaml/yaml_fields.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "servebench/core/duration.h"

namespace servebench {

namespace fs = std::filesystem;

namespace {

// Optimal string alignment distance: Levenshtein plus adjacent transpositions, so that "levles"
// is one edit from "levels".
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Errors. yaml-cpp reports through exceptions already, and a config error ends the parse at the
// first problem, so config errors travel the same way and become the message at ParseConfig.

[[noreturn]] void Fail(const YAML::Node& at, const std::string& path, const std::string& message) {
  throw ConfigError{at.Mark(), path, message};
}

std::string Location(const std::string& source, const YAML::Mark& mark) {
  if (mark.line < 0) return source;  // a node yaml-cpp made up has no place in the text
  return source + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

std::string FormatError(const std::string& source, const ConfigError& e) {
  std::string text = Location(source, e.mark) + ": ";
  if (!e.path.empty()) text += e.path + ": ";
  return text + e.message;
}

std::string Join(const std::vector<std::string>& words, const std::string& separator) {
  std::string text;
  for (const std::string& word : words) {
    if (!text.empty()) text += separator;
    text += word;
  }
  return text;
}

bool Contains(const std::vector<std::string>& words, const std::string& word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

std::string Quote(const std::string& word) { return "'" + word + "'"; }

std::string Child(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string Element(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

// ---------------------------------------------------------------------------------------------
// Scalars. yaml-cpp keeps every scalar as text; the type a key wants decides how it is read, and
// the type the text looks like is what an error says was found.

bool ParseInteger(const std::string& text, int64_t* value) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  return ec == std::errc() && ptr == end && !text.empty();
}

bool ParseNumber(const std::string& text, double* value) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  return ec == std::errc() && ptr == end && !text.empty() && std::isfinite(*value);
}

bool ParseBool(const YAML::Node& node, bool* value) {
  return YAML::convert<bool>::decode(node, *value);
}

// "a string", "an integer", "a list", ... as in "expected a number, got a string".
std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar: {
      if (IsQuoted(node)) return "a string";
      int64_t integer;
      double number;
      bool boolean;
      if (ParseInteger(node.Scalar(), &integer)) return "an integer";
      if (ParseNumber(node.Scalar(), &number)) return "a number";
      if (ParseBool(node, &boolean)) return "a boolean";
      return "a string";
    }
    default:
      return "an empty value";
  }
}

[[noreturn]] void FailType(const YAML::Node& node, const std::string& path,
                           const std::string& expected) {
  Fail(node, path, "expected " + expected + ", got " + Describe(node));
}

std::string ReadString(const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) FailType(node, path, "a string");
  return node.Scalar();
}

std::string ReadNonEmptyString(const YAML::Node& node, const std::string& path) {
  std::string text = ReadString(node, path);
  if (text.empty()) Fail(node, path, "must not be empty");
  return text;
}

int64_t ReadInteger(const YAML::Node& node, const std::string& path, int64_t min, int64_t max) {
  int64_t value = 0;
  if (!node.IsScalar() || IsQuoted(node) || !ParseInteger(node.Scalar(), &value)) {
    FailType(node, path, "an integer");
  }
  if (value < min)
    Fail(node, path, "must be at least " + std::to_string(min) + ", got " + std::to_string(value));
  if (value > max)
    Fail(node, path, "must be at most " + std::to_string(max) + ", got " + std::to_string(value));
  return value;
}

int ReadInt(const YAML::Node& node, const std::string& path, int min, int max) {
  return static_cast<int>(ReadInteger(node, path, min, max));
}

double ReadNumber(const YAML::Node& node, const std::string& path) {
  double value = 0;
  if (!node.IsScalar() || IsQuoted(node) || !ParseNumber(node.Scalar(), &value)) {
    FailType(node, path, "a number");
  }
  return value;
}

std::string FormatNumber(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

double ReadNumberIn(const YAML::Node& node, const std::string& path, const Range& range) {
  const double value = ReadNumber(node, path);
  if (!range.Contains(value)) {
    Fail(node, path, "must be " + range.Describe() + ", got " + FormatNumber(value));
  }
  return value;
}

bool ReadBool(const YAML::Node& node, const std::string& path) {
  bool value = false;
  if (!node.IsScalar() || IsQuoted(node) || !ParseBool(node, &value)) {
    FailType(node, path, "a boolean (true or false)");
  }
  return value;
}

// Durations: "500ms", "2s", "1m", or a bare number of seconds.
int64_t ReadDuration(const YAML::Node& node, const std::string& path, bool allow_zero) {
  if (!node.IsScalar()) FailType(node, path, "a duration such as \"500ms\" or \"2s\"");
  int64_t nanos = 0;
  std::string why;
  if (!ParseDuration(node.Scalar(), &nanos, &why)) {
    Fail(node, path,
         why + " (expected a duration such as \"500ms\", \"2s\" or a number of seconds)");
  }
  if (nanos == 0 && !allow_zero) Fail(node, path, "must be longer than zero");
  return nanos;
}

std::vector<int> ReadIntList(const YAML::Node& node, const std::string& path, int min) {
  return ReadList<int>(
      node, path, "a list of integers",
      [min](const YAML::Node& n, const std::string& p) { return ReadInt(n, p, min); });
}

std::vector<double> ReadNumberList(const YAML::Node& node, const std::string& path,
                                   const Range& range) {
  return ReadList<double>(
      node, path, "a list of numbers",
      [&range](const YAML::Node& n, const std::string& p) { return ReadNumberIn(n, p, range); });
}

// One term of a CPU list string: "3" or "0-3".
void AddCpuTerm(const YAML::Node& node, const std::string& path, const std::string& term,
                std::set<int>* cpus) {
  const size_t dash = term.find('-');
  int64_t first = 0, last = 0;
  const bool ok = dash == std::string::npos ? ParseInteger(term, &first) && (last = first, true)
                                            : ParseInteger(term.substr(0, dash), &first) &&
                                                  ParseInteger(term.substr(dash + 1), &last);
  if (!ok || first < 0 || last < first || last > 65535) {
    Fail(node, path,
         "bad CPU list term " + Quote(term) +
             " (expected CPU numbers and ranges such as \"0-3,6\")");
  }
  for (int64_t cpu = first; cpu <= last; ++cpu) cpus->insert(static_cast<int>(cpu));
}

// A CPU set as taskset takes it: a list of CPU numbers, one number, or a string "0-3,6". Sorted,
// without repeats.
std::vector<int> ReadCpuSet(const YAML::Node& node, const std::string& path) {
  std::set<int> cpus;
  if (node.IsSequence()) {
    for (int cpu : ReadIntList(node, path, 0)) cpus.insert(cpu);
  } else if (node.IsScalar()) {
    std::string text = node.Scalar();
    text.erase(std::remove(text.begin(), text.end(), ' '), text.end());
    std::stringstream terms(text);
    std::string term;
    while (std::getline(terms, term, ',')) AddCpuTerm(node, path, term, &cpus);
    if (cpus.empty()) Fail(node, path, "empty CPU list");
  } else {
    FailType(node, path, "a list of CPU numbers or a string such as \"0-3,6\"");
  }
  return {cpus.begin(), cpus.end()};
}

// Names become parts of cell ids ("variant/server/scenario"), folder names and filter globs.
std::string ReadName(const YAML::Node& node, const std::string& path) {
  std::string name = ReadNonEmptyString(node, path);
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      Fail(node, path,
           "name " + Quote(name) + " may contain only letters, digits, '-', '_' and '.'");
    }
  }
  return name;
}

// ---------------------------------------------------------------------------------------------
// Maps. Every map's keys are checked against the ones allowed at its place, so that a typo is an
// error with a suggestion rather than a silently ignored setting.

// Fails on the first of `keys` present in `fields`: settings that would otherwise be silently
// ignored.
void RejectKeys(const Fields& fields, const std::vector<std::string>& keys,
                const std::string& why) {
  for (const Field& field : fields.fields()) {
    if (Contains(keys, field.key.Scalar())) {
      Fail(field.key, fields.path(), Quote(field.key.Scalar()) + " " + why);
    }
  }
}

std::vector<std::string> KindNames(const std::vector<KindKeys>& kinds) {
  std::vector<std::string> names;
  for (const KindKeys& k : kinds) names.push_back(k.kind);
  return names;
}

std::vector<std::string> AllKeys(const std::vector<std::string>& common,
                                 const std::vector<KindKeys>& kinds) {
  std::vector<std::string> keys = common;
  for (const KindKeys& k : kinds) {
    for (const std::string& key : k.keys) {
      if (!Contains(keys, key)) keys.push_back(key);
    }
  }
  return keys;
}

// Reads a `kind` value, which must be one of `kinds`, and fails on keys that kind does not take.
const KindKeys& ReadKind(const Fields& fields, const std::vector<std::string>& common,
                         const std::vector<KindKeys>& kinds, const std::string& what) {
  const std::vector<std::string> names = KindNames(kinds);
  const Field& field = fields.Require("kind", "one of " + Join(names, ", "));
  const std::string kind = ReadNonEmptyString(field.value, field.path);
  auto it =
      std::find_if(kinds.begin(), kinds.end(), [&](const KindKeys& k) { return k.kind == kind; });
  if (it == kinds.end()) {
    std::string message =
        "unknown " + what + " kind " + Quote(kind) + " (known kinds: " + Join(names, ", ");
    const std::string suggestion = DidYouMean(kind, names);
    if (!suggestion.empty()) message += "; did you mean " + Quote(suggestion) + "?";
    Fail(field.value, field.path, message + ")");
  }
  for (const Field& f : fields.fields()) {
    const std::string& key = f.key.Scalar();
    if (Contains(common, key) || Contains(it->keys, key)) continue;
    std::vector<std::string> takers;
    for (const KindKeys& k : kinds) {
      if (Contains(k.keys, key)) takers.push_back(k.kind);
    }
    Fail(f.key, fields.path(),
         Quote(key) + " does not apply to " + kind + " " + what + "s (only to " +
             Join(takers, ", ") + ")");
  }
  return *it;
}

std::string DidYouMean(const std::string& word, const std::vector<std::string>& candidates) {
  // At most two edits, and at most half the word: "x" is not a typo of "y".
  const size_t limit = std::min<size_t>(2, word.size() / 2);
  std::string best;
  size_t best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    // The distance is at least the difference in length: a candidate that cannot beat the best
    // so far is not measured (a key of thousands of characters made every unknown key cost
    // thousands of times the allowed keys' length in allocations).
    const size_t gap = word.size() > candidate.size() ? word.size() - candidate.size()
                                                      : candidate.size() - word.size();
    if (gap >= best_distance) continue;
    const size_t distance = EditDistance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string HomeDirectory() {
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] != '\0') return home;
  const passwd* entry = getpwuid(getuid());
  return entry != nullptr && entry->pw_dir != nullptr ? entry->pw_dir : "";
}

// "~/x" from the home folder, relative paths from the config's folder.
std::string ResolvePath(const std::string& path, const std::string& base_directory) {
  fs::path resolved = path;
  if (path == "~" || path.rfind("~/", 0) == 0) {
    resolved = fs::path(HomeDirectory()) / path.substr(std::min<size_t>(2, path.size()));
  } else if (resolved.is_relative() && !base_directory.empty()) {
    resolved = fs::path(base_directory) / resolved;
  }
  std::string text = resolved.lexically_normal().string();
  if (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

}  // namespace servebench
