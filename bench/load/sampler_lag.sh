#!/usr/bin/env bash
# Does servebench run's resource sampler delay the load generator? A run samples the server's
# process tree every 100 ms on a thread that shares the generator's core, and a sample is mostly
# kernel time (PSS from smaps_rollup walks the page tables). This runs bench/load/sampler_lag.yaml
# (digits-mlp on FastAPI and on the C++ server, four levels of 1,500 req/s Poisson each, servers
# and generator pinned apart as servebench run does) and prints each level's schedule lag p99
# and late sends (over 1 ms), then the median lag p99 of each cell.
#
#   bench/load/sampler_lag.sh [RUNS_DIR]          (default: a temporary folder, removed)
#
# Needs scripts/setup (the FastAPI server, the model zoo's digits-mlp, prepared on first use).
set -euo pipefail
cd "$(dirname "$0")/../.."
servebench=${SERVEBENCH:-build/servebench}
for tool in jq "$servebench"; do
  command -v "$tool" >/dev/null || { echo "sampler_lag: '$tool' not found (run scripts/setup)" >&2; exit 1; }
done
out=${1:-}
if [ -z "$out" ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$servebench" run bench/load/sampler_lag.yaml --out "$out" >/dev/null 2>&1 ||
  { echo "sampler_lag: servebench run failed; rerun with a RUNS_DIR to keep its logs" >&2; exit 1; }
results=$(ls -d "$out"/*/results.json | tail -1)
jq -r '.cells[] | [.cell_id,
    ([.levels[].load.generator | "\(.schedule_lag_us.p99 | floor) us/\(.late_fraction * 100 * 100 | round / 100)%"] | join("  ")),
    ([.levels[].load.generator.schedule_lag_us.p99] | sort | (.[(length - 1) / 2 | floor] + .[length / 2 | floor]) / 2 | floor)]
    | "\(.[0]): lag p99/late per level: \(.[1]); median lag p99 \(.[2]) us"' "$results"
