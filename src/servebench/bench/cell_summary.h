// Copyright servebench authors.
//
// The judgements servebench makes about measured numbers: whether a load level meets the SLO,
// its goodput, and a cell's summary (the highest throughput within the SLO, the latency and
// resources there, the cost per million inferences). docs/results.md defines each.

#ifndef SERVEBENCH_BENCH_CELL_SUMMARY_H_
#define SERVEBENCH_BENCH_CELL_SUMMARY_H_

#include "servebench/bench/experiment.h"
#include "servebench/load/load_result.h"
#include "servebench/records/cell_record.h"

namespace servebench {

// A level may fail at most this share of its requests and still meet the SLO.
inline constexpr double kSloErrorBudget = 0.01;

struct LevelVerdict {
  bool slo_met = false;
  double slo_latency_us = 0;  // latency at the SLO's percentile
  double goodput_rps = 0;     // throughput of requests whose latency was within the bound
};

// slo_met: at least one successful request, the latency at slo.percentile within slo.bound, and
// errors (all kinds) at most kSloErrorBudget of the requests of the window. goodput: throughput
// times the share of successful requests known to be within the bound (Histogram::CountAtOrBelow).
LevelVerdict JudgeLevel(const LoadResult& result, const Slo& slo);

// Cost of a million inferences at `throughput_rps` on a machine that costs `hourly_price` an hour.
double CostPerMillion(double throughput_rps, double hourly_price);

// The price per hour of what a server uses: the machine's price, or else the per-core price times
// the cores the server is pinned to (`server_cores`). 0 when not priced.
double HourlyPrice(const CostSettings& cost, int server_cores);

// The summary of a cell from its levels and cold start, empty where not measured. The latency,
// CPU and energy figures are those of the level with the highest throughput within the SLO, or
// of the first level when none meets it.
CellSummary SummarizeCell(const CellRecord& cell, double hourly_price);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_CELL_SUMMARY_H_
