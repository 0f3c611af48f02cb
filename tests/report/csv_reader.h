// Copyright servebench authors.
//
// An RFC 4180 reader for the tests, written apart from the writer so that it checks the
// quoting rather than mirroring it.

#ifndef SERVEBENCH_TESTS_RESULTS_CSV_READER_H_
#define SERVEBENCH_TESTS_RESULTS_CSV_READER_H_

#include <string>
#include <vector>

namespace servebench::testing {

// Records of fields; false on a malformed quote.
bool ParseCsv(const std::string& text, std::vector<std::vector<std::string>>* records);

}  // namespace servebench::testing

#endif  // SERVEBENCH_TESTS_RESULTS_CSV_READER_H_
