// Copyright servebench authors.
//
// Running a helper program to its end while planning a server (e.g. TorchServe's model
// archiver): its output kept in a log file, its time bounded, and a failure explained with the
// log's last lines. Not for servers: those are ServerProcess (lifecycle/server_process.h).

#ifndef SERVEBENCH_LIFECYCLE_RUN_PROGRAM_H_
#define SERVEBENCH_LIFECYCLE_RUN_PROGRAM_H_

#include <cstdint>
#include <string>
#include <vector>

namespace servebench {

// Runs argv (argv[0] a path, or a bare name looked up on PATH) with `env` KEY=VALUE entries
// added to servebench's environment, stdin from /dev/null, stdout and stderr to `log_path`
// (replaced). True when it exits with status 0 within `timeout_ns`; otherwise kills it and
// returns false with *error naming the program, how it ended and the log's last lines.
bool RunProgram(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                const std::string& log_path, int64_t timeout_ns, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_LIFECYCLE_RUN_PROGRAM_H_
