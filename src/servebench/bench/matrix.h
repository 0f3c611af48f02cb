// Copyright servebench authors.
//
// The experiment matrix: every (model variant x server configuration x scenario) cell, in a
// stable order (variants, then servers, then scenarios, as written in the config), narrowed by
// --filter, and the plan --dry-run prints.

#ifndef SERVEBENCH_BENCH_MATRIX_H_
#define SERVEBENCH_BENCH_MATRIX_H_

#include <string>
#include <vector>

#include "servebench/bench/experiment.h"

namespace servebench {

// Expands the matrix and keeps the cells `filter` selects. Filter syntax (empty selects all):
// comma-separated terms, all of which must match; a term is `field=glob` with field one of
// variant, server, kind (server kind), scenario, or a bare glob matched against the cell id;
// `field!=glob` negates. Globs use * and ?. A malformed filter, or one that selects nothing, is an
// error explained in *error.
bool ExpandMatrix(const ExperimentConfig& config, const std::string& filter,
                  std::vector<Cell>* cells, std::string* error);

// Whether `next`, run right after `cell` in the same process, takes the server `cell` leaves
// running when it ends ok: an accuracy pass on the same server configuration and variant after
// a cell that measured load or accuracy (a cold start's servers are all stopped). The one
// exception to each cell starting and stopping its own servers (docs/architecture.md).
bool TakesServerOf(const Cell& next, const Cell& cell);

// Seconds a cell is expected to take, from the measurement settings: typical server start-ups
// (3 s) and stops (0.5 s), then per level the warm-up and a measurement of at least min_duration,
// 3 windows and, at an offered rate, min_requests / rate, at most max_duration. A search (a
// saturating sweep) counts 8 probes (or max_levels, when fewer), and each repeat starts its own
// server. An accuracy pass that takes `previous`'s server (the cell run just before it; null:
// none, as in a Slurm task of its own) counts the pass alone: no start, and its stop is the one
// counted for `previous`. Levels that never stabilise, or cannot yet be judged, can take longer.
double EstimateCellSeconds(const ExperimentConfig& config, const Cell& cell, const Cell* previous);

// Each cell's EstimateCellSeconds, for `cells` run in turn in one process: the cell before a
// cell is its `previous`.
std::vector<double> EstimateEachCellSeconds(const ExperimentConfig& config,
                                            const std::vector<Cell>& cells);

// The plan as --dry-run prints it: one line per cell (id, levels) and the estimated total.
std::string FormatPlan(const ExperimentConfig& config, const std::vector<Cell>& cells);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_MATRIX_H_
