// Copyright servebench authors.
//
// Compiled with the lifecycle layer's include view: protocols/ and core/ sit below lifecycle/,
// so these includes are found. The control for upward_include.cc.
#include "servebench/core/url.h"
#include "servebench/lifecycle/launch_plan.h"
#include "servebench/protocols/protocol_adapter.h"
