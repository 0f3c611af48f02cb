#!/bin/sh
# One long run of a fuzz target built by build_long.sh (docs/reliability.md, "Fuzzing"): the
# committed seed corpus is read, never written; what the fuzzer finds goes to WORK_DIR/corpus,
# which a later run goes on from; a reproducer of a crash, leak or timeout to WORK_DIR. The
# exit status is libFuzzer's. At nice 19: a long run yields to everything else on the machine.
# usage: tests/fuzz/run_long.sh TARGET WORK_DIR [RUNS (default 10000000)] [libFuzzer flags...]
#   TREE: the build tree (default build/fuzz-long)
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
target=$1 work=$2 runs=${3:-10000000}
[ $# -gt 2 ] && shift 3 || shift $#
tree=${TREE:-$src/build/fuzz-long}
# -max_len as tests/fuzz/CMakeLists.txt gives each target.
max_len=$(sed -n "s/^ *servebench_fuzzer($target \([0-9]*\) .*/\1/p" "$src/tests/fuzz/CMakeLists.txt")
[ -n "$max_len" ] || { echo "run_long.sh: no target $target in tests/fuzz/CMakeLists.txt" >&2; exit 2; }
mkdir -p "$work/corpus"
# The journal and pbtxt targets write each input to a file (fuzz_files.h, under $TMPDIR): on a
# memory file system that costs a fraction of a disk's truncate and write (about a tenth of the
# journal target's CPU time on the development machine).
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  export TMPDIR=/dev/shm
fi
cd "$work"
# -timeout=120: one input may take that long before it counts as a hang (a loaded machine can
# stall a quick input for seconds; a real hang is forever).
exec nice -n 19 "$tree/tests/fuzz/${target}_fuzzer" -runs="$runs" -max_len="$max_len" \
  -timeout=120 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" "$@" \
  corpus "$src/tests/fuzz/corpus/$target"
