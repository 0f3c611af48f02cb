#!/usr/bin/env bash
# What starting a cell's server as a job step of its own costs (docs/performance.md, "Slurm
# dispatch"): inside one task of the one-node cluster of tests/slurm/local_cluster.sh, N runs of
# /bin/true started directly, then N started as servebench starts a server in a Slurm task
# (srun --overlap --nodes=1 --ntasks=1 --quiet --kill-on-bad-exit=1 --job-name=...
# taskset --cpu-list 0 /bin/true). The difference per run is what srun's step creation and end
# add to each start of a server (and of a generator process).
# Usage: bench/slurm/step_overhead.sh [N]   (N default 20)
# On a real cluster instead of the local one: STEP_DIR=/a/shared/folder CLUSTER=existing
# bench/slurm/step_overhead.sh N (the folder must be one every node sees).
set -euo pipefail
n=${1:-20}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${STEP_DIR:-/tmp}/servebench-step-XXXXXX")
if [ "${CLUSTER:-local}" = existing ]; then
  trap 'rm -rf "$work"' EXIT
else
  trap '"$here/../../tests/slurm/local_cluster.sh" stop "$work/cluster" >/dev/null 2>&1; rm -rf "$work"' EXIT
  eval "export $("$here/../../tests/slurm/local_cluster.sh" start "$work/cluster")"
fi

cat >"$work/task.sh" <<SCRIPT
#!/usr/bin/env bash
t0=\$(date +%s%N)
for i in \$(seq $n); do /bin/true; done
t1=\$(date +%s%N)
for i in \$(seq $n); do
  srun --overlap --nodes=1 --ntasks=1 --quiet --kill-on-bad-exit=1 --job-name=step-overhead \
    taskset --cpu-list 0 /bin/true
done
t2=\$(date +%s%N)
echo "\$t0 \$t1 \$t2"
SCRIPT
chmod +x "$work/task.sh"
sbatch --parsable --exclusive --nodes=1 --output="$work/task.out" "$work/task.sh" >/dev/null
while [ -n "$(squeue -h -u "$(id -un)" -o %i)" ]; do sleep 0.1; done
read -r t0 t1 t2 <"$work/task.out"
/usr/bin/python3 - "$n" "$t0" "$t1" "$t2" <<'PY'
import sys
n, t0, t1, t2 = int(sys.argv[1]), *map(int, sys.argv[2:])
direct, step = (t1 - t0) / n / 1e6, (t2 - t1) / n / 1e6
print(f"{n} starts: direct {direct:.1f} ms each, as a job step {step:.1f} ms each, "
      f"step overhead {step - direct:.1f} ms per start")
PY
