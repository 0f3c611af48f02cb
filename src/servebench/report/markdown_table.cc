// Copyright servebench authors.

#include "servebench/report/markdown_table.h"

#include <algorithm>

namespace servebench {

namespace {

std::string EscapeCell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string Pad(const std::string& text, size_t width, bool right) {
  const size_t have = DisplayWidth(text);
  const std::string fill(width > have ? width - have : 0, ' ');
  return right ? fill + text : text + fill;
}

std::vector<size_t> Widths(const std::vector<std::string>& header,
                           const std::vector<std::vector<std::string>>& rows, size_t minimum) {
  std::vector<size_t> widths(header.size(), minimum);
  for (size_t c = 0; c < header.size(); ++c)
    widths[c] = std::max(widths[c], DisplayWidth(header[c]));
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c) {
      widths[c] = std::max(widths[c], DisplayWidth(row[c]));
    }
  }
  return widths;
}

bool RightAt(const TextTable& table, size_t column) {
  return column < table.right_aligned.size() && table.right_aligned[column];
}

}  // namespace

size_t DisplayWidth(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++width;  // count lead bytes only
  }
  return width;
}

std::string RenderMarkdown(const TextTable& table) {
  std::vector<std::string> header;
  for (const auto& h : table.header) header.push_back(EscapeCell(h));
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : table.rows) {
    std::vector<std::string> escaped;
    for (const auto& cell : row) escaped.push_back(EscapeCell(cell));
    escaped.resize(header.size());
    rows.push_back(std::move(escaped));
  }
  const std::vector<size_t> widths = Widths(header, rows, 3);
  // Appended piece by piece: GCC 12 misreads chained temporaries here as overlapping copies.
  std::string out = "|";
  for (size_t c = 0; c < header.size(); ++c) {
    out.append(" ").append(Pad(header[c], widths[c], false)).append(" |");
  }
  out.append("\n|");
  for (size_t c = 0; c < header.size(); ++c) {
    const bool right = RightAt(table, c);
    out.append(" ").append(widths[c] - (right ? 1 : 0), '-').append(right ? ": |" : " |");
  }
  out.append("\n");
  for (const auto& row : rows) {
    out.append("|");
    for (size_t c = 0; c < row.size(); ++c) {
      out.append(" ").append(Pad(row[c], widths[c], RightAt(table, c))).append(" |");
    }
    out.append("\n");
  }
  return out;
}

std::string RenderFixedWidth(const TextTable& table, const std::string& indent) {
  const std::vector<size_t> widths = Widths(table.header, table.rows, 1);
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out = indent;
    for (size_t c = 0; c < widths.size(); ++c) {
      if (c > 0) out += "  ";
      out += Pad(c < cells.size() ? cells[c] : std::string(), widths[c], RightAt(table, c));
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(table.header);
  std::vector<std::string> rule;
  for (size_t w : widths) rule.push_back(std::string(w, '-'));
  out += line(rule);
  for (const auto& row : table.rows) out += line(row);
  return out;
}

}  // namespace servebench
