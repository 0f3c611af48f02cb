// What every front end shares: the repository, the readiness flag and the control mode.
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_SERVER_STATE_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_SERVER_STATE_H_

#include <atomic>

#include "model_repository.h"

namespace servebench::ts {

inline constexpr char kServerName[] = "servebench-torchscript";
inline constexpr char kServerVersion[] = SERVEBENCH_VERSION;  // from CMake

struct ServerState {
  ModelRepository* repository = nullptr;
  // True once the startup loads are done, false again when draining for shutdown.
  std::atomic<bool> ready{false};
  // --model-control-mode explicit: the repository API may load and unload.
  bool explicit_model_control = false;
};

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_SERVER_STATE_H_
