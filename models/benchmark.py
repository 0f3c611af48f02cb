#!/usr/bin/python3
"""In-process latency of every model in a repository: what each variant costs before any
server, protocol or queue adds to it.

    /usr/bin/python3 models/benchmark.py [--repository DIR] [--threads 1] [--batches 1,32]
                                         [--budget 1.0] [--markdown OUT.md] [--json OUT.json]

Each model is loaded from its TorchScript file as a server would load it (quantized engine
first), fed seeded uniform inputs, warmed up, then timed call by call with a monotonic clock
for about --budget seconds per batch size (at least 5 calls). The table gives the median and
p90 per call, the file size, parameters and the card's top-1 accuracy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from prepare import default_repository  # noqa: E402


def time_calls(module, x: torch.Tensor, budget_s: float, min_calls: int = 5, warmup: int = 3) -> list[float]:
    """Per-call latencies in microseconds."""
    samples: list[float] = []
    with torch.inference_mode():
        for _ in range(warmup):
            module(x)
        deadline = time.perf_counter() + budget_s
        while len(samples) < min_calls or time.perf_counter() < deadline:
            t0 = time.perf_counter_ns()
            module(x)
            samples.append((time.perf_counter_ns() - t0) / 1000.0)
    return samples


def fmt_us(us: float) -> str:
    return f"{us / 1000:.2f} ms" if us >= 1000 else f"{us:.1f} us"


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repository", type=Path, default=None, help="model repository (default: the zoo's)")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--batches", default="1,32", help="comma-separated batch sizes")
    parser.add_argument("--budget", type=float, default=1.0, help="seconds of timed calls per model and batch")
    parser.add_argument("--models", default="", help="comma-separated subset of models")
    parser.add_argument("--markdown", type=Path, help="write the Markdown table here")
    parser.add_argument("--json", type=Path, help="write the raw figures here")
    args = parser.parse_args(argv)

    repo = (args.repository or default_repository(False)).expanduser().resolve()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    batches = [int(b) for b in args.batches.split(",") if b]
    try:
        names = list(json.loads((repo / "zoo.json").read_text())["models"])
    except (OSError, ValueError, KeyError):
        names = sorted(p.name for p in repo.iterdir() if (p / "config.pbtxt").exists())
    if args.models:
        wanted = args.models.split(",")
        names = [n for n in names if n in wanted]

    default_engine = torch.backends.quantized.engine
    rows = []
    for name in names:
        card = json.loads((repo / name / "card.json").read_text())
        torch.backends.quantized.engine = card.get("quantized_engine") or default_engine
        module = torch.jit.load(str(repo / name / "1" / "model.pt")).eval()
        dims = card["inputs"][0]["shape"][1:]
        rng = np.random.default_rng(0)
        row = {"model": name, "technique": card["technique"], "engine": card.get("quantized_engine"),
               "file_bytes": card["file_size_bytes"], "parameters": card["parameter_count"],
               "nonzero": card["nonzero_parameters"], "top1": card["accuracy"].get("top1"),
               "test_samples": card["accuracy"].get("samples"), "latency_us": {}}
        for batch in batches:
            x = torch.from_numpy(rng.random((batch, *dims), dtype=np.float32))
            samples = sorted(time_calls(module, x, args.budget))
            row["latency_us"][str(batch)] = {
                "calls": len(samples),
                "p50": round(samples[len(samples) // 2], 2),
                "p90": round(samples[min(len(samples) - 1, int(len(samples) * 0.9))], 2),
                "min": round(samples[0], 2),
            }
        rows.append(row)
        lat = ", ".join(f"b{b} {fmt_us(row['latency_us'][str(b)]['p50'])}" for b in batches)
        print(f"{name}: {lat}", flush=True)

    command = "/usr/bin/python3 models/benchmark.py " + " ".join(argv if argv is not None else sys.argv[1:])
    header = ["model", "technique"] + [f"batch {b} p50 (p90)" for b in batches] + \
             ["per sample at batch " + str(max(batches))] + ["file", "params", "non-zero", "top-1"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lat = [f"{fmt_us(row['latency_us'][str(b)]['p50'])} ({fmt_us(row['latency_us'][str(b)]['p90'])})" for b in batches]
        per_sample = fmt_us(row["latency_us"][str(max(batches))]["p50"] / max(batches))
        technique = row["technique"].split(" (")[0] + (f", {row['engine']}" if row["engine"] else "")
        top1 = f"{row['top1'] * 100:.1f}% of {row['test_samples']}" if row["top1"] is not None else "n/a (random weights)"
        size = row["file_bytes"] / 1024
        lines.append("| " + " | ".join([row["model"], technique, *lat, per_sample,
                                          f"{size / 1024:.1f} MiB" if size >= 1024 else f"{size:.0f} KiB",
                                          f"{row['parameters']:,}", f"{row['nonzero']:,}", top1]) + " |")
    table = "\n".join(lines)
    env = (f"{cpu_name()}, {os.cpu_count()} CPUs; torch {torch.__version__}, {args.threads} thread(s); "
           f"default quantized engine {default_engine}")
    print("\n" + table + "\n\n" + env)
    if args.markdown:
        args.markdown.write_text(f"Command: `{command}`\n\n{env}\n\n{table}\n")
    if args.json:
        args.json.write_text(json.dumps({"command": command, "environment": env, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
