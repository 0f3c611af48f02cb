// Copyright servebench authors.
//
// Where the running servebench binary is: servebench-torchscript is built next to it, and the
// runner starts it from there (RunOptions::binary_dir).

#ifndef SERVEBENCH_CLI_BINARY_DIR_H_
#define SERVEBENCH_CLI_BINARY_DIR_H_

#include <string>

namespace servebench {

// The folder of /proc/self/exe; "." when it cannot be read.
std::string BinaryDir();

}  // namespace servebench

#endif  // SERVEBENCH_CLI_BINARY_DIR_H_
