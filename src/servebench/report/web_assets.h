// Copyright servebench authors.
//
// What report.html inlines, compiled into servebench by cmake/embed_report_web.cmake: the
// charting library (Chart.js, from the npm registry, pinned in report/web/package-lock.json and
// installed by scripts/setup) and servebench's own script and style (report/web/). Compiled in
// rather than read at run time, so that a servebench binary writes the same page wherever it
// runs (docs/report.md).

#ifndef SERVEBENCH_REPORT_WEB_ASSETS_H_
#define SERVEBENCH_REPORT_WEB_ASSETS_H_

namespace servebench {

extern const char kReportJs[];   // draws the charts from the page's data
extern const char kReportCss[];  // screen and print style
// Empty when scripts/setup could not install the library before the build: the page then says
// that the charts are unavailable.
extern const char kChartLibraryJs[];
extern const char kChartLibraryVersion[];  // "chart.js 4.6.1"; empty without the library

inline bool ChartLibraryAvailable() { return kChartLibraryJs[0] != '\0'; }

}  // namespace servebench

#endif  // SERVEBENCH_REPORT_WEB_ASSETS_H_
