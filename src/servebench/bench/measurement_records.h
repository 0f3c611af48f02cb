// Copyright servebench authors.
//
// The lifecycle's measurements (resource samples, Prometheus splits, cold-start samples) as the
// records a cell record holds. The lifecycle types stay free of the record layer's JSON names;
// the runner converts here, field by field.

#ifndef SERVEBENCH_BENCH_MEASUREMENT_RECORDS_H_
#define SERVEBENCH_BENCH_MEASUREMENT_RECORDS_H_

#include "servebench/lifecycle/cold_start.h"
#include "servebench/lifecycle/prometheus.h"
#include "servebench/lifecycle/resource_sampler.h"
#include "servebench/records/cold_start_record.h"
#include "servebench/records/resource_record.h"
#include "servebench/records/server_side_record.h"

namespace servebench {

ResourceRecord ToRecord(const ResourceStats& stats);
ServerSideRecord ToRecord(const ServerSideSplit& split);
ColdStartTimes ToRecord(const ColdStartSample& sample);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_MEASUREMENT_RECORDS_H_
