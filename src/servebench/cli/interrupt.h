// Copyright servebench authors.
//
// Ctrl-C and SIGTERM as a flag: a long-running subcommand installs this for its duration, and
// the engine ends its work cleanly (keeping what it measured) when the flag turns true.

#ifndef SERVEBENCH_CLI_INTERRUPT_H_
#define SERVEBENCH_CLI_INTERRUPT_H_

#include <atomic>

namespace servebench {

class InterruptFlag {
 public:
  InterruptFlag();   // handles SIGINT and SIGTERM from now on
  ~InterruptFlag();  // restores their default actions

  InterruptFlag(const InterruptFlag&) = delete;
  InterruptFlag& operator=(const InterruptFlag&) = delete;

  const std::atomic<bool>* flag() const;
};

}  // namespace servebench

#endif  // SERVEBENCH_CLI_INTERRUPT_H_
