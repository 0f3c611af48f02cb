#!/usr/bin/env bash
# How precisely servebench sends on schedule on a busy engine: 10,000 req/s Poisson against
# Debian's nginx (one worker, pinned to core 1, a 3-byte response on loopback), servebench pinned
# to core 0 with 64 connections on one thread, ROUNDS runs of SECONDS each (after 2 s of
# warm-up). Prints each run's schedule lag (actual send - intended send) and the generator's CPU,
# then the median over the runs of the lag p99, the figure of merit (target: at most 50 us).
#
#   bench/load/schedule_lag.sh [SECONDS_PER_RUN] [ROUNDS] [-- EXTRA servebench load FLAGS]
#                                                             (defaults: 10 s, 5 rounds)
#
# The machine's load average is printed before each run: other work on core 0 delays the
# generator's wake-ups, and no user-space technique can hide that entirely.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=bench/load/nginx.sh
. bench/load/nginx.sh

seconds=${1:-10}
rounds=${2:-5}
shift $(($# < 2 ? $# : 2))
[ "${1:-}" = "--" ] && shift
servebench=${SERVEBENCH:-build/servebench}
port=${PORT:-18081}
rate=${RATE:-10000}

for tool in nginx taskset jq "$servebench"; do
  command -v "$tool" >/dev/null || { echo "schedule_lag: '$tool' not found (run scripts/setup)" >&2; exit 1; }
done
[ "$(nproc)" -ge 2 ] || { echo "schedule_lag: needs 2 cores (server and client pinned apart)" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
  stop_nginx "$work"
  rm -rf "$work"
}
trap cleanup EXIT

start_pinned_nginx "$work" "$port" 'return 200 "ok\n";'
url="http://127.0.0.1:$port/"

echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "open loop: $rate req/s Poisson, 64 connections, 1 thread, ${seconds}s (+2 s warm-up), $rounds rounds${*:+, extra flags: $*}"
printf '%-6s %-11s %8s %8s %8s %8s %7s %9s %9s %11s\n' round load_avg_1m sent lag_p50 lag_p99 lag_max late% cpu_util lat_p99 spin_paused
p99s=()
for round in $(seq "$rounds"); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  taskset -c 0 "$servebench" load "$url" --rate "$rate" --arrival poisson --connections 64 \
    --duration "${seconds}s" --warmup 2s --seed "$round" --quiet --json "$work/open.json" "$@" >/dev/null
  read -r sent p50 p99 max late cpu lat99 paused < <(jq -r '[.requests.sent,
      .generator.schedule_lag_us.p50, .generator.schedule_lag_us.p99, .generator.schedule_lag_us.max,
      .generator.late_fraction * 100, .generator.cpu_utilization * 100, .latency_us.p99,
      .generator.send_spin_paused_fraction * 100] | @tsv' "$work/open.json")
  printf '%-6s %-11s %8s %8.1f %8.1f %8.0f %7.3f %8.1f%% %9.1f %10.1f%%\n' "$round" "$load" "$sent" "$p50" "$p99" "$max" "$late" "$cpu" "$lat99" "$paused"
  p99s+=("$p99")
done
median=$(printf '%s\n' "${p99s[@]}" | sort -g | awk '{v[NR] = $1} END {
  print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }')
echo "median schedule lag p99 over $rounds rounds: $median us (lag and latency in us; cpu_util: the generator's CPU over its run)"
if awk -v l="$median" 'BEGIN {exit !(l <= 50)}'; then
  echo "median lag p99 $median us <= 50 us: target met"
else
  echo "median lag p99 $median us > 50 us: target missed"
fi
