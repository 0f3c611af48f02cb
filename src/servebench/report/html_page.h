// Copyright servebench authors.
//
// The shell of servebench's HTML pages (report.html and the page of `servebench compare`): one
// self-contained file that opens from disk and makes no request. Style, data and scripts are
// inlined, and a Content-Security-Policy forbids every fetch, so a page that tried one would
// fail visibly rather than leak.

#ifndef SERVEBENCH_REPORT_HTML_PAGE_H_
#define SERVEBENCH_REPORT_HTML_PAGE_H_

#include <nlohmann/json.hpp>
#include <string>

namespace servebench {

// `text` with &, <, >, " and ' escaped for HTML text and attribute values.
std::string HtmlEscape(const std::string& text);

// A complete page: `body` (HTML) and, when `charts` is not null, the chart data the page's
// script draws (chart_data.h) with the charting library.
std::string HtmlPage(const std::string& title, const std::string& body,
                     const nlohmann::json& charts);

}  // namespace servebench

#endif  // SERVEBENCH_REPORT_HTML_PAGE_H_
