// Copyright servebench authors.
//
// A cell's summary (the highest throughput within the SLO, the latency and resources there, the
// cost per million inferences, how many levels were inconclusive, unstable or disturbed, and the
// spread across repeats) from its levels, as docs/results.md defines it. Only levels whose SLO
// verdict is "met" feed the throughput within the SLO and the cost: an inconclusive level never
// does.

#ifndef SERVEBENCH_BENCH_CELL_SUMMARY_H_
#define SERVEBENCH_BENCH_CELL_SUMMARY_H_

#include "servebench/bench/experiment.h"
#include "servebench/records/cell_record.h"

namespace servebench {

// Cost of a million inferences at `throughput_rps` on a machine that costs `hourly_price` an hour.
double CostPerMillion(double throughput_rps, double hourly_price);

// The price per hour of what a server uses: the machine's price, or else the per-core price times
// the cores the server is pinned to (`server_cores`). 0 when not priced.
double HourlyPrice(const CostSettings& cost, int server_cores);

// The summary of a cell from its levels and cold start, empty where not measured. Per repeat,
// the best level is its search's answer (a saturating sweep: the highest rate, or the best
// concurrency, shown to meet the SLO), else the met level of highest throughput; the
// latency, CPU and energy figures are that level's, or the repeat's first level's when none
// met. Each figure is then the mean over the repeats that have it; with two repeats or more the
// spread of the headline figures goes to `repeats`.
CellSummary SummarizeCell(const CellRecord& cell, double hourly_price);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_CELL_SUMMARY_H_
