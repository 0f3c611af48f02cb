// Copyright servebench authors.
//
// How a test of tests/run counts the starts of servebench-torchscript in a cell's log: the
// server prints one "serving: http ..." line each time it starts, and every start of a cell's
// server (or of the server it took from the cell before) appends to that log.

#ifndef SERVEBENCH_TESTS_RUN_SERVER_STARTS_H_
#define SERVEBENCH_TESTS_RUN_SERVER_STARTS_H_

#include <fstream>
#include <string>

namespace servebench::testing {

// How many times servebench-torchscript started with its output in the log at `log_path`.
inline int ServerStarts(const std::string& log_path) {
  std::ifstream log(log_path);
  int starts = 0;
  for (std::string line; std::getline(log, line);) starts += line.rfind("serving: http ", 0) == 0;
  return starts;
}

}  // namespace servebench::testing

#endif  // SERVEBENCH_TESTS_RUN_SERVER_STARTS_H_
