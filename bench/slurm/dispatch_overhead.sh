#!/usr/bin/env bash
# The per-cell cost of running cells through Slurm instead of in one local loop
# (docs/performance.md, "Slurm dispatch"), on the one-node cluster of tests/slurm/local_cluster.sh:
#
#   1. an array of K empty tasks (--exclusive, as servebench submits cells): the scheduler's own
#      per-task dispatch on one node, tasks one after the other;
#   2. `servebench run --slurm` of K cells that end at once (an external server on a closed port,
#      so the cell fails after its first request), until the merge job has written the results;
#   3. the same K cells run locally.
#
# Per-cell overhead = (2 - 3) / K: what Slurm and the per-task servebench start add to each cell.
# Usage: bench/slurm/dispatch_overhead.sh BUILD_DIR [K]   (K default 20)
# On a real cluster instead of the local one: DISPATCH_DIR=/a/shared/folder CLUSTER=existing
# bench/slurm/dispatch_overhead.sh BUILD_DIR K (the cluster of SLURM_CONF or the default; the
# folder must be one every node sees, and the queue should hold no other job of yours).
set -euo pipefail
build=$(cd "${1:?usage: $0 BUILD_DIR [K]}" && pwd)
k=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${DISPATCH_DIR:-/tmp}/servebench-dispatch-XXXXXX")
if [ "${CLUSTER:-local}" = existing ]; then
  trap 'rm -rf "$work"' EXIT
else
  trap '"$here/../../tests/slurm/local_cluster.sh" stop "$work/cluster" >/dev/null 2>&1; rm -rf "$work"' EXIT
  eval "export $("$here/../../tests/slurm/local_cluster.sh" start "$work/cluster")"
fi

now() { date +%s.%N; }
wait_idle() { while [ -n "$(squeue -h -u "$(id -un)" -o %i)" ]; do sleep 0.05; done; }

t0=$(now)
sbatch --parsable --exclusive --array=0-$((k - 1)) --output=/dev/null --wrap true >/dev/null
wait_idle
t1=$(now)

# K cells: K scenarios of one external server whose port nothing listens on.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/repository/m/1"
echo 'name: "m"' >"$work/repository/m/config.pbtxt"
: >"$work/repository/m/1/model.pt"
{
  echo "name: dispatch"
  echo "models: {repository: $work/repository, variants: [m]}"
  echo "servers: [{name: closed, kind: external, url: \"http://127.0.0.1:$port\"}]"
  echo "scenarios:"
  for i in $(seq "$k"); do echo "  - {name: s$i, kind: concurrency_sweep, levels: [1]}"; done
  echo "measurement: {request_timeout: 100ms}"
} >"$work/experiment.yaml"

t2=$(now)
"$build/servebench" run "$work/experiment.yaml" --out "$work/slurm" --slurm >/dev/null 2>&1 || true
wait_idle
t3=$(now)
[ -f "$work"/slurm/*/results.json ] || { echo "the Slurm run wrote no results" >&2; exit 1; }
t4=$(now)
"$build/servebench" run "$work/experiment.yaml" --out "$work/local" >/dev/null 2>&1 || true
t5=$(now)

/usr/bin/python3 - "$k" "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" <<'PY'
import sys
k = int(sys.argv[1]); t = [float(x) for x in sys.argv[2:]]
empty, slurm, local = t[1] - t[0], t[3] - t[2], t[5] - t[4]
print(f"cells: {k}")
print(f"empty array of {k} exclusive tasks: {empty:.2f} s, {empty / k:.3f} s per task")
print(f"servebench run --slurm, {k} cells to results: {slurm:.2f} s, {slurm / k:.3f} s per cell")
print(f"servebench run locally, same cells: {local:.2f} s, {local / k:.3f} s per cell")
print(f"per-cell Slurm overhead: {(slurm - local) / k:.3f} s")
PY
