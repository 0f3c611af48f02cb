#!/bin/sh
# Configures (once) and builds the sanitizer tree: clang, ASan + UBSan, the fuzz targets, and of
# the rest only what the fast tests run. -O0 with line tables: the sanitizers' instrumentation is
# what makes a file slow to compile at -O1 (a fresh tree's build took 0.56x the CPU time at -O0,
# 2026-12-02), and the fast tests, mostly waiting on sockets and processes, took 114 s against
# 84 s at -O1; the fuzz runs are bounded in time, not inputs. Line tables keep reports readable.
# usage: build_sanitized.sh CLANG CLANGXX SOURCE_DIR TREE WITH_SERVER(yes|no) [LAUNCHER]
set -eu
cc=$1 cxx=$2 src=$3 tree=$4 with_server=$5 launcher=${6:-}
# Unity sources (CMAKE_UNITY_BUILD: up to 8 of a library's files compiled as one) for the
# libraries: a fresh tree took 11 min 48 s one file at a time on a 2-core machine and 7 min 47 s
# so (much of the difference is the same Boost, gRPC and JSON headers parsed again for every
# file). So names that are local to a file (an anonymous namespace) must still differ between the
# files of a library: the test layers.unique_file_names checks it (unique_file_names.py says why).
flags="-O0 -gline-tables-only"
if ! grep -qs '^CMAKE_UNITY_BUILD:BOOL=ON$' "$tree/CMakeCache.txt" ||
  ! grep -qsx "CMAKE_CXX_FLAGS_RELWITHDEBINFO:STRING=$flags" "$tree/CMakeCache.txt"; then
  cmake -S "$src" -B "$tree" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$flags" \
    -DSERVEBENCH_SANITIZE=address,undefined -DSERVEBENCH_FUZZ=ON -DCMAKE_UNITY_BUILD=ON \
    ${launcher:+-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher"}
fi
# CI time: a fresh clang tree of every test program took longer than the rest of CI together on a
# 2-core runner, so CI builds the layers whose code reads untrusted bytes (core, yaml, load and
# the server) and the fuzz targets; the other programs build here too when named by hand.
targets="core_test yaml_test load_test load_response_check_test
  http_response_fuzzer yaml_config_fuzzer pbtxt_fuzzer histogram_fuzzer journal_fuzzer
  ${SERVEBENCH_SANITIZE_EXTRA_TARGETS:-}"
if [ "$with_server" = yes ]; then
  targets="$targets servebench-torchscript torchscript_codec_test torchscript_abuse_test
    model_config_fuzzer"
fi
# shellcheck disable=SC2086  # the list splits into targets
exec cmake --build "$tree" -j"$(nproc 2>/dev/null || echo 2)" --target $targets
