// Copyright servebench authors.

#include "servebench/bench/config.h"

#include <pwd.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "servebench/core/duration.h"
#include "servebench/core/file.h"

namespace servebench {

// Defined by the file cmake/embed_text.cmake generates from configs/default.yaml.
extern const char kDefaultConfigYaml[];

namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Errors. yaml-cpp reports through exceptions already, and a config error ends the parse at the
// first problem, so config errors travel the same way and become the message at ParseConfig.

struct ConfigError {
  YAML::Mark mark;
  std::string path;  // the key path, e.g. "servers[1].kind"; empty for the document itself
  std::string message;
};

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

bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

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

int ReadInt(const YAML::Node& node, const std::string& path, int min,
            int max = std::numeric_limits<int>::max()) {
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

template <typename T, typename ReadOne>
std::vector<T> ReadList(const YAML::Node& node, const std::string& path,
                        const std::string& expected, ReadOne read_one) {
  if (!node.IsSequence()) FailType(node, path, expected);
  std::vector<T> values;
  for (size_t i = 0; i < node.size(); ++i) values.push_back(read_one(node[i], Element(path, i)));
  return values;
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
void RejectKeys(const Fields& fields, const std::vector<std::string>& keys,
                const std::string& why) {
  for (const Field& field : fields.fields()) {
    if (Contains(keys, field.key.Scalar())) {
      Fail(field.key, fields.path(), Quote(field.key.Scalar()) + " " + why);
    }
  }
}

// Kinds of things with their own keys: server kinds, scenario kinds.
struct KindKeys {
  std::string kind;
  std::vector<std::string> keys;
};

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

// ---------------------------------------------------------------------------------------------
// Sections.

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

class Parser {
 public:
  explicit Parser(std::string base_directory) : base_directory_(std::move(base_directory)) {}

  void Parse(const YAML::Node& root, ExperimentConfig* config) {
    const Fields top(root, "",
                     {"name", "models", "servers", "scenarios", "measurement", "slo", "cost",
                      "output", "generator"},
                     "a map of sections (models, servers, scenarios, ...)");
    IfPresent(top, "name",
              [&](const YAML::Node& n, const std::string& p) { config->name = ReadName(n, p); });
    const Field& models = top.Require("models", "a map with 'variants'");
    config->models = ReadModels(models.value, models.path);
    const Field& servers = top.Require("servers", "a list of servers");
    config->servers = ReadServers(servers.value, servers.path);
    const Field& scenarios = top.Require("scenarios", "a list of scenarios");
    config->scenarios = ReadScenarios(scenarios.value, scenarios.path);
    IfPresent(top, "measurement", [&](const YAML::Node& n, const std::string& p) {
      config->measurement = ReadMeasurement(n, p);
    });
    IfPresent(top, "slo",
              [&](const YAML::Node& n, const std::string& p) { config->slo = ReadSlo(n, p); });
    IfPresent(top, "cost",
              [&](const YAML::Node& n, const std::string& p) { config->cost = ReadCost(n, p); });
    IfPresent(top, "output", [&](const YAML::Node& n, const std::string& p) {
      config->output = ReadOutput(n, p);
    });
    IfPresent(top, "generator", [&](const YAML::Node& n, const std::string& p) {
      config->generator = ReadGenerator(n, p);
    });
  }

 private:
  ModelsSection ReadModels(const YAML::Node& node, const std::string& path) {
    const Fields fields(node, path, {"repository", "variants"});
    ModelsSection models;
    IfPresent(fields, "repository", [&](const YAML::Node& n, const std::string& p) {
      models.repository = ResolvePath(ReadNonEmptyString(n, p), base_directory_);
    });
    const std::string repository =
        models.repository.empty() ? DefaultModelRepository() : models.repository;
    const Field& variants = fields.Require("variants", "a list of model names");
    if (!variants.value.IsSequence())
      FailType(variants.value, variants.path, "a list of model names");
    if (variants.value.size() == 0)
      Fail(variants.value, variants.path, "expected at least one variant");
    NameSet names("variant");
    for (size_t i = 0; i < variants.value.size(); ++i) {
      const YAML::Node& item = variants.value[i];
      const std::string item_path = Element(variants.path, i);
      ModelVariant variant = ReadVariant(item, item_path, repository);
      names.Add(variant.name, item, item_path);
      models.variants.push_back(std::move(variant));
    }
    return models;
  }

  // A variant is its name, or {name, repository} to take it from another repository.
  ModelVariant ReadVariant(const YAML::Node& node, const std::string& path,
                           const std::string& repository) {
    ModelVariant variant;
    variant.repository = repository;
    if (node.IsScalar()) {
      variant.name = ReadName(node, path);
      return variant;
    }
    if (!node.IsMap()) FailType(node, path, "a model name or a map with 'name'");
    const Fields fields(node, path, {"name", "repository"});
    const Field& name = fields.Require("name", "the model's folder in the repository");
    variant.name = ReadName(name.value, name.path);
    IfPresent(fields, "repository", [&](const YAML::Node& n, const std::string& p) {
      variant.repository = ResolvePath(ReadNonEmptyString(n, p), base_directory_);
    });
    return variant;
  }

  static const std::vector<KindKeys>& ServerKinds() {
    static const std::vector<KindKeys> kinds = {
        {"torchscript",
         {"dynamic_batching", "max_queue_delay_us", "preferred_batch_sizes", "max_batch_size",
          "instances", "intra_op_threads", "cpus", "binary"}},
        {"fastapi", {"workers", "intra_op_threads", "cpus", "binary"}},
        {"external", {"url"}},
    };
    return kinds;
  }

  std::vector<ServerConfig> ReadServers(const YAML::Node& node, const std::string& path) {
    if (!node.IsSequence()) FailType(node, path, "a list of servers");
    if (node.size() == 0) Fail(node, path, "expected at least one server");
    std::vector<ServerConfig> servers;
    NameSet names("server");
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string item_path = Element(path, i);
      const Fields fields(node[i], item_path, AllKeys({"name", "kind"}, ServerKinds()),
                          "a map describing a server");
      servers.push_back(ReadServer(fields));
      const Field* name = fields.Find("name");
      names.Add(servers.back().name, name ? name->value : node[i], name ? name->path : item_path);
    }
    return servers;
  }

  ServerConfig ReadServer(const Fields& fields) {
    ServerConfig server;
    server.kind = ReadKind(fields, {"name", "kind"}, ServerKinds(), "server").kind;
    server.name = server.kind;
    IfPresent(fields, "name",
              [&](const YAML::Node& n, const std::string& p) { server.name = ReadName(n, p); });
    IfPresent(fields, "dynamic_batching", [&](const YAML::Node& n, const std::string& p) {
      server.dynamic_batching = ReadBool(n, p);
    });
    if (!server.dynamic_batching) {
      RejectKeys(fields, {"max_queue_delay_us", "preferred_batch_sizes", "max_batch_size"},
                 "applies only with dynamic_batching: true");
    }
    IfPresent(fields, "max_queue_delay_us", [&](const YAML::Node& n, const std::string& p) {
      server.max_queue_delay_us = ReadInteger(n, p, 0, std::numeric_limits<int64_t>::max());
    });
    IfPresent(fields, "max_batch_size", [&](const YAML::Node& n, const std::string& p) {
      server.max_batch_size = ReadInt(n, p, 1);
    });
    IfPresent(fields, "preferred_batch_sizes", [&](const YAML::Node& n, const std::string& p) {
      server.preferred_batch_sizes = ReadIntList(n, p, 1);
      for (size_t i = 0; i < server.preferred_batch_sizes.size(); ++i) {
        if (server.preferred_batch_sizes[i] > server.max_batch_size) {
          Fail(n[i], Element(p, i),
               "must be at most max_batch_size (" + std::to_string(server.max_batch_size) +
                   "), got " + std::to_string(server.preferred_batch_sizes[i]));
        }
      }
    });
    ReadServerResources(fields, &server);
    return server;
  }

  void ReadServerResources(const Fields& fields, ServerConfig* server) {
    IfPresent(fields, "instances", [&](const YAML::Node& n, const std::string& p) {
      server->instances = ReadInt(n, p, 1);
    });
    IfPresent(fields, "intra_op_threads", [&](const YAML::Node& n, const std::string& p) {
      server->intra_op_threads = ReadInt(n, p, 1);
    });
    IfPresent(fields, "workers", [&](const YAML::Node& n, const std::string& p) {
      server->workers = ReadInt(n, p, 1);
    });
    IfPresent(fields, "cpus",
              [&](const YAML::Node& n, const std::string& p) { server->cpus = ReadCpuSet(n, p); });
    // A program named with a folder is a path (from the config's folder); a bare name is looked
    // up on PATH when the environment is checked.
    IfPresent(fields, "binary", [&](const YAML::Node& n, const std::string& p) {
      server->binary = ReadNonEmptyString(n, p);
      if (server->binary.find('/') != std::string::npos) {
        server->binary = ResolvePath(server->binary, base_directory_);
      }
    });
    if (server->kind == "external") {
      const Field& url = fields.Require("url", "the server's base URL, e.g. http://127.0.0.1:8000");
      server->url = ReadNonEmptyString(url.value, url.path);
      if (server->url.rfind("http://", 0) != 0 && server->url.rfind("https://", 0) != 0) {
        Fail(url.value, url.path, "expected an http:// or https:// URL, got " + Quote(server->url));
      }
      while (server->url.back() == '/') server->url.pop_back();
    }
  }

  static const std::vector<KindKeys>& ScenarioKinds() {
    static const std::vector<KindKeys> kinds = {
        {"cold_start", {"repeats"}},
        {"concurrency_sweep", {"levels"}},
        {"rate_sweep", {"rates", "arrival", "saturate", "start_rate", "growth", "max_levels"}},
    };
    return kinds;
  }

  std::vector<Scenario> ReadScenarios(const YAML::Node& node, const std::string& path) {
    if (!node.IsSequence()) FailType(node, path, "a list of scenarios");
    if (node.size() == 0) Fail(node, path, "expected at least one scenario");
    std::vector<Scenario> scenarios;
    NameSet names("scenario");
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string item_path = Element(path, i);
      const Fields fields(node[i], item_path, AllKeys({"name", "kind"}, ScenarioKinds()),
                          "a map describing a scenario");
      scenarios.push_back(ReadScenario(fields));
      const Field* name = fields.Find("name");
      names.Add(scenarios.back().name, name ? name->value : node[i], name ? name->path : item_path);
    }
    return scenarios;
  }

  Scenario ReadScenario(const Fields& fields) {
    Scenario scenario;
    const std::string kind = ReadKind(fields, {"name", "kind"}, ScenarioKinds(), "scenario").kind;
    scenario.name = kind;
    IfPresent(fields, "name",
              [&](const YAML::Node& n, const std::string& p) { scenario.name = ReadName(n, p); });
    if (kind == "cold_start") {
      scenario.kind = ScenarioKind::kColdStart;
      IfPresent(fields, "repeats", [&](const YAML::Node& n, const std::string& p) {
        scenario.repeats = ReadInt(n, p, 1);
      });
    } else if (kind == "concurrency_sweep") {
      scenario.kind = ScenarioKind::kConcurrencySweep;
      const Field& levels =
          fields.Require("levels", "a list of concurrency levels, e.g. [1, 4, 16]");
      scenario.concurrency = ReadIntList(levels.value, levels.path, 1);
      if (scenario.concurrency.empty())
        Fail(levels.value, levels.path, "expected at least one level");
    } else {
      scenario.kind = ScenarioKind::kRateSweep;
      ReadRateSweep(fields, &scenario);
    }
    return scenario;
  }

  // Explicit rates, or a geometric search up to saturation; not both.
  void ReadRateSweep(const Fields& fields, Scenario* scenario) {
    IfPresent(fields, "arrival", [&](const YAML::Node& n, const std::string& p) {
      scenario->arrival = ReadNonEmptyString(n, p);
      if (scenario->arrival != "poisson" && scenario->arrival != "constant") {
        Fail(n, p, "expected 'poisson' or 'constant', got " + Quote(scenario->arrival));
      }
    });
    IfPresent(fields, "saturate", [&](const YAML::Node& n, const std::string& p) {
      scenario->saturate = ReadBool(n, p);
    });
    const Range positive{0, true};
    if (!scenario->saturate) {
      RejectKeys(fields, {"start_rate", "growth", "max_levels"},
                 "applies only with saturate: true");
      const Field& rates = fields.Require("rates", "a list of request rates, or saturate: true");
      scenario->rates = ReadNumberList(rates.value, rates.path, positive);
      if (scenario->rates.empty()) Fail(rates.value, rates.path, "expected at least one rate");
      return;
    }
    if (const Field* rates = fields.Find("rates")) {
      Fail(rates->key, fields.path(), "'rates' and 'saturate: true' exclude each other");
    }
    IfPresent(fields, "start_rate", [&](const YAML::Node& n, const std::string& p) {
      scenario->start_rate = ReadNumberIn(n, p, positive);
    });
    IfPresent(fields, "growth", [&](const YAML::Node& n, const std::string& p) {
      scenario->growth = ReadNumberIn(n, p, Range{1, true});
    });
    IfPresent(fields, "max_levels", [&](const YAML::Node& n, const std::string& p) {
      scenario->max_levels = ReadInt(n, p, 1, 100);
    });
  }

  static MeasurementSettings ReadMeasurement(const YAML::Node& node, const std::string& path) {
    const Fields fields(
        node, path,
        {"warmup", "window", "stability_tolerance", "min_duration", "min_requests", "max_duration",
         "request_timeout", "ready_timeout", "stop_grace", "sample_period"});
    MeasurementSettings m;
    const auto duration = [&](const std::string& key, bool allow_zero, int64_t* out) {
      IfPresent(fields, key, [&](const YAML::Node& n, const std::string& p) {
        *out = ReadDuration(n, p, allow_zero);
      });
    };
    duration("warmup", true, &m.warmup_ns);
    duration("window", false, &m.window_ns);
    duration("min_duration", true, &m.min_duration_ns);
    duration("max_duration", false, &m.max_duration_ns);
    duration("request_timeout", false, &m.request_timeout_ns);
    duration("ready_timeout", false, &m.ready_timeout_ns);
    duration("stop_grace", true, &m.stop_grace_ns);
    duration("sample_period", false, &m.sample_period_ns);
    IfPresent(fields, "stability_tolerance", [&](const YAML::Node& n, const std::string& p) {
      m.stability_tolerance = ReadNumberIn(n, p, Range{0, true, 1, true});
    });
    IfPresent(fields, "min_requests", [&](const YAML::Node& n, const std::string& p) {
      m.min_requests = ReadInteger(n, p, 0, std::numeric_limits<int64_t>::max());
    });
    CheckDurationOrder(fields, m);
    return m;
  }

  // The maximum must leave room for the minimum and for at least one window.
  static void CheckDurationOrder(const Fields& fields, const MeasurementSettings& m) {
    const int64_t floor = std::max(m.min_duration_ns, m.window_ns);
    if (m.max_duration_ns >= floor) return;
    const Field* at = fields.Find("max_duration");
    if (at == nullptr)
      at = fields.Find(m.min_duration_ns >= m.window_ns ? "min_duration" : "window");
    if (at == nullptr) at = &fields.fields().front();
    Fail(at->value, at->path,
         "max_duration (" + FormatDuration(m.max_duration_ns) +
             ") must be at least min_duration and window (" + FormatDuration(floor) + ")");
  }

  static Slo ReadSlo(const YAML::Node& node, const std::string& path) {
    const Fields fields(node, path, {"percentile", "bound"});
    Slo slo;
    IfPresent(fields, "percentile", [&](const YAML::Node& n, const std::string& p) {
      slo.percentile = ReadNumberIn(n, p, Range{0, true, 100, true});
    });
    IfPresent(fields, "bound", [&](const YAML::Node& n, const std::string& p) {
      slo.bound_ns = ReadDuration(n, p, false);
    });
    return slo;
  }

  static CostSettings ReadCost(const YAML::Node& node, const std::string& path) {
    const Fields fields(node, path, {"hourly_price", "hourly_price_per_core", "currency"});
    CostSettings cost;
    const Range non_negative{0, false};
    IfPresent(fields, "hourly_price", [&](const YAML::Node& n, const std::string& p) {
      cost.hourly_price = ReadNumberIn(n, p, non_negative);
    });
    IfPresent(fields, "hourly_price_per_core", [&](const YAML::Node& n, const std::string& p) {
      cost.hourly_price_per_core = ReadNumberIn(n, p, non_negative);
      if (cost.hourly_price > 0 && cost.hourly_price_per_core > 0) {
        Fail(n, p, "set hourly_price or hourly_price_per_core, not both");
      }
    });
    IfPresent(fields, "currency", [&](const YAML::Node& n, const std::string& p) {
      cost.currency = ReadNonEmptyString(n, p);
    });
    return cost;
  }

  static OutputSettings ReadOutput(const YAML::Node& node, const std::string& path) {
    const Fields fields(node, path, {"directory"});
    OutputSettings output;
    IfPresent(fields, "directory", [&](const YAML::Node& n, const std::string& p) {
      output.directory = ReadNonEmptyString(n, p);
    });
    return output;
  }

  static GeneratorSettings ReadGenerator(const YAML::Node& node, const std::string& path) {
    const Fields fields(node, path, {"cpus", "threads"});
    GeneratorSettings generator;
    IfPresent(fields, "cpus", [&](const YAML::Node& n, const std::string& p) {
      generator.cpus = ReadCpuSet(n, p);
    });
    IfPresent(fields, "threads", [&](const YAML::Node& n, const std::string& p) {
      generator.threads = ReadInt(n, p, 1);
    });
    return generator;
  }

  std::string base_directory_;
};

// ---------------------------------------------------------------------------------------------
// The environment.

bool IsExecutableFile(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && access(path.c_str(), X_OK) == 0;
}

// A bare program name as execvp finds it.
std::string FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream folders(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string folder;
  while (std::getline(folders, folder, ':')) {
    const fs::path candidate = fs::path(folder.empty() ? "." : folder) / program;
    if (IsExecutableFile(candidate)) return candidate.string();
  }
  return "";
}

// A version folder is all digits, as in Triton's repository layout.
bool HasVersionWithModel(const fs::path& model_dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(model_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() ||
        !std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c); }))
      continue;
    if (fs::is_regular_file(entry.path() / "model.pt", ec)) return true;
  }
  return false;
}

void CheckVariant(const ExperimentConfig& config, const ModelVariant& variant,
                  std::vector<std::string>* problems) {
  std::error_code ec;
  // The default zoo is prepared by the runner before the first cell; until then there is nothing
  // to check.
  if (config.models.repository.empty() && !fs::exists(variant.repository, ec)) return;
  const std::string prefix = config.source + ": model " + Quote(variant.name) + ": ";
  const fs::path dir = fs::path(variant.repository) / variant.name;
  if (!fs::is_directory(dir, ec)) {
    problems->push_back(prefix + "no folder " + dir.string() + " in the repository");
    return;
  }
  if (!fs::is_regular_file(dir / "config.pbtxt", ec)) {
    problems->push_back(prefix + "missing " + (dir / "config.pbtxt").string());
  }
  if (!HasVersionWithModel(dir)) {
    problems->push_back(prefix + "missing " + (dir / "<version>" / "model.pt").string() +
                        " (no numeric version folder holds model.pt)");
  }
}

// The program a server of this kind starts; empty for kinds that start nothing.
std::string ServerProgram(const ServerConfig& server, const std::string& binary_dir,
                          const std::string& source_dir) {
  if (!server.binary.empty()) {
    if (server.binary.find('/') != std::string::npos) return server.binary;
    const std::string found = FindOnPath(server.binary);
    return found.empty() ? server.binary : found;
  }
  if (server.kind == "torchscript")
    return (fs::path(binary_dir) / "servebench-torchscript").string();
  if (server.kind == "fastapi") {
    return (fs::path(source_dir) / "servers" / "fastapi" / "launch").string();
  }
  return "";
}

void CheckServer(const ExperimentConfig& config, const ServerConfig& server,
                 const std::string& binary_dir, const std::string& source_dir,
                 std::vector<std::string>* problems) {
  const std::string prefix =
      config.source + ": server " + Quote(server.name) + " (" + server.kind + "): ";
  if (server.kind == "external") {
    if (server.url.empty()) problems->push_back(prefix + "no url to send requests to");
    return;
  }
  if (server.kind != "torchscript" && server.kind != "fastapi") {
    problems->push_back(prefix + "unknown server kind");
    return;
  }
  const std::string program = ServerProgram(server, binary_dir, source_dir);
  if (!IsExecutableFile(program)) {
    problems->push_back(prefix + "missing program " + program + " (not an executable file)");
  }
  // The launch script runs Debian's Python, the one the model zoo's torch belongs to.
  if (server.kind == "fastapi" && server.binary.empty() && !IsExecutableFile("/usr/bin/python3")) {
    problems->push_back(prefix +
                        "missing /usr/bin/python3 (with python3-fastapi, -uvicorn, -torch)");
  }
  const long cpu_count = sysconf(_SC_NPROCESSORS_CONF);
  for (int cpu : server.cpus) {
    if (cpu_count > 0 && cpu >= cpu_count) {
      problems->push_back(prefix + "CPU " + std::to_string(cpu) +
                          " does not exist (this machine has " + std::to_string(cpu_count) + ")");
      break;
    }
  }
}

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

}  // namespace

const std::string& DefaultConfigYaml() {
  static const std::string yaml = kDefaultConfigYaml;
  return yaml;
}

std::string DidYouMean(const std::string& word, const std::vector<std::string>& candidates) {
  // At most two edits, and at most half the word: "x" is not a typo of "y".
  const size_t limit = std::min<size_t>(2, word.size() / 2);
  std::string best;
  size_t best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    const size_t distance = EditDistance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string DefaultModelRepository(bool quick) {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const fs::path cache =
      xdg != nullptr && xdg[0] != '\0' ? fs::path(xdg) : fs::path(HomeDirectory()) / ".cache";
  return (cache / "servebench" / (quick ? "models-quick" : "models")).string();
}

bool ParseConfig(const std::string& yaml, const std::string& source,
                 const std::string& base_directory, ExperimentConfig* config, std::string* error) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::ParserException& e) {
    *error = Location(source, e.mark) + ": invalid YAML: " + e.msg;
    return false;
  }
  ExperimentConfig parsed;
  parsed.source = source;
  try {
    Parser(base_directory).Parse(root, &parsed);
  } catch (const ConfigError& e) {
    *error = FormatError(source, e);
    return false;
  } catch (const YAML::Exception& e) {
    *error = Location(source, e.mark) + ": " + e.msg;
    return false;
  }
  *config = std::move(parsed);
  return true;
}

bool LoadConfigFile(const std::string& path, ExperimentConfig* config, std::string* error) {
  std::string text;
  if (!ReadWholeFile(path, &text, error)) return false;
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec);
  const std::string base = (ec ? fs::path(path) : absolute).parent_path().string();
  return ParseConfig(text, path, base, config, error);
}

bool ValidateEnvironment(const ExperimentConfig& config, const std::string& servebench_binary_dir,
                         const std::string& source_dir, std::string* error) {
  std::vector<std::string> problems;
  for (const ModelVariant& variant : config.models.variants)
    CheckVariant(config, variant, &problems);
  for (const ServerConfig& server : config.servers) {
    CheckServer(config, server, servebench_binary_dir, source_dir, &problems);
  }
  if (problems.empty()) return true;
  *error = Join(problems, "\n");
  return false;
}

}  // namespace servebench
