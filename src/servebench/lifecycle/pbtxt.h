// Copyright servebench authors.
//
// A schema-less reader and writer of protobuf text format, enough to rewrite a Triton-style
// config.pbtxt without Triton's schema: messages are ordered lists of named fields, each a
// scalar kept exactly as written (strings with their quotes, numbers and enum names as tokens)
// or a nested message. Lists (`dims: [ 1, 8 ]`, `input [ {...}, {...} ]`) read as repeated
// fields, which is what they mean in text format. Comments are dropped.

#ifndef SERVEBENCH_LIFECYCLE_PBTXT_H_
#define SERVEBENCH_LIFECYCLE_PBTXT_H_

#include <string>
#include <vector>

namespace servebench {

struct PbtxtField;

struct PbtxtMessage {
  std::vector<PbtxtField> fields;

  // The first field called `name`, or null.
  const PbtxtField* Find(const std::string& name) const;
  // Removes every field called `name`; returns the index the first one had, or fields.size().
  size_t Remove(const std::string& name);
};

struct PbtxtField {
  std::string name;
  bool is_message = false;
  std::string scalar;    // when !is_message: the token as written, e.g. "\"x\"", 64, KIND_CPU
  PbtxtMessage message;  // when is_message
};

// A scalar token for a string value (quoted, escaped).
std::string PbtxtQuote(const std::string& value);
// The value of a quoted scalar token (unescaped); other tokens are returned as they are.
std::string PbtxtUnquote(const std::string& token);

// Reads `text`; on failure explains where in *error (line and column).
bool ParsePbtxt(const std::string& text, PbtxtMessage* out, std::string* error);

// Writes `message` in text format, two spaces per level; consecutive scalar fields of one name
// are written as a list (`dims: [ 1, 8 ]`).
std::string WritePbtxt(const PbtxtMessage& message);

}  // namespace servebench

#endif  // SERVEBENCH_LIFECYCLE_PBTXT_H_
