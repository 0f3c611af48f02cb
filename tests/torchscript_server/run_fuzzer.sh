#!/bin/sh
# Builds the request-parser fuzz target with clang (libFuzzer + ASan + UBSan) and runs it for a
# bounded time on a copy of the seed corpus. Fails on any crash, leak or sanitizer report.
# usage: run_fuzzer.sh CLANGXX SERVER_SOURCE_DIR SEED_CORPUS WORK_DIR SECONDS
set -eu
clangxx=$1 src=$2 seeds=$3 work=$4 seconds=$5
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work/corpus"
cp -f "$seeds"/* "$work/corpus/" 2>/dev/null || true
"$clangxx" -std=c++20 -O1 -g -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$src" "$here/request_fuzzer.cc" "$src/rest_codec.cc" "$src/infer_request.cc" "$src/model_spec.cc" "$src/tensor.cc" \
  -lsimdjson -o "$work/request_fuzzer"
cd "$work"
exec ./request_fuzzer -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=8192 \
  -timeout=10 -print_final_stats=1 corpus
