// Copyright servebench authors.
//
// Free TCP ports on 127.0.0.1 for a server about to start: the kernel picks them (bind to port
// 0), servebench reads and releases them, and the server binds them moments later. Picking
// all of a server's ports while holding each keeps them distinct from one another.

#ifndef SERVEBENCH_LIFECYCLE_LOOPBACK_PORTS_H_
#define SERVEBENCH_LIFECYCLE_LOOPBACK_PORTS_H_

#include <string>
#include <vector>

namespace servebench {

// Stores `count` distinct free loopback ports in *ports; explains a failure in *error.
bool PickLoopbackPorts(int count, std::vector<int>* ports, std::string* error);

}  // namespace servebench

#endif  // SERVEBENCH_LIFECYCLE_LOOPBACK_PORTS_H_
