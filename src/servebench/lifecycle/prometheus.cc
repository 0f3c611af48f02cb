// Copyright servebench authors.

#include "servebench/lifecycle/prometheus.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <utility>
#include <vector>

#include "servebench/protocols/http_client.h"

namespace servebench {

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

bool IsNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

void SkipSpaces(const std::string& s, size_t* i) {
  while (*i < s.size() && (s[*i] == ' ' || s[*i] == '\t')) ++*i;
}

// Reads `name{label="value",...}` from s at *i; explains a failure in *error.
bool ParseSeries(const std::string& s, size_t* i, std::string* name, Labels* labels,
                 std::string* error) {
  const size_t start = *i;
  if (*i >= s.size() || !IsNameStart(s[*i])) {
    *error = "expected a metric name";
    return false;
  }
  while (*i < s.size() && IsNameChar(s[*i])) ++*i;
  *name = s.substr(start, *i - start);
  labels->clear();
  SkipSpaces(s, i);
  if (*i >= s.size() || s[*i] != '{') return true;
  ++*i;
  while (true) {
    SkipSpaces(s, i);
    if (*i < s.size() && s[*i] == '}') {
      ++*i;
      return true;
    }
    const size_t label_start = *i;
    if (*i >= s.size() || !(std::isalpha(static_cast<unsigned char>(s[*i])) || s[*i] == '_')) {
      *error = "expected a label name or '}' at column " + std::to_string(*i + 1);
      return false;
    }
    while (*i < s.size() && (std::isalnum(static_cast<unsigned char>(s[*i])) || s[*i] == '_')) {
      ++*i;
    }
    std::string label = s.substr(label_start, *i - label_start);
    SkipSpaces(s, i);
    if (*i >= s.size() || s[*i] != '=') {
      *error = "expected '=' after label '" + label + "'";
      return false;
    }
    ++*i;
    SkipSpaces(s, i);
    if (*i >= s.size() || s[*i] != '"') {
      *error = "expected '\"' to open the value of label '" + label + "'";
      return false;
    }
    ++*i;
    std::string value;
    while (*i < s.size() && s[*i] != '"') {
      if (s[*i] == '\\' && *i + 1 < s.size()) {
        const char c = s[++*i];
        value += c == 'n' ? '\n' : c;  // \\ and \" stand for themselves
      } else {
        value += s[*i];
      }
      ++*i;
    }
    if (*i >= s.size()) {
      *error = "unterminated value of label '" + label + "'";
      return false;
    }
    ++*i;
    labels->emplace_back(std::move(label), std::move(value));
    SkipSpaces(s, i);
    if (*i < s.size() && s[*i] == ',') {
      ++*i;
    } else if (*i >= s.size() || s[*i] != '}') {
      *error = "expected ',' or '}' after the value of label '" + labels->back().first + "'";
      return false;
    }
  }
}

std::string Escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Key(const std::string& name, Labels labels) {
  if (labels.empty()) return name;
  std::sort(labels.begin(), labels.end());
  std::string key = name + "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) key += ',';
    key += labels[i].first + "=\"" + Escape(labels[i].second) + "\"";
  }
  return key + "}";
}

// Reads a sample value: a float, NaN or [+-]Inf, as Prometheus writes them.
bool ParseValue(const std::string& token, double* out) {
  if (token.empty()) return false;
  errno = 0;
  char* end = nullptr;
  *out = std::strtod(token.c_str(), &end);
  return end == token.c_str() + token.size() && errno != ERANGE;
}

bool ParseTimestamp(const std::string& token) {
  size_t i = token[0] == '-' ? 1 : 0;
  if (i == token.size()) return false;
  for (; i < token.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(token[i]))) return false;
  }
  return true;
}

// The sum over `model`'s versions of metric `name`, or absent when `samples` has none.
std::optional<double> ModelSum(const MetricSamples& samples, const std::string& name,
                               const std::string& model) {
  std::optional<double> sum;
  for (auto it = samples.lower_bound(name); it != samples.end(); ++it) {
    const std::string& key = it->first;
    if (key.compare(0, name.size(), name) != 0) break;
    if (key.size() > name.size() && key[name.size()] != '{') continue;  // a longer name
    size_t i = 0;
    std::string parsed_name;
    Labels labels;
    std::string ignored;
    if (!ParseSeries(key, &i, &parsed_name, &labels, &ignored)) continue;
    const bool for_model = std::any_of(labels.begin(), labels.end(), [&](const auto& label) {
      return label.first == "model" && label.second == model;
    });
    if (for_model) sum = sum.value_or(0) + it->second;
  }
  return sum;
}

}  // namespace

bool ParsePrometheusText(const std::string& text, MetricSamples* out, std::string* error) {
  MetricSamples samples;
  size_t line_start = 0;
  for (int line_number = 1; line_start < text.size(); ++line_number) {
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string::npos) line_end = text.size();
    std::string line = text.substr(line_start, line_end - line_start);
    line_start = line_end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t i = 0;
    SkipSpaces(line, &i);
    if (i == line.size() || line[i] == '#') continue;  // blank, comment, HELP or TYPE

    auto fail = [&](const std::string& why) {
      *error = "line " + std::to_string(line_number) + ": " + why + ": " + line;
      return false;
    };
    std::string name;
    Labels labels;
    std::string why;
    if (!ParseSeries(line, &i, &name, &labels, &why)) return fail(why);
    std::vector<std::string> rest;
    while (true) {
      SkipSpaces(line, &i);
      if (i == line.size()) break;
      const size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
      rest.push_back(line.substr(start, i - start));
    }
    double value = 0;
    if (rest.empty()) return fail("no value");
    if (rest.size() > 2) return fail("unexpected text after the timestamp");
    if (!ParseValue(rest[0], &value)) return fail("'" + rest[0] + "' is not a number");
    if (rest.size() == 2 && !ParseTimestamp(rest[1])) {
      return fail("'" + rest[1] + "' is not a timestamp");
    }
    samples[Key(name, std::move(labels))] = value;
  }
  *out = std::move(samples);
  return true;
}

bool ScrapePrometheus(const std::string& url, int64_t timeout_ns, MetricSamples* out,
                      std::string* error) {
  HttpReply reply;
  if (!HttpFetch("GET", url, {}, "", timeout_ns, &reply, error)) return false;
  if (reply.status != 200) {
    *error = "GET " + url + ": HTTP " + std::to_string(reply.status);
    return false;
  }
  if (!ParsePrometheusText(reply.body, out, error)) {
    *error = url + ": " + *error;
    return false;
  }
  return true;
}

std::optional<ServerSideRecord> SplitBetween(const MetricSamples& before,
                                             const MetricSamples& after, const std::string& model) {
  // Counters only grow; a smaller value after means the server restarted in between, and the
  // difference means nothing.
  auto delta = [&](const std::string& name) -> std::optional<double> {
    const std::optional<double> a = ModelSum(before, name, model);
    const std::optional<double> b = ModelSum(after, name, model);
    if (!a || !b || *b < *a) return std::nullopt;
    return *b - *a;
  };
  const auto requests = delta("nv_inference_request_success");
  const auto inferences = delta("nv_inference_count");
  const auto executions = delta("nv_inference_exec_count");
  const auto queue = delta("nv_inference_queue_duration_us");
  const auto compute = delta("nv_inference_compute_infer_duration_us");
  const auto request = delta("nv_inference_request_duration_us");
  if (!requests || !inferences || !executions || !queue || !compute || !request || *requests <= 0) {
    return std::nullopt;
  }
  ServerSideRecord split;
  split.requests = *requests;
  split.inferences = *inferences;
  split.executions = *executions;
  split.queue_us_per_request = *queue / *requests;
  split.compute_us_per_request = *compute / *requests;
  split.request_us_per_request = *request / *requests;
  return split;
}

}  // namespace servebench
