#!/usr/bin/python3
"""Prepares one TorchServe start: the model archive, config.properties, and the command line.

    /usr/bin/python3 servers/torchserve/prepare.py --venv build/venv/torchserve --source ZOO
        --model NAME --work DIR --http-port P --management-port P --metrics-port P
        [--instances 1] [--threads 1] [--dynamic-batching [--max-batch-size N]
        [--max-queue-delay-us U]]

Writes, under DIR (replacing what an earlier preparation wrote there):
    model-config.yaml        workers (minWorkers = maxWorkers = instances), batchSize and
                             maxBatchDelay (TorchServe's own batching), handler settings
    store/NAME.mar           torch-model-archiver: ZOO/NAME/1/model.pt, servers/torchserve/
                             handler.py, ZOO/NAME/card.json, model-config.yaml
    config.properties        ports on 127.0.0.1, model store, load_models, no token auth, model
                             API on, Prometheus metrics
    tmp/ logs/               TorchServe's pid file and unpacked archives, its logs
and prints one JSON object: the argv (nothing runs here), the extra environment, the URLs.
Batching: TorchServe counts its delay in whole milliseconds, so max_queue_delay_us is rounded
up to the next millisecond; without --dynamic-batching batchSize is 1.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


class PrepareError(ValueError):
    pass


def plan(venv: Path, source: Path, model: str, work: Path, http: int, management: int, metrics: int, *,
         instances: int = 1, threads: int = 1, dynamic_batching: bool = False,
         max_batch_size: int | None = None, max_queue_delay_us: int = 0) -> dict:
    torchserve, archiver = venv / "bin" / "torchserve", venv / "bin" / "torch-model-archiver"
    if not torchserve.exists() or not archiver.exists():
        missing = venv.parent / f"{venv.name}.missing"
        reason = missing.read_text().strip() if missing.exists() else "run scripts/setup"
        raise PrepareError(f"TorchServe is not installed: no {torchserve} ({reason})")
    if instances < 1 or threads < 1:
        raise PrepareError(f"instances ({instances}) and threads ({threads}) must be at least 1")
    card_path = source / model / "card.json"
    model_pt = source / model / "1" / "model.pt"
    if not model_pt.is_file():
        raise PrepareError(f"model '{model}': no {model_pt}")
    card = json.loads(card_path.read_text()) if card_path.is_file() else {}
    batch, delay_ms = 1, 0
    if dynamic_batching:
        zoo_batch = int(card.get("max_batch_size", 0))
        if zoo_batch <= 0:
            raise PrepareError(f"model '{model}': dynamic batching asked for, but the model has no batch dimension")
        batch = max_batch_size if max_batch_size is not None else zoo_batch
        if batch < 1 or max_queue_delay_us < 0:
            raise PrepareError(f"max_batch_size ({batch}) must be at least 1 and max_queue_delay_us "
                               f"({max_queue_delay_us}) not negative")
        delay_ms = math.ceil(max_queue_delay_us / 1000)

    # Only what an earlier preparation wrote here is replaced.
    for sub in ("store", "tmp", "logs"):
        shutil.rmtree(work / sub, ignore_errors=True)
        (work / sub).mkdir(parents=True)
    # YAML written by hand: every value is a plain number, and TorchServe's own parser reads it.
    (work / "model-config.yaml").write_text(
        f"minWorkers: {instances}\nmaxWorkers: {instances}\nbatchSize: {batch}\nmaxBatchDelay: {delay_ms}\n"
        f"responseTimeout: 120\nhandler:\n  intra_op_threads: {threads}\n")
    extra = [str(card_path)] if card_path.is_file() else []
    archive = subprocess.run(
        [str(archiver), "--model-name", model, "--version", "1", "--serialized-file", str(model_pt),
         "--handler", str(HERE / "handler.py"), "--config-file", str(work / "model-config.yaml"),
         "--export-path", str(work / "store"), "--force"] + (["--extra-files", ",".join(extra)] if extra else []),
        capture_output=True, text=True)
    if archive.returncode != 0:
        raise PrepareError(f"torch-model-archiver failed ({archive.returncode}): {archive.stderr.strip()[-800:]}")
    (work / "config.properties").write_text("\n".join([
        f"inference_address=http://127.0.0.1:{http}",
        f"management_address=http://127.0.0.1:{management}",
        f"metrics_address=http://127.0.0.1:{metrics}",
        f"model_store={work / 'store'}",
        f"load_models={model}={model}.mar",
        "disable_token_authorization=true",
        "enable_model_api=true",
        "metrics_mode=prometheus",
        f"default_workers_per_model={instances}",
    ]) + "\n")
    base = f"http://127.0.0.1:{http}"
    mgmt = f"http://127.0.0.1:{management}"
    tmp = str(work / "tmp")
    return {
        "argv": [str(torchserve), "--foreground", "--start", "--ncs", "--disable-token-auth", "--enable-model-api",
                 "--ts-config", str(work / "config.properties"), "--model-store", str(work / "store")],
        # The pid file TorchServe refuses a second start by lives in the temp folder: one per run.
        "env": {"TMPDIR": tmp, "TEMP": tmp, "LOG_LOCATION": str(work / "logs"),
                "METRICS_LOCATION": str(work / "logs")},
        "cwd": str(work),
        "protocol": "torchserve-rest",
        "base_url": base,
        "management_url": mgmt,
        "ready_url": f"{base}/ping",
        "model_ready_url": f"{mgmt}/models/{model}",
        "infer_url": f"{base}/predictions/{model}",
        "metrics_url": f"http://127.0.0.1:{metrics}/metrics",
        # TorchServe's management API; a load request must not carry a JSON Content-Type.
        "repository_api": {"unload": {"method": "DELETE", "url": f"{mgmt}/models/{model}"},
                           "load": {"method": "POST", "url": f"{mgmt}/models?url={model}.mar"
                                                             f"&initial_workers={instances}&synchronous=true"}},
        "model": model,
        "files": [str(work / "model-config.yaml"), str(work / "store" / f"{model}.mar"),
                  str(work / "config.properties")],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venv", type=Path, required=True)
    parser.add_argument("--source", type=Path, required=True, help="the zoo's model repository")
    parser.add_argument("--model", required=True)
    parser.add_argument("--work", type=Path, required=True, help="folder for the generated files")
    for port in ("http", "management", "metrics"):
        parser.add_argument(f"--{port}-port", type=int, required=True)
    parser.add_argument("--instances", type=int, default=1, help="worker processes")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads per worker")
    parser.add_argument("--dynamic-batching", action="store_true")
    parser.add_argument("--max-batch-size", type=int)
    parser.add_argument("--max-queue-delay-us", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        result = plan(args.venv.resolve(), args.source.resolve(), args.model, args.work.resolve(),
                      args.http_port, args.management_port, args.metrics_port, instances=args.instances,
                      threads=args.threads, dynamic_batching=args.dynamic_batching,
                      max_batch_size=args.max_batch_size, max_queue_delay_us=args.max_queue_delay_us)
    except (PrepareError, OSError, ValueError) as exc:
        print(f"servers/torchserve/prepare.py: error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
