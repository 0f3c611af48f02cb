#!/usr/bin/env bash
# The C++ server (servebench-torchscript) driven through each wire protocol it speaks, with and
# without dynamic batching, at the same offered rate: throughput per server CPU-second and p99.
#
#   bench/load/compare_protocols.sh [OUT_DIR]
#
# Environment: SERVEBENCH (default build/servebench), ZOO (a model repository with digits-mlp and
# resnet18; default the zoo's cache folder), DIGITS_RATE (400), RESNET_RATE (10), MODELS (both:
# "digits-mlp resnet18").
#
# One `servebench run` per model, so that the protocols of a model are compared within one run
# (one machine state). The servers are pinned to core 1; the generator runs beside them. A level
# is Poisson arrivals at the model's rate; servebench samples the server's CPU every 100 ms, and
# throughput per server CPU-second is the level's throughput divided by the server's mean CPU
# use in cores. Protocols: kserve-v2-rest (JSON tensors) and grpc (KServe v2 gRPC, raw tensors);
# the REST binary tensor extension (http-binary) gets a row once that protocol exists.
set -euo pipefail
cd "$(dirname "$0")/../.."

out=${1:-$(mktemp -d)}
servebench=${SERVEBENCH:-build/servebench}
zoo=${ZOO:-$(python3 models/prepare.py --print-default)}
digits_rate=${DIGITS_RATE:-400}
resnet_rate=${RESNET_RATE:-10}
mkdir -p "$out"

protocols="kserve-v2-rest grpc"
if "$servebench" run --help 2>/dev/null | grep -q http-binary ||
   grep -rqs '"http-binary"' src/servebench/protocols/; then
  protocols="$protocols http-binary"
fi

for model in ${MODELS:-digits-mlp resnet18}; do
  rate=$digits_rate
  [ "$model" = resnet18 ] && rate=$resnet_rate
  {
    echo "name: protocols-$model"
    echo "models:"
    echo "  repository: $zoo"
    echo "  variants: [$model]"
    echo "servers:"
    for p in $protocols; do
      echo "  - {name: $p, kind: torchscript, protocol: $p, cpus: [1]}"
      echo "  - {name: $p-batching, kind: torchscript, protocol: $p, cpus: [1], dynamic_batching: true}"
    done
    echo "scenarios:"
    echo "  - {name: rate, kind: rate_sweep, rates: [$rate]}"
    echo "measurement: {warmup: 2s, window: 2s, min_duration: 6s, max_duration: 10s}"
    echo "slo: {percentile: 99, bound: 500ms}"
  } >"$out/$model.yaml"
  echo "== $model at $rate req/s (Poisson); $(uptime | sed 's/.*load/load/')"
  "$servebench" run "$out/$model.yaml" --out "$out/runs-$model" >"$out/$model.log" 2>&1 || {
    tail -20 "$out/$model.log" >&2; exit 1; }
  results=$(ls -d "$out/runs-$model"/*/ | tail -1)results.json
  printf '%-26s %10s %10s %12s %14s %8s\n' server "req/s" "p99 ms" "server cores" "req/server-cpu-s" errors
  jq -r '.cells[] | select(.status == "ok") | . as $c | .levels[0] |
    [$c.server, .load.throughput_rps, .load.latency_us.p99 / 1000,
     .resources.cpu_percent.mean / 100,
     (.load.throughput_rps / (.resources.cpu_percent.mean / 100)),
     ([.load.requests.errors[]] | add)] | @tsv' "$results" |
    awk -F'\t' '{printf "%-26s %10.1f %10.2f %12.3f %14.0f %8d\n", $1, $2, $3, $4, $5, $6}'
done
echo "runs in $out"
