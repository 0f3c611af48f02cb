#!/usr/bin/python3
"""Prepares one MLServer start: settings.json, the model's model-settings.json, the command line.

    /usr/bin/python3 servers/mlserver/prepare.py --venv build/venv/mlserver --source ZOO
        --model NAME --work DIR --http-port P --grpc-port P --metrics-port P
        [--instances 1] [--threads 1] [--dynamic-batching [--max-batch-size N]
        [--max-queue-delay-us U]]

Writes, under DIR/mlserver (replaced):
    settings.json               ports on 127.0.0.1, parallel_workers = instances (inference
                                worker processes, each with its own copy of the model), metrics
                                and environment folders inside DIR
    NAME/model-settings.json    implementation runtime.TorchScriptRuntime, the TorchScript file,
                                adaptive batching (max_batch_size, max_batch_time in seconds),
                                intra_op_threads
    NAME/runtime.py             a link to servers/mlserver/runtime.py (MLServer imports the
                                implementation from the model's folder)
and prints one JSON object: the argv (nothing runs here), the extra environment, the URLs.
Without --dynamic-batching adaptive batching is off (max_batch_size 0).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


class PrepareError(ValueError):
    pass


def plan(venv: Path, source: Path, model: str, work: Path, http: int, grpc: int, metrics: int, *,
         instances: int = 1, threads: int = 1, dynamic_batching: bool = False,
         max_batch_size: int | None = None, max_queue_delay_us: int = 0) -> dict:
    program = venv / "bin" / "mlserver"
    if not program.exists():
        missing = venv.parent / f"{venv.name}.missing"
        reason = missing.read_text().strip() if missing.exists() else "run scripts/setup"
        raise PrepareError(f"MLServer is not installed: no {program} ({reason})")
    if instances < 1 or threads < 1:
        raise PrepareError(f"instances ({instances}) and threads ({threads}) must be at least 1")
    model_pt = source / model / "1" / "model.pt"
    card_path = source / model / "card.json"
    if not model_pt.is_file():
        raise PrepareError(f"model '{model}': no {model_pt}")
    card = json.loads(card_path.read_text()) if card_path.is_file() else {}
    batch, batch_time = 0, 0.0
    if dynamic_batching:
        zoo_batch = int(card.get("max_batch_size", 0))
        if zoo_batch <= 0:
            raise PrepareError(f"model '{model}': dynamic batching asked for, but the model has no batch dimension")
        batch = max_batch_size if max_batch_size is not None else zoo_batch
        if batch < 1 or max_queue_delay_us < 0:
            raise PrepareError(f"max_batch_size ({batch}) must be at least 1 and max_queue_delay_us "
                               f"({max_queue_delay_us}) not negative")
        batch_time = max_queue_delay_us / 1e6

    root = work / "mlserver"
    shutil.rmtree(root, ignore_errors=True)
    (root / model).mkdir(parents=True)
    (root / "settings.json").write_text(json.dumps({
        "host": "127.0.0.1", "http_port": http, "grpc_port": grpc, "metrics_port": metrics,
        "parallel_workers": instances, "load_models_at_startup": True, "debug": False,
        "model_repository_root": str(root), "metrics_dir": str(root / ".metrics"),
        "environments_dir": str(root / ".envs"),
    }, indent=2) + "\n")
    (root / model / "model-settings.json").write_text(json.dumps({
        "name": model, "implementation": "runtime.TorchScriptRuntime",
        "max_batch_size": batch, "max_batch_time": batch_time,
        "parameters": {"uri": str(model_pt), "version": "1",
                       "extra": {"intra_op_threads": threads, "card": str(card_path)}},
    }, indent=2) + "\n")
    os.symlink(HERE / "runtime.py", root / model / "runtime.py")
    base = f"http://127.0.0.1:{http}"
    return {
        "argv": [str(program), "start", str(root)],
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
        "model": model,
        "files": [str(root / "settings.json"), str(root / model / "model-settings.json"),
                  str(root / model / "runtime.py")],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venv", type=Path, required=True)
    parser.add_argument("--source", type=Path, required=True, help="the zoo's model repository")
    parser.add_argument("--model", required=True)
    parser.add_argument("--work", type=Path, required=True, help="folder for the generated files")
    for port in ("http", "grpc", "metrics"):
        parser.add_argument(f"--{port}-port", type=int, required=True)
    parser.add_argument("--instances", type=int, default=1, help="parallel inference workers")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads per worker")
    parser.add_argument("--dynamic-batching", action="store_true")
    parser.add_argument("--max-batch-size", type=int)
    parser.add_argument("--max-queue-delay-us", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        result = plan(args.venv.resolve(), args.source.resolve(), args.model, args.work.resolve(),
                      args.http_port, args.grpc_port, args.metrics_port, instances=args.instances,
                      threads=args.threads, dynamic_batching=args.dynamic_batching,
                      max_batch_size=args.max_batch_size, max_queue_delay_us=args.max_queue_delay_us)
    except (PrepareError, OSError, ValueError) as exc:
        print(f"servers/mlserver/prepare.py: error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
