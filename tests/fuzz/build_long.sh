#!/bin/sh
# Configures (once) and builds the fuzz targets for long runs (docs/reliability.md, "Fuzzing"):
# clang, libFuzzer + UndefinedBehaviorSanitizer, no AddressSanitizer. A run of ten million inputs
# is about finding crashes, undefined behaviour and hangs quickly; without ASan's shadow memory
# and quarantine the targets run several times faster. ASan runs stay in CI's short runs
# (tests/sanitize). -O2 with line tables: fast, and a report still names its line.
# usage: tests/fuzz/build_long.sh [TREE (default build/fuzz-long)] [TARGET...]
#   CLANG, CLANGXX: the compilers (default clang-14, clang++-14, as tests/sanitize uses);
#   JOBS: parallel compile jobs (default 1: a translation unit of the server takes ~1.5 GiB).
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
tree=${1:-$src/build/fuzz-long}
[ $# -gt 0 ] && shift
targets=${*:-http_response_fuzzer yaml_config_fuzzer pbtxt_fuzzer histogram_fuzzer journal_fuzzer
  model_config_fuzzer}
if [ ! -f "$tree/CMakeCache.txt" ]; then
  launcher=
  command -v ccache >/dev/null 2>&1 && launcher=ccache
  cmake -S "$src" -B "$tree" -DCMAKE_C_COMPILER="${CLANG:-clang-14}" \
    -DCMAKE_CXX_COMPILER="${CLANGXX:-clang++-14}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only" \
    -DSERVEBENCH_SANITIZE=undefined -DSERVEBENCH_FUZZ=ON \
    ${launcher:+-DCMAKE_CXX_COMPILER_LAUNCHER=$launcher}
fi
# shellcheck disable=SC2086  # the list splits into targets
exec cmake --build "$tree" -j"${JOBS:-1}" --target $targets
