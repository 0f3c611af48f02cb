// Copyright servebench authors.

#include "servebench/lifecycle/pbtxt.h"

#include <cctype>
#include <cstring>
#include <optional>

namespace servebench {

namespace {

struct Token {
  enum Kind { kWord, kString, kSymbol, kEnd } kind = kEnd;
  std::string text;
  int line = 0;
  int column = 0;
};

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '+' ||
         c == '-';
}

bool Tokenize(const std::string& text, std::vector<Token>* out, std::string* error) {
  int line = 1;
  size_t line_start = 0;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      line_start = ++i;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    Token t;
    t.line = line;
    t.column = static_cast<int>(i - line_start) + 1;
    if (c == '"' || c == '\'') {
      size_t j = i + 1;
      while (j < text.size() && text[j] != c && text[j] != '\n') j += text[j] == '\\' ? 2 : 1;
      if (j >= text.size() || text[j] != c) {
        *error = "line " + std::to_string(t.line) + ":" + std::to_string(t.column) +
                 ": unterminated string";
        return false;
      }
      t.kind = Token::kString;
      t.text = text.substr(i, j + 1 - i);
      i = j + 1;
    } else if (std::strchr("{}[]:,;<>", c) != nullptr) {
      t.kind = Token::kSymbol;
      t.text = std::string(1, c);
      ++i;
    } else if (IsWordChar(c)) {
      size_t j = i;
      while (j < text.size() && IsWordChar(text[j])) ++j;
      t.kind = Token::kWord;
      t.text = text.substr(i, j - i);
      i = j;
    } else {
      *error = "line " + std::to_string(t.line) + ":" + std::to_string(t.column) +
               ": unexpected character '" + std::string(1, c) + "'";
      return false;
    }
    out->push_back(std::move(t));
  }
  Token end;
  end.line = line;
  end.column = static_cast<int>(i - line_start) + 1;
  out->push_back(end);
  return true;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  bool ParseMessage(const char* closing, PbtxtMessage* out, std::string* error) {
    while (true) {
      const Token& t = Peek();
      if (closing == nullptr ? t.kind == Token::kEnd : IsSymbol(t, closing)) {
        if (closing != nullptr) Next();
        return true;
      }
      if (t.kind != Token::kWord) {
        return Fail(t,
                    closing == nullptr ? std::string("expected a field name")
                                       : "expected a field name or '" + std::string(closing) + "'",
                    error);
      }
      const std::string name = Next().text;
      if (IsSymbol(Peek(), ":")) Next();
      if (IsSymbol(Peek(), "[")) {
        Next();
        while (!IsSymbol(Peek(), "]")) {
          if (!ParseValue(name, out, error)) return false;
          if (IsSymbol(Peek(), ",")) Next();
        }
        Next();
      } else if (!ParseValue(name, out, error)) {
        return false;
      }
      if (IsSymbol(Peek(), ",") || IsSymbol(Peek(), ";")) Next();
    }
  }

 private:
  bool ParseValue(const std::string& name, PbtxtMessage* out, std::string* error) {
    const Token& t = Peek();
    PbtxtField field;
    field.name = name;
    if (IsSymbol(t, "{") || IsSymbol(t, "<")) {
      const char* closing = t.text == "{" ? "}" : ">";
      Next();
      field.is_message = true;
      if (!ParseMessage(closing, &field.message, error)) return false;
    } else if (t.kind == Token::kWord || t.kind == Token::kString) {
      field.scalar = Next().text;
    } else {
      return Fail(t, "expected a value for '" + name + "'", error);
    }
    out->fields.push_back(std::move(field));
    return true;
  }

  static bool IsSymbol(const Token& t, const char* symbol) {
    return t.kind == Token::kSymbol && t.text == symbol;
  }
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() {
    const Token& t = tokens_[pos_];
    if (t.kind != Token::kEnd) ++pos_;
    return t;
  }
  static bool Fail(const Token& t, const std::string& what, std::string* error) {
    *error = "line " + std::to_string(t.line) + ":" + std::to_string(t.column) + ": " + what +
             (t.kind == Token::kEnd ? ", found the end" : ", found '" + t.text + "'");
    return false;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

void Write(const PbtxtMessage& message, int depth, std::string* out) {
  const std::string indent(static_cast<size_t>(depth) * 2, ' ');
  const auto& fields = message.fields;
  for (size_t i = 0; i < fields.size();) {
    const PbtxtField& f = fields[i];
    if (f.is_message) {
      *out += indent + f.name + " {\n";
      Write(f.message, depth + 1, out);
      *out += indent + "}\n";
      ++i;
      continue;
    }
    size_t end = i + 1;
    while (end < fields.size() && !fields[end].is_message && fields[end].name == f.name) ++end;
    *out += indent + f.name + ": ";
    if (end - i == 1) {
      *out += f.scalar;
    } else {
      *out += "[ ";
      for (size_t j = i; j < end; ++j) *out += (j > i ? ", " : "") + fields[j].scalar;
      *out += " ]";
    }
    *out += "\n";
    i = end;
  }
}

}  // namespace

const PbtxtField* PbtxtMessage::Find(const std::string& name) const {
  for (const PbtxtField& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

size_t PbtxtMessage::Remove(const std::string& name) {
  std::optional<size_t> first;
  std::vector<PbtxtField> kept;
  for (PbtxtField& f : fields) {
    if (f.name != name) {
      kept.push_back(std::move(f));
    } else if (!first) {
      first = kept.size();
    }
  }
  fields = std::move(kept);
  return first.value_or(fields.size());
}

std::string PbtxtQuote(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

std::string PbtxtUnquote(const std::string& token) {
  if (token.size() < 2 || (token[0] != '"' && token[0] != '\'') || token.back() != token[0]) {
    return token;
  }
  std::string out;
  for (size_t i = 1; i + 1 < token.size(); ++i) {
    if (token[i] == '\\' && i + 2 < token.size()) {
      const char c = token[++i];
      out += c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
    } else {
      out += token[i];
    }
  }
  return out;
}

bool ParsePbtxt(const std::string& text, PbtxtMessage* out, std::string* error) {
  std::vector<Token> tokens;
  if (!Tokenize(text, &tokens, error)) return false;
  Parser parser(std::move(tokens));
  PbtxtMessage message;
  if (!parser.ParseMessage(nullptr, &message, error)) return false;
  *out = std::move(message);
  return true;
}

std::string WritePbtxt(const PbtxtMessage& message) {
  std::string out;
  Write(message, 0, &out);
  return out;
}

}  // namespace servebench
