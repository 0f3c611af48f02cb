#!/usr/bin/python3
"""Prepares one Triton start: the derived repository, and the command line that serves it.

    /usr/bin/python3 servers/triton/prepare.py --venv build/venv/triton --source ZOO --model NAME
        --work DIR --http-port P --grpc-port P --metrics-port P
        [--instances 1] [--threads 1] [--dynamic-batching [--max-batch-size N]
        [--max-queue-delay-us U] [--preferred-batch-size S ...]]

Writes DIR/repository (servers/triton/derive.py) and prints one JSON object: the argv to
start (nothing runs here), the extra environment (none: the bundled binary finds its libraries
through its RUNPATH), and the URLs servebench talks to. The program is the real `tritonserver`
2.51 from the nvidia-pytriton wheel (scripts/requirements/install.py links it as
VENV/bin/tritonserver and gathers the Python backend with the stub for Debian's Python in
VENV/backends/python). Explicit model control: only NAME is loaded at start, and the repository
API (POST /v2/repository/models/NAME/unload|load) works.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from derive import DeriveError, derive  # noqa: E402


def plan(venv: Path, source: Path, model: str, work: Path, http: int, grpc: int, metrics: int,
         **settings) -> dict:
    program = venv / "bin" / "tritonserver"
    if not program.exists():
        missing = venv.parent / f"{venv.name}.missing"
        reason = missing.read_text().strip() if missing.exists() else "run scripts/setup"
        raise DeriveError(f"Triton is not installed: no {program} ({reason})")
    repository = derive(source, model, work / "repository", **settings)
    base = f"http://127.0.0.1:{http}"
    return {
        "argv": [str(program), f"--model-repository={repository}", "--model-control-mode=explicit",
                 f"--load-model={model}", f"--backend-directory={venv / 'backends'}",
                 "--http-address=127.0.0.1", f"--http-port={http}",
                 "--grpc-address=127.0.0.1", f"--grpc-port={grpc}",
                 "--metrics-address=127.0.0.1", f"--metrics-port={metrics}",
                 "--allow-gpu-metrics=false", "--allow-cpu-metrics=true",
                 "--strict-readiness=true", "--exit-on-error=true"],
        "env": {},
        "cwd": str(work),
        "protocol": "kserve-v2-rest",
        "base_url": base,
        "grpc_address": f"127.0.0.1:{grpc}",
        "ready_url": f"{base}/v2/health/ready",
        "model_ready_url": f"{base}/v2/models/{model}/ready",
        "infer_url": f"{base}/v2/models/{model}/infer",
        "metrics_url": f"http://127.0.0.1:{metrics}/metrics",
        "repository_api": {"unload": {"method": "POST", "url": f"{base}/v2/repository/models/{model}/unload"},
                           "load": {"method": "POST", "url": f"{base}/v2/repository/models/{model}/load"}},
        "stats_url": f"{base}/v2/models/{model}/stats",
        "model": model,
        "files": [str(p) for p in sorted((repository / model).rglob("*"))],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venv", type=Path, required=True)
    parser.add_argument("--source", type=Path, required=True, help="the zoo's model repository")
    parser.add_argument("--model", required=True)
    parser.add_argument("--work", type=Path, required=True, help="folder for the generated files")
    for port in ("http", "grpc", "metrics"):
        parser.add_argument(f"--{port}-port", type=int, required=True)
    parser.add_argument("--instances", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dynamic-batching", action="store_true")
    parser.add_argument("--max-batch-size", type=int)
    parser.add_argument("--max-queue-delay-us", type=int, default=0)
    parser.add_argument("--preferred-batch-size", type=int, action="append", default=[])
    args = parser.parse_args(argv)
    try:
        result = plan(args.venv.resolve(), args.source.resolve(), args.model, args.work.resolve(),
                      args.http_port, args.grpc_port, args.metrics_port, instances=args.instances,
                      threads=args.threads, dynamic_batching=args.dynamic_batching,
                      max_batch_size=args.max_batch_size, max_queue_delay_us=args.max_queue_delay_us,
                      preferred_batch_sizes=tuple(args.preferred_batch_size))
    except (DeriveError, OSError) as exc:
        print(f"servers/triton/prepare.py: error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
