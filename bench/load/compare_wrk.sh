#!/usr/bin/env bash
# servebench beside wrk against Debian's nginx serving a tiny static response on loopback.
#
#   bench/load/compare_wrk.sh [SECONDS_PER_RUN] [ROUNDS]      (defaults: 10 s, 3 rounds)
#
# nginx (one worker) is pinned to core 1 and each client to core 0, with the same 64
# connections on one thread. Both clients run alternately, ROUNDS times each, so drift in the
# machine's state hits both alike. The figure of merit is requests per client CPU-second:
# completed requests divided by the client's user + system CPU time (bash's `time`, which reads
# the child's rusage), so a client that saturates the server is not penalised for the server's
# speed. servebench records every latency into its histograms while it does so.
#
# Then an open-loop check: 10,000 req/s Poisson against the same nginx; the schedule lag p99
# (actual send - intended send) must be at most 100 us. bench/load/schedule_lag.sh runs that
# check five times and gives the median (docs/performance.md, "Precise sends").
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=bench/load/nginx.sh
. bench/load/nginx.sh

seconds=${1:-10}
rounds=${2:-3}
servebench=${SERVEBENCH:-build/servebench}
port=${PORT:-18080}
connections=64

for tool in nginx wrk taskset jq "$servebench"; do
  command -v "$tool" >/dev/null || { echo "compare_wrk: '$tool' not found (run scripts/setup)" >&2; exit 1; }
done
[ "$(nproc)" -ge 2 ] || { echo "compare_wrk: needs 2 cores (server and client pinned apart)" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
  stop_nginx "$work"
  rm -rf "$work"
}
trap cleanup EXIT

start_pinned_nginx "$work" "$port" 'return 200 "ok\n";'
url="http://127.0.0.1:$port/"

# Runs "$@" pinned to core 0; prints "<stdout>" and leaves its user+sys CPU seconds in $cpu.
TIMEFORMAT='%U %S'
timed() {
  local t
  { t=$( { time taskset -c 0 "$@" >"$work/out" 2>"$work/err"; } 2>&1 ); } || {
    cat "$work/err" >&2; exit 1; }
  cpu=$(awk '{print $1 + $2}' <<<"$t")
}

echo "nginx $(nginx -v 2>&1 | sed 's/.*\///'), wrk $(dpkg-query -W -f='${Version}' wrk), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "closed loop, $connections connections, 1 thread, ${seconds}s per run, $rounds rounds"
printf '%-6s %-11s %12s %10s %10s %16s\n' round tool requests req/s cpu_s req/cpu_s
total_wrk=0 total_sb=0
for round in $(seq "$rounds"); do
  timed wrk -t1 -c"$connections" -d"${seconds}s" "$url"
  n=$(awk '/requests in/ {print $1}' "$work/out")
  wrk_rate=$(awk -v n="$n" -v c="$cpu" 'BEGIN {printf "%.0f", n / c}')
  printf '%-6s %-11s %12s %10.0f %10.3f %16s\n' "$round" wrk "$n" \
    "$(awk '/Requests\/sec/ {print $2}' "$work/out")" "$cpu" "$wrk_rate"

  timed "$servebench" load "$url" --concurrency "$connections" --threads 1 \
    --duration "${seconds}s" --warmup 0s --quiet --json "$work/sb.json"
  n=$(jq '.requests.completed' "$work/sb.json")
  sb_rate=$(awk -v n="$n" -v c="$cpu" 'BEGIN {printf "%.0f", n / c}')
  printf '%-6s %-11s %12s %10.0f %10.3f %16s\n' "$round" servebench "$n" \
    "$(jq '.throughput_rps' "$work/sb.json")" "$cpu" "$sb_rate"
  total_wrk=$((total_wrk + wrk_rate))
  total_sb=$((total_sb + sb_rate))
done
awk -v s="$total_sb" -v w="$total_wrk" -v r="$rounds" 'BEGIN {
  printf "mean requests per client CPU-second: servebench %.0f, wrk %.0f, ratio servebench/wrk %.2f\n",
         s / r, w / r, s / w }'

echo
echo "open loop: 10000 req/s Poisson, 64 connections, 1 thread, ${seconds}s (+2 s warm-up)"
taskset -c 0 "$servebench" load "$url" --rate 10000 --arrival poisson --connections 64 \
  --duration "${seconds}s" --warmup 2s --quiet --json "$work/open.json" >/dev/null
jq -r '"sent \(.requests.sent), ok \(.requests.ok), throughput \(.throughput_rps | floor) req/s, " +
       "schedule lag p50 \(.generator.schedule_lag_us.p50) us, p99 \(.generator.schedule_lag_us.p99) us, " +
       "max \(.generator.schedule_lag_us.max) us, late \(.generator.late_fraction * 100) %, " +
       "latency p50 \(.latency_us.p50) us, p99 \(.latency_us.p99) us"' "$work/open.json"
lag_p99=$(jq '.generator.schedule_lag_us.p99' "$work/open.json")
if awk -v l="$lag_p99" 'BEGIN {exit !(l <= 100)}'; then
  echo "schedule lag p99 $lag_p99 us <= 100 us: target met"
else
  echo "schedule lag p99 $lag_p99 us > 100 us: target missed"
fi
