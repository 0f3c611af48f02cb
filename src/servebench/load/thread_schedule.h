// Copyright servebench authors.
//
// How an open-loop run's arrivals are split over its worker threads: thread t's own schedule.
// A pure function of the settings, so the engine and anyone planning a run (ApplyLoadScenario,
// which sizes a Server window to hold a number of queries) see the same intended times.

#ifndef SERVEBENCH_LOAD_THREAD_SCHEDULE_H_
#define SERVEBENCH_LOAD_THREAD_SCHEDULE_H_

#include <memory>

#include "servebench/core/arrival_schedule.h"
#include "servebench/load/load_settings.h"

namespace servebench {

// Thread `thread`'s share (0 <= thread < settings.threads) of the open-loop arrivals. A rate R
// over T threads is T processes of rate R/T: T independent Poisson processes of rate R/T
// superpose to one Poisson process of rate R, and T constant processes offset by 1/R interleave
// into one of rate R. A trace is dealt out entry by entry. Offline (settings.scenario): the
// thread's share of the requests, every one intended at the start of the window.
std::unique_ptr<ArrivalSchedule> ScheduleForThread(const LoadSettings& settings, int thread);

}  // namespace servebench

#endif  // SERVEBENCH_LOAD_THREAD_SCHEDULE_H_
