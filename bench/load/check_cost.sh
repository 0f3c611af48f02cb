#!/usr/bin/env bash
# What the KServe v2 response check costs the load engine per request: `servebench load` with
# and without --expect-kserve-response against Debian's nginx serving digits-mlp's inference
# response (one FP32 output [1, 10], 227 bytes) on loopback.
#
#   bench/load/check_cost.sh [SECONDS_PER_RUN] [ROUNDS]      (defaults: 10 s, 3 rounds)
#
# nginx (one worker) is pinned to core 1 and servebench to core 0, closed loop, 64 connections,
# one thread; the two variants run alternately, ROUNDS times each. For each run: completed
# requests, the client's user + system CPU seconds (bash's `time`), requests per client
# CPU-second, and client CPU per request. The check's cost is the difference of the mean CPU
# per request.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=bench/load/nginx.sh
. bench/load/nginx.sh

seconds=${1:-10}
rounds=${2:-3}
servebench=${SERVEBENCH:-build/servebench}
port=${PORT:-18081}
connections=64

for tool in nginx taskset jq "$servebench"; do
  command -v "$tool" >/dev/null || { echo "check_cost: '$tool' not found (run scripts/setup)" >&2; exit 1; }
done
[ "$(nproc)" -ge 2 ] || { echo "check_cost: needs 2 cores (server and client pinned apart)" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
  stop_nginx "$work"
  rm -rf "$work"
}
trap cleanup EXIT

response='{"model_name":"digits-mlp","model_version":"1","outputs":[{"name":"OUTPUT__0","datatype":"FP32","shape":[1,10],"data":[-3.4217851,1.2039485,0.0045128,-0.8823401,7.912344,-2.1000733,0.33812097,-5.6649127,2.4471338,-1.0923378]}]}'
printf '%s' "$response" >"$work/reference.json"
start_pinned_nginx "$work" "$port" "default_type application/json; return 200 '$response';"
url="http://127.0.0.1:$port/v2/models/digits-mlp/infer"

TIMEFORMAT='%U %S'
# Runs servebench load pinned to core 0 with extra arguments "$@"; sets $n and $cpu.
run() {
  local t
  { t=$( { time taskset -c 0 "$servebench" load "$url" --concurrency "$connections" --threads 1 \
      --duration "${seconds}s" --warmup 0s --quiet --json "$work/sb.json" "$@" \
      >/dev/null 2>"$work/err"; } 2>&1 ); } || { cat "$work/err" >&2; exit 1; }
  cpu=$(awk '{print $1 + $2}' <<<"$t")
  n=$(jq '.requests.completed' "$work/sb.json")
  local ok validation
  ok=$(jq '.requests.ok' "$work/sb.json")
  validation=$(jq '.requests.errors.validation' "$work/sb.json")
  [ "$ok" = "$n" ] && [ "$validation" = 0 ] || {
    echo "check_cost: $ok ok and $validation validation errors of $n" >&2; exit 1; }
}

echo "nginx $(nginx -v 2>&1 | sed 's/.*\///'), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "closed loop, $connections connections, 1 thread, ${seconds}s per run, $rounds rounds, $(printf '%s' "$response" | wc -c)-byte response"
printf '%-6s %-10s %12s %10s %14s %14s\n' round check requests cpu_s req/cpu_s cpu_ns/req
sum_plain=0 sum_checked=0
for round in $(seq "$rounds"); do
  for variant in plain checked; do
    if [ "$variant" = checked ]; then run --expect-kserve-response "$work/reference.json"; else run; fi
    per=$(awk -v n="$n" -v c="$cpu" 'BEGIN {printf "%.0f", c * 1e9 / n}')
    printf '%-6s %-10s %12s %10.3f %14.0f %14s\n' "$round" "$variant" "$n" "$cpu" \
      "$(awk -v n="$n" -v c="$cpu" 'BEGIN {print n / c}')" "$per"
    if [ "$variant" = checked ]; then sum_checked=$((sum_checked + per)); else sum_plain=$((sum_plain + per)); fi
  done
done
awk -v p="$sum_plain" -v c="$sum_checked" -v r="$rounds" 'BEGIN {
  printf "mean client CPU per request: %.0f ns without the check, %.0f ns with it: +%.0f ns (%+.1f%%)\n",
         p / r, c / r, (c - p) / r, (c - p) * 100 / p }'
