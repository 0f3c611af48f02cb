"""Derives a Triton model repository that serves one zoo model with servers/triton/model.py.

    /usr/bin/python3 servers/triton/derive.py --source ZOO --model NAME --out DIR
        [--instances 1] [--threads 1] [--max-batch-size N --dynamic-batching
        [--max-queue-delay-us 0] [--preferred-batch-size S ...]]

writes (replacing an earlier DIR/NAME):

    DIR/NAME/config.pbtxt       the zoo's config with `platform: "pytorch_libtorch"` replaced by
                                `backend: "python"`, and the server configuration's
                                max_batch_size, dynamic_batching, instance_group (KIND_CPU) and
                                INTRA_OP_THREAD_COUNT, as lifecycle/derived_repository.cc does
                                for the C++ server
    DIR/NAME/card.json          link to the zoo's card (model.py reads quantized_engine there)
    DIR/NAME/1/model.py         link to servers/triton/model.py
    DIR/NAME/1/model.pt         link to the zoo's TorchScript file

The version folder is a real folder, not a link to the zoo's, because the Python backend looks
for model.py inside it and the zoo is never written to. The last line printed is DIR.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "fastapi"))
import pbtxt  # noqa: E402  (servers/fastapi/pbtxt.py: the repository's config.pbtxt reader)

# Fields whose values are protobuf enum names, written without quotes.
_ENUMS = {"data_type", "kind", "format"}


class DeriveError(ValueError):
    """A model or a setting that cannot make a Triton repository."""


def _value(field: str, value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if field in _ENUMS:
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write(message: dict, indent: str = "") -> list[str]:
    lines = []
    for field, values in message.items():
        for value in values:
            if isinstance(value, dict):
                lines.append(f"{indent}{field} {{")
                lines += _write(value, indent + "  ")
                lines.append(f"{indent}}}")
            elif field in ("dims", "shape", "preferred_batch_size"):
                continue  # written below as one list
            else:
                lines.append(f"{indent}{field}: {_value(field, value)}")
        if field in ("dims", "shape", "preferred_batch_size") and values and not isinstance(values[0], dict):
            lines.append(f"{indent}{field}: [ {', '.join(str(v) for v in values)} ]")
    return lines


def derive_config(text: str, origin: str, *, instances: int = 1, threads: int = 1,
                  dynamic_batching: bool = False, max_batch_size: int | None = None,
                  max_queue_delay_us: int = 0, preferred_batch_sizes: tuple[int, ...] = ()) -> str:
    """The config.pbtxt text for the Python backend, from the zoo's config text."""
    try:
        config = pbtxt.parse(text)
    except pbtxt.PbtxtError as exc:
        raise DeriveError(f"{origin}: {exc}") from None
    if instances < 1 or threads < 1:
        raise DeriveError(f"{origin}: instances ({instances}) and threads ({threads}) must be at least 1")
    platform = pbtxt.first(config, "platform")
    if platform not in (None, "pytorch_libtorch"):
        raise DeriveError(f"{origin}: platform {platform!r} is not a TorchScript model")
    original_batch = int(pbtxt.first(config, "max_batch_size", 0))
    batch = original_batch
    if dynamic_batching:
        if original_batch <= 0:
            raise DeriveError(f"{origin}: dynamic batching asked for, but the model has no batch "
                              "dimension (max_batch_size 0)")
        batch = max_batch_size if max_batch_size is not None else original_batch
        if batch < 1:
            raise DeriveError(f"{origin}: max_batch_size must be at least 1, got {batch}")
        for size in preferred_batch_sizes:
            if not 1 <= size <= batch:
                raise DeriveError(f"{origin}: preferred batch size {size} is outside 1..{batch}")
        if max_queue_delay_us < 0:
            raise DeriveError(f"{origin}: max_queue_delay_us must not be negative")
    kept = {k: v for k, v in pbtxt.parameters(config).items() if k != "INTRA_OP_THREAD_COUNT"}

    out: dict[str, list] = {}
    if "name" in config:
        out["name"] = config["name"]
    out["backend"] = ["python"]
    out["max_batch_size"] = [batch]
    out["input"] = config.get("input", [])
    out["output"] = config.get("output", [])
    out["instance_group"] = [{"count": [instances], "kind": ["KIND_CPU"]}]
    if dynamic_batching:
        batching: dict[str, list] = {}
        if preferred_batch_sizes:
            batching["preferred_batch_size"] = list(preferred_batch_sizes)
        batching["max_queue_delay_microseconds"] = [max_queue_delay_us]
        out["dynamic_batching"] = [batching]
    out["parameters"] = [{"key": [k], "value": [{"string_value": [v]}]}
                         for k, v in {**kept, "INTRA_OP_THREAD_COUNT": str(threads)}.items()]
    return f"# Derived by servebench from {origin} for Triton's Python backend.\n" + "\n".join(_write(out)) + "\n"


def derive(source: Path, model: str, out: Path, **settings) -> Path:
    """Writes out/model (see the module's docstring) and returns out."""
    original = source / model
    config_path = original / "config.pbtxt"
    if not config_path.is_file():
        raise DeriveError(f"model '{model}': no {config_path}")
    versions = sorted((p for p in original.iterdir() if p.name.isdigit() and (p / "model.pt").is_file()),
                      key=lambda p: int(p.name))
    if not versions:
        raise DeriveError(f"model '{model}': no <version>/model.pt under {original}")
    text = derive_config(config_path.read_text(), str(config_path), **settings)

    target = out / model
    shutil.rmtree(target, ignore_errors=True)
    for version in versions:
        (target / version.name).mkdir(parents=True)
        os.symlink(HERE / "model.py", target / version.name / "model.py")
        os.symlink(version.resolve() / "model.pt", target / version.name / "model.pt")
    if (original / "card.json").is_file():
        os.symlink((original / "card.json").resolve(), target / "card.json")
    (target / "config.pbtxt").write_text(text)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, required=True, help="the zoo's model repository")
    parser.add_argument("--model", required=True, help="model folder name in the zoo")
    parser.add_argument("--out", type=Path, required=True, help="repository to write")
    parser.add_argument("--instances", type=int, default=1, help="instance_group count (KIND_CPU)")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads per instance")
    parser.add_argument("--dynamic-batching", action="store_true")
    parser.add_argument("--max-batch-size", type=int)
    parser.add_argument("--max-queue-delay-us", type=int, default=0)
    parser.add_argument("--preferred-batch-size", type=int, action="append", default=[])
    args = parser.parse_args(argv)
    try:
        derive(args.source.resolve(), args.model, args.out.resolve(), instances=args.instances,
               threads=args.threads, dynamic_batching=args.dynamic_batching,
               max_batch_size=args.max_batch_size, max_queue_delay_us=args.max_queue_delay_us,
               preferred_batch_sizes=tuple(args.preferred_batch_size))
    except (DeriveError, OSError) as exc:
        print(f"servers/triton/derive.py: error: {exc}", file=sys.stderr)
        return 1
    print(args.out.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
