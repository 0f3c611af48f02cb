#!/bin/sh
# The TorchScript server's performance bench (docs/performance.md, "TorchScript server").
#
# usage: bench/torchscript_server/run_bench.sh BUILD_DIR [SECONDS] [ROUNDS]
#
# Builds a repository with the 64->256->256->10 FP32 MLP (tests/torchscript_server/
# make_test_models.py, fixed seed) served two ways: "mlp" (no batching) and "mlp_batched"
# (dynamic batching up to 64, max_queue_delay 500 us). The server runs pinned to core 1 with one
# HTTP thread; wrk and the gRPC load generator run pinned to core 0. Prints the in-process
# forward (Google Benchmark), then REST JSON (HTTP/1.1 keep-alive) and gRPC throughput, each
# unbatched and batched, measured back to back in this one run. The batching ratio (REST,
# batched / unbatched at 64 connections) is measured ROUNDS times (default 3), the two models
# alternating, and the median round is the figure: on a shared machine one slow window should
# not decide it.
set -eu
build=$(cd "$1" && pwd)
seconds=${2:-10}
rounds=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work="$build/torchscript-bench"
server="$build/servebench-torchscript"
forward="$build/bench/torchscript_server/torchscript_forward_bench"
grpc_load="$build/bench/torchscript_server/torchscript_grpc_load"
for f in "$server" "$forward" "$grpc_load"; do
  [ -x "$f" ] || { echo "missing $f: build servebench-torchscript, torchscript_forward_bench and torchscript_grpc_load" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 2; }

rm -rf "$work"
mkdir -p "$work"
/usr/bin/python3 "$root/tests/torchscript_server/make_test_models.py" "$work/models" >/dev/null
repo="$work/repository"
for name in mlp mlp_batched; do
  mkdir -p "$repo/$name/1"
  cp "$work/models/repository/mlp/1/model.pt" "$repo/$name/1/model.pt"
  sed "s/name: \"mlp\"/name: \"$name\"/" "$work/models/repository/mlp/config.pbtxt" \
    > "$repo/$name/config.pbtxt"
done
printf 'dynamic_batching { max_queue_delay_microseconds: 500 }\n' >> "$repo/mlp_batched/config.pbtxt"
/usr/bin/python3 - "$work/models/reference.json" "$work/body.json" <<'PY'
import json, sys
ref = json.load(open(sys.argv[1]))
body = {"inputs": [{"name": "INPUT__0", "datatype": "FP32", "shape": [1, 64],
                    "data": ref["inputs"][0]}]}
json.dump(body, open(sys.argv[2], "w"))
PY

echo "== in-process libtorch forward (one intra-op thread, core 1)"
taskset -c 1 "$forward" "$repo/mlp/1/model.pt" --benchmark_min_time=2 2>&1 | grep -E "^(Benchmark|BM_)"

taskset -c 1 "$server" --model-repository "$repo" --http-port 0 --grpc-port 0 --metrics-port 0 \
  --http-thread-count 1 --grpc-thread-count 1 --port-file "$work/ports.json" 2>"$work/server.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
i=0
while [ ! -s "$work/ports.json" ]; do
  i=$((i + 1))
  [ $i -lt 600 ] || { echo "server did not start" >&2; cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
http=$(sed 's/.*"http":\([0-9]*\).*/\1/' "$work/ports.json")
grpc=$(sed 's/.*"grpc":\([0-9]*\).*/\1/' "$work/ports.json")

# The machine may be shared: besides wall-clock throughput, report inferences per second of
# CPU the server actually got (utime + stime from /proc), which is what one dedicated core
# would sustain.
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
per_cpu() {  # completed-inferences ticks-before ticks-after
  awk -v n="$1" -v a="$2" -v b="$3" -v hz="$hz" -v s="$seconds" 'BEGIN {
    cpu = (b - a) / hz; printf "  server CPU %.2f s of %d s; %.0f inferences per server CPU-second\n",
    cpu, s, (cpu > 0 ? n / cpu : 0)}'
}

rest() {  # model connections; leaves the inferences per second in $rps
  t0=$(ticks)
  BODY="$work/body.json" taskset -c 0 wrk -t1 -c"$2" -d"${seconds}s" -s "$here/post.lua" \
    "http://127.0.0.1:$http/v2/models/$1/infer" > "$work/wrk.out"
  t1=$(ticks)
  awk -v m="$1" -v c="$2" '/Latency/ {lat=$2} /Requests\/sec/ {rps=$2} / requests in / {n=$1}
    END {printf "rest %s concurrency %d: %.0f inferences/s (mean latency %s)\n", m, c, rps, lat}' \
    "$work/wrk.out"
  per_cpu "$(awk '/ requests in / {print $1}' "$work/wrk.out")" "$t0" "$t1"
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
}

grpc_run() {  # model concurrency
  t0=$(ticks)
  taskset -c 0 "$grpc_load" "127.0.0.1:$grpc" "$1" "$2" "$seconds" | tee "$work/grpc.out"
  t1=$(ticks)
  # The generator counts the calls of its measured window, after a 1 s warm-up it also sends.
  per_cpu "$(sed 's/.*(\([0-9]*\) ok.*/\1/' "$work/grpc.out")" "$t0" "$t1"
}

echo "== REST JSON, HTTP/1.1 keep-alive (server on core 1, wrk on core 0), ${seconds}s each"
BODY="$work/body.json" taskset -c 0 wrk -t1 -c8 -d2s -s "$here/post.lua" \
  "http://127.0.0.1:$http/v2/models/mlp/infer" >/dev/null  # warm-up
rest mlp 1
: > "$work/ratios"
r=1
while [ $r -le "$rounds" ]; do
  echo "-- round $r of $rounds"
  rest mlp 64
  unbatched=$rps
  rest mlp_batched 64
  awk -v b="$rps" -v u="$unbatched" 'BEGIN {printf "%.3f\n", (u > 0 ? b / u : 0)}' >> "$work/ratios"
  r=$((r + 1))
done
echo "batching ratio (mlp_batched / mlp at 64 connections) by round: $(tr '\n' ' ' < "$work/ratios")"
sort -n "$work/ratios" | awk '{v[NR] = $1} END {
  printf "batching ratio, median of %d rounds: %.2fx\n", NR, (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'
echo "== gRPC ModelInfer, raw_input_contents (server on core 1, client on core 0), ${seconds}s each"
grpc_run mlp 1
grpc_run mlp 64
grpc_run mlp_batched 64

echo "== server statistics"
for m in mlp mlp_batched; do
  curl -s "http://127.0.0.1:$http/v2/models/$m/stats" | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)["model_stats"][0]
st = s["inference_stats"]
per = lambda k: st[k]["ns"] / max(1, st[k]["count"]) / 1000
print("%s: %d inferences in %d executions (mean batch %.1f); per request: queue %.1f us, "
      "compute_infer %.1f us (whole batch), end to end %.1f us" % (
      s["name"], s["inference_count"], s["execution_count"],
      s["inference_count"] / max(1, s["execution_count"]), per("queue"), per("compute_infer"),
      per("success")))'
done
kill -TERM $pid
wait $pid
trap - EXIT
echo "server exited $?"
