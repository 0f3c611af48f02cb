// Copyright servebench authors.
//
// A table rendered as GitHub-flavoured Markdown, padded so that it also reads well as plain
// text, or as a fixed-width table for the terminal.

#ifndef SERVEBENCH_REPORT_MARKDOWN_TABLE_H_
#define SERVEBENCH_REPORT_MARKDOWN_TABLE_H_

#include <string>
#include <vector>

namespace servebench {

struct TextTable {
  std::vector<std::string> header;
  std::vector<bool> right_aligned;  // per column; numbers read best right-aligned
  std::vector<std::vector<std::string>> rows;
};

// "| a | b |\n|---|--:|\n..." with cell text escaped ('|' and line breaks).
std::string RenderMarkdown(const TextTable& table);

// Columns separated by two spaces, a dashed rule under the header, every line prefixed with
// `indent`.
std::string RenderFixedWidth(const TextTable& table, const std::string& indent);

// Display width of UTF-8 text: code points, not bytes (for "–" and "µ").
size_t DisplayWidth(const std::string& text);

}  // namespace servebench

#endif  // SERVEBENCH_REPORT_MARKDOWN_TABLE_H_
