#!/usr/bin/env bash
# servebench's gRPC load engine beside ghz (a Go gRPC load tool) and beside its own HTTP engine,
# against the C++ server (servebench-torchscript) serving digits-mlp at batch 1.
#
#   bench/load/compare_ghz.sh [SECONDS_PER_RUN] [ROUNDS]      (defaults: 10 s, 3 rounds)
#
# Environment: SERVEBENCH, SERVER (the two binaries; default build/), ZOO (a model repository
# with digits-mlp; default the zoo's cache folder), CONCURRENCY (16), CONNECTIONS (4).
#
# The server is pinned to core 1 and each client to core 0. Every client sends the same
# ModelInferRequest bytes (written here by hand from proto/grpc_predict_v2.proto: digits-mlp,
# INPUT__0 FP32 [1, 64] in raw_input_contents) with the same concurrency over the same number of
# HTTP/2 connections, in closed loop, alternately, ROUNDS times each, so that drift in the
# machine's state hits all alike. The figure of merit is requests per client CPU-second:
# successful requests divided by the client's user + system CPU time (bash's `time`, which reads
# the child's rusage), so a client that saturates the server is not penalised for the server's
# speed. servebench records every latency into its histograms while it does so; the line
# "servebench+check" also parses and checks every response (--model), which ghz does not.
#
# ghz is installed with `go install` into a folder under build/ (pinned version below); it needs
# Go and the Go module proxy once.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-10}
rounds=${2:-3}
servebench=${SERVEBENCH:-build/servebench}
server=${SERVER:-build/servebench-torchscript}
zoo=${ZOO:-$(python3 models/prepare.py --print-default)}
concurrency=${CONCURRENCY:-16}
connections=${CONNECTIONS:-4}
ghz_version=v0.120.0
ghz_bin=build/bench-tools/bin
model=digits-mlp

for tool in taskset jq python3 "$servebench" "$server"; do
  command -v "$tool" >/dev/null || { echo "compare_ghz: '$tool' not found" >&2; exit 1; }
done
[ -d "$zoo/$model" ] || { echo "compare_ghz: no $model in $zoo (models/prepare.py)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "compare_ghz: needs 2 cores (server and client pinned apart)" >&2; exit 1; }

if [ ! -x "$ghz_bin/ghz" ]; then
  go=$(command -v go || echo /usr/local/go/bin/go)
  [ -x "$go" ] || { echo "compare_ghz: ghz needs Go to install (apt-get install golang-go)" >&2; exit 1; }
  echo "installing ghz $ghz_version into $ghz_bin" >&2
  GOBIN=$PWD/$ghz_bin "$go" install "github.com/bojand/ghz/cmd/ghz@$ghz_version"
fi
ghz=$ghz_bin/ghz

work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

read -r http_port grpc_port metrics_port < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
PY
)
taskset -c 1 "$server" --model-repository "$zoo" --model-control-mode explicit --load-model "$model" \
  --http-address 127.0.0.1 --http-port "$http_port" --grpc-address 127.0.0.1 \
  --grpc-port "$grpc_port" --metrics-address 127.0.0.1 --metrics-port "$metrics_port" \
  >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do
  curl -sf "http://127.0.0.1:$http_port/v2/models/$model/ready" >/dev/null 2>&1 && break
  sleep 0.1
done

# ModelInferRequest{model_name: digits-mlp, inputs: [{name: INPUT__0, datatype: FP32,
# shape: [1, 64]}], raw_input_contents: [64 floats]}, protobuf wire format by hand.
python3 - "$work/request.bin" "$model" <<'PY'
import struct, sys
def varint(n):
    out = b""
    while True:
        b = n & 0x7F; n >>= 7
        if n: out += bytes([b | 0x80])
        else: return out + bytes([b])
def field(number, payload): return varint(number << 3 | 2) + varint(len(payload)) + payload
tensor = field(1, b"INPUT__0") + field(2, b"FP32") + field(3, varint(1) + varint(64))
raw = struct.pack("<64f", *[(i % 17) / 16 for i in range(64)])
open(sys.argv[1], "wb").write(field(1, sys.argv[2].encode()) + field(5, tensor) + field(7, raw))
PY

grpc_url="grpc://127.0.0.1:$grpc_port"
TIMEFORMAT='%U %S'
# Runs "$@" pinned to core 0; leaves its user+sys CPU seconds in $cpu.
timed() {
  local t
  { t=$( { time taskset -c 0 "$@" >"$work/out" 2>"$work/err"; } 2>&1 ); } || {
    cat "$work/err" >&2; exit 1; }
  cpu=$(awk '{print $1 + $2}' <<<"$t")
}
row() {  # round tool ok seconds cpu
  printf '%-6s %-17s %10s %10.0f %8.3f %12.0f\n' "$1" "$2" "$3" "$(awk -v n="$3" -v s="$4" 'BEGIN {print n / s}')" \
    "$5" "$(awk -v n="$3" -v c="$5" 'BEGIN {print n / c}')"
}

echo "servebench-torchscript $model batch 1, ghz $ghz_version, $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "closed loop, concurrency $concurrency over $connections connections, 1 client thread, ${seconds}s per run, $rounds rounds; $(uptime | sed 's/.*load/load/')"
printf '%-6s %-17s %10s %10s %8s %12s\n' round tool ok req/s cpu_s req/cpu_s
declare -A sum
for round in $(seq "$rounds"); do
  timed "$ghz" --insecure --proto proto/grpc_predict_v2.proto \
    --call inference.GRPCInferenceService/ModelInfer --binary --binary-file "$work/request.bin" \
    --concurrency "$concurrency" --connections "$connections" --cpus 1 \
    --duration "${seconds}s" --format json "127.0.0.1:$grpc_port"
  ok=$(jq '.statusCodeDistribution.OK // 0' "$work/out")
  wall=$(jq '.total / 1e9' "$work/out")
  row "$round" ghz "$ok" "$wall" "$cpu"; sum[ghz]=$(awk -v a="${sum[ghz]:-0}" -v n="$ok" -v c="$cpu" 'BEGIN {print a + n / c}')

  for variant in servebench servebench+check servebench-http; do
    case $variant in
      servebench) args=("$grpc_url/inference.GRPCInferenceService/ModelInfer" --body "@$work/request.bin"
                        --connections "$connections") ;;
      servebench+check) args=("$grpc_url" --model "$model" --connections "$connections") ;;
      # HTTP/1.1 has one request per connection at a time: as many connections as requests.
      servebench-http) args=("http://127.0.0.1:$http_port" --model "$model") ;;
    esac
    timed "$servebench" load "${args[@]}" --concurrency "$concurrency" --threads 1 \
      --duration "${seconds}s" --warmup 0s --quiet --json "$work/sb.json"
    ok=$(jq '.requests.ok' "$work/sb.json")
    errors=$(jq '[.requests.errors[]] | add' "$work/sb.json")
    [ "$errors" = 0 ] || { echo "compare_ghz: $variant had $errors errors" >&2; jq .requests "$work/sb.json" >&2; exit 1; }
    row "$round" "$variant" "$ok" "$(jq '.generator.wall_seconds' "$work/sb.json")" "$cpu"
    sum[$variant]=$(awk -v a="${sum[$variant]:-0}" -v n="$ok" -v c="$cpu" 'BEGIN {print a + n / c}')
  done
done
echo
for tool in ghz servebench servebench+check servebench-http; do
  printf 'mean req/cpu_s %-17s %10.0f  (%.2fx ghz)\n' "$tool" \
    "$(awk -v s="${sum[$tool]}" -v r="$rounds" 'BEGIN {print s / r}')" \
    "$(awk -v s="${sum[$tool]}" -v g="${sum[ghz]}" 'BEGIN {print s / g}')"
done
