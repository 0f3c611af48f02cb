#!/bin/bash
# What CI's sanitizer tree costs at a given optimisation level (docs/reliability.md, "Cost in
# CI"): configures a fresh tree as tests/sanitize/build_sanitized.sh does but with FLAGS, builds
# its targets group by group with ccache off (wall, user and system time of each group), then
# runs sanitize.fast_tests' ctest command there, one test at a time or JOBS at a time, and each
# fuzz target's CI run. Compare two levels by CPU time (user + system): wall time depends on
# what else the machine runs.
# usage: bench/sanitize/sanitizer_cost.sh TREE "FLAGS" [BUILD_JOBS (default 2)] [TEST_JOBS (default 1)]
#   e.g. bench/sanitize/sanitizer_cost.sh /tmp/san-o0 "-O0 -gline-tables-only"
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
tree=$1 flags=$2 build_jobs=${3:-2} test_jobs=${4:-1}
rm -rf "$tree"
export CCACHE_DISABLE=1
cmake -S "$src" -B "$tree" -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$flags" \
  -DSERVEBENCH_SANITIZE=address,undefined -DSERVEBENCH_FUZZ=ON -DCMAKE_UNITY_BUILD=ON \
  >"$tree.configure.log" 2>&1 || { echo "configure failed: $tree.configure.log" >&2; exit 1; }
# The groups of build_sanitized.sh's target list, in its order.
for group in "core_test yaml_test" "load_test load_response_check_test" \
  "http_response_fuzzer yaml_config_fuzzer pbtxt_fuzzer histogram_fuzzer journal_fuzzer" \
  "servebench-torchscript" "torchscript_codec_test torchscript_abuse_test model_config_fuzzer"; do
  # shellcheck disable=SC2086  # the group splits into targets
  /usr/bin/time -f "build [$group]: %e s wall, %U s user, %S s system" \
    cmake --build "$tree" -j"$build_jobs" --target $group >"$tree.build.log" 2>"$tree.time" ||
    { echo "build of [$group] failed: $tree.build.log" >&2; exit 1; }
  tail -1 "$tree.time"
done
export ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=32:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The command of sanitize.fast_tests (tests/sanitize/CMakeLists.txt), with its timing checks.
timing="KnownDelayIsMeasuredWithinFivePercent|OpenLoopSendsOnSchedule|MultiStreamSendsEachQueryTogether"
timing="$timing|^CoordinatedOmissionTest\.|^lifecycle\.ColdStartTest\.Measures|^lifecycle\.ResourceSamplerTest\."
/usr/bin/time -f "fast tests, $test_jobs at a time: %e s wall, %U s user, %S s system" \
  ctest --test-dir "$tree" --output-on-failure --no-tests=error --parallel "$test_jobs" \
  -LE "python|real_servers|fuzz|browser" -E "^layers\.|^torchscript_fuzz|_NOT_BUILT$|$timing" \
  >"$tree.fast.log" 2>"$tree.time"
tail -1 "$tree.time"
grep -E "tests passed|tests failed" "$tree.fast.log"
for f in http_response yaml_config pbtxt histogram journal model_config; do
  /usr/bin/time -f "fuzz $f: %e s wall" ctest --test-dir "$tree" --no-tests=error \
    -R "^fuzz\.$f$" >"$tree.fuzz.log" 2>"$tree.time"
  tail -1 "$tree.time"
done
