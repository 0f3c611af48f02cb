// Copyright servebench authors.

#include "csv_reader.h"

namespace servebench::testing {

bool ParseCsv(const std::string& text, std::vector<std::vector<std::string>>* records) {
  records->clear();
  std::vector<std::string> record;
  std::string field;
  size_t i = 0;
  bool in_record = false;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"' && field.empty()) {
      // Quoted field: runs to a quote not followed by another quote.
      ++i;
      while (true) {
        if (i >= text.size()) return false;
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += text[i++];
      }
      if (i < text.size() && text[i] != ',' && text[i] != '\r' && text[i] != '\n') return false;
      in_record = true;
      continue;
    }
    if (c == ',') {
      record.push_back(field);
      field.clear();
      in_record = true;
      ++i;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++i;
      record.push_back(field);
      field.clear();
      records->push_back(record);
      record.clear();
      in_record = false;
    } else if (c == '"') {
      return false;  // a quote inside an unquoted field
    } else {
      field += c;
      in_record = true;
      ++i;
    }
  }
  if (in_record) {
    record.push_back(field);
    records->push_back(record);
  }
  return true;
}

}  // namespace servebench::testing
