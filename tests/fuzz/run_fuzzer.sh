#!/bin/sh
# Runs a libFuzzer target on a fresh copy of its seed corpus (the committed seeds stay as they
# are); the exit status is libFuzzer's: non-zero on a crash, leak, timeout or sanitizer report,
# whose reproducer is left in WORK_DIR.
# usage: run_fuzzer.sh FUZZER SEED_CORPUS WORK_DIR [libFuzzer flags...]
set -eu
fuzzer=$(realpath "$1") seeds=$2 work=$3
shift 3
rm -rf "$work/corpus"
mkdir -p "$work/corpus"
cp "$seeds"/* "$work/corpus/"
cd "$work"
exec "$fuzzer" -rss_limit_mb=2048 -timeout=60 -print_final_stats=1 -artifact_prefix="$work/" \
  "$@" corpus
