// Copyright servebench authors.
//
// Several load generators for one server (a scenario's `generators: N`, docs/distributed.md):
// the level's load is split over N generator processes (`servebench generator`), which connect,
// wait on a common barrier, and then measure, each on its own host's monotonic clock, the same
// warm-up and window. Their results come back as JSON and are merged exactly: counts and
// histograms add (an HDR histogram merge loses nothing), throughput is the sum of the
// generators' throughputs over the common window, and each generator's self-checks are kept.
//
// Outside Slurm the generators are local processes; inside a Slurm job each is a job step of
// its own (srun), so that its CPU is accounted and placed by Slurm.

#ifndef SERVEBENCH_BENCH_GENERATOR_GROUP_H_
#define SERVEBENCH_BENCH_GENERATOR_GROUP_H_

#include <atomic>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "servebench/load/load_record.h"
#include "servebench/load/load_result.h"
#include "servebench/load/load_settings.h"

namespace servebench {

// How the generator processes are started.
struct GeneratorLaunch {
  std::string servebench;          // the servebench binary
  std::string work_dir;            // where their spec and result files go
  std::string protocol;            // the adapter that checks responses (empty: any 2xx is ok)
  std::string reference_response;  // the checked first response the check is built from
  // True: each generator is `srun --overlap --nodes=1 --ntasks=1 servebench generator ...`, a job
  // step of the Slurm job this runs in. Default: when $SLURM_JOB_ID is set.
  bool srun = false;
  const std::atomic<bool>* interrupt = nullptr;
};

// The load of one level split N ways: closed loop, the concurrency (and connections) shared out
// with the remainder to the first generators; open loop, the rate divided by N with a seed of
// each generator's own (N independent Poisson processes of rate R/N are one of rate R).
// Requires N >= 1 and, in closed loop, concurrency >= N.
std::vector<LoadSettings> SplitLoad(const LoadSettings& settings, int n);

// What a generator process is told and what it answers, as JSON (the files they exchange).
nlohmann::json GeneratorSpecJson(const LoadSettings& settings, const GeneratorLaunch& launch);
nlohmann::json LoadResultJson(const LoadResult& result);  // every count and the three histograms
bool LoadResultFromJson(const nlohmann::json& j, LoadResult* out, std::string* error);

// The exact merge: counters and histograms added, windows added index by index, window_s such
// that throughput_rps() is the sum of the generators' throughputs, CPU summed, interrupted when
// any was. `settings` is the level's (unsplit) settings.
LoadResult MergeGeneratorResults(const LoadSettings& settings, const std::vector<LoadResult>& each);

// The generator self-checks of a merged level: each field the worst (largest) over the
// generators, behind when any generator fell behind.
GeneratorRecord WorstGenerator(const std::vector<GeneratorRecord>& each);

struct GeneratorGroupResult {
  LoadResult merged;
  std::vector<LoadResult> each;
};

// Runs the level on N generator processes and merges them. False with *error when a generator
// cannot start, does not reach the barrier within 30 s, fails, or does not finish in time.
bool RunGeneratorGroup(const LoadSettings& settings, int n, const GeneratorLaunch& launch,
                       GeneratorGroupResult* result, std::string* error);

// `servebench generator SPEC RESULT`: the generator side. Reads the spec, connects, says
// "ready" on `out`, waits for a line on `in` (the barrier), runs the load, writes its result to
// RESULT and says "done". Exit code 0, or 1 with the reason on `err`.
int RunGeneratorProcess(const std::string& spec_path, const std::string& result_path,
                        const std::atomic<bool>* interrupt, std::istream& in, std::ostream& out,
                        std::ostream& err);

}  // namespace servebench

#endif  // SERVEBENCH_BENCH_GENERATOR_GROUP_H_
