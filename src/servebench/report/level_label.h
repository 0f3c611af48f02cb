// Copyright servebench authors.
//
// How the report names a load level: "c=16" (closed loop, 16 outstanding requests) or
// "200/s poisson" (open loop at 200 requests a second).

#ifndef SERVEBENCH_REPORT_LEVEL_LABEL_H_
#define SERVEBENCH_REPORT_LEVEL_LABEL_H_

#include <string>

#include "servebench/records/level_record.h"

namespace servebench {

std::string LevelLabel(const LevelPoint& level);

}  // namespace servebench

#endif  // SERVEBENCH_REPORT_LEVEL_LABEL_H_
