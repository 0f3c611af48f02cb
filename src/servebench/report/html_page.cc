// Copyright servebench authors.

#include "servebench/report/html_page.h"

#include "servebench/report/record_fields.h"
#include "servebench/report/web_assets.h"

namespace servebench {

namespace {

// Text placed inside a <script> element must not close it: "</" becomes "<\/", which JSON and
// JavaScript read as the same two characters inside a string.
std::string ScriptSafe(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') {
      out += "<\\/";
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

std::string HtmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string HtmlPage(const std::string& title, const std::string& body,
                     const nlohmann::json& charts) {
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      // Nothing may be fetched: scripts and style are inline, images only data: URLs.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
      "<title>" +
      HtmlEscape(title) + "</title>\n<style>\n" + kReportCss + "</style>\n</head>\n<body>\n" + body;
  if (!charts.is_null()) {
    // A std::string on both sides: clang cannot make a json from the ternary of an array of
    // unknown bound and a literal.
    const std::string library =
        ChartLibraryAvailable() ? std::string(kChartLibraryVersion) : std::string();
    nlohmann::json data = {{"charts", charts}, {"chart_library", library}};
    page += "<script type=\"application/json\" id=\"servebench-data\">" +
            ScriptSafe(SafeDump(data)) + "</script>\n";
    if (ChartLibraryAvailable()) page += "<script>" + ScriptSafe(kChartLibraryJs) + "</script>\n";
    page += "<script>" + ScriptSafe(kReportJs) + "</script>\n";
  }
  page += "</body>\n</html>\n";
  return page;
}

}  // namespace servebench
