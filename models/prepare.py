#!/usr/bin/python3
"""Prepare servebench's model zoo: a Triton-style model repository built from fixed seeds.

    /usr/bin/python3 models/prepare.py [--out DIR] [--quick] [--qengine default|fastest|onednn|qnnpack]
                                       [--families NAME,...] [--models NAME,...]

Without --out the repository goes to the user's cache folder ($XDG_CACHE_HOME/servebench/models,
or ~/.cache/servebench/models; "models-quick" for --quick), never into the source tree.
Models whose inputs have not changed since the last run are reused; `--force` rebuilds.
`--families` and `--models` prepare part of the zoo (a model brings its family's base); what the
repository already holds of the rest stays, and zoo.json lists all of it.
The last line printed is the repository path, so callers can capture it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The TensorFlow venv scripts/setup makes (scripts/requirements/tensorflow.in).
TF_PYTHON = Path(__file__).resolve().parent.parent / "build" / "venv" / "tensorflow" / "bin" / "python"


def default_repository(quick: bool) -> Path:
    """Where `servebench run` expects the zoo when no repository is configured."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "servebench" / ("models-quick" if quick else "models")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="model repository to write (default: the user's cache folder)")
    parser.add_argument("--quick", action="store_true", help="fewer epochs and no resnet18: under a minute, for tests")
    parser.add_argument("--qengine", default="default",
                        help="quantized engine for int8 variants: 'default' (torch's choice on this CPU), "
                        "'fastest' (timed per model), or an engine name such as onednn or qnnpack")
    parser.add_argument("--seed", type=int, default=None, help="base seed (default: the zoo's fixed seed)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads while training (default 1: results then do not depend on core count)")
    parser.add_argument("--no-onnx", action="store_true", help="skip the ONNX exports")
    parser.add_argument("--tf-python", type=Path, default=TF_PYTHON,
                        help="python of the TensorFlow venv that exports the digits models as TF SavedModels "
                        "(default: the one scripts/setup makes; skipped when it is absent)")
    parser.add_argument("--no-savedmodels", action="store_true",
                        help="skip the TF SavedModels (only TF Serving needs them; servebench run asks for "
                        "them when a cell runs on TF Serving)")
    parser.add_argument("--families", type=names, help="prepare only these families, e.g. digits-mlp,resnet18")
    parser.add_argument("--models", type=names,
                        help="prepare only these models (and their families' base models), e.g. digits-mlp-int8")
    parser.add_argument("--force", action="store_true", help="rebuild the selected models even if cached")
    parser.add_argument("--print-default", action="store_true", help="print the default repository path and exit")
    args = parser.parse_args(argv)

    out = (args.out or default_repository(args.quick)).expanduser().resolve()
    if args.print_default:
        print(out)
        return 0

    from servebench_zoo import plan  # no torch: names are checked before torch's import

    options = plan.Options(quick=args.quick, qengine=args.qengine,
                           seed=plan.BASE_SEED if args.seed is None else args.seed, onnx=not args.no_onnx)
    try:
        wanted = plan.select(options, args.models, args.families)
    except ValueError as e:
        parser.error(str(e))

    import torch  # imported late so --help, --print-default and bad names stay fast

    from servebench_zoo import zoo

    torch.set_num_threads(max(1, args.threads))
    if args.qengine not in ("default", "fastest") and args.qengine not in torch.backends.quantized.supported_engines:
        parser.error(f"--qengine {args.qengine}: this torch supports {torch.backends.quantized.supported_engines}")
    started = time.perf_counter()
    part = "" if args.models is None and args.families is None else \
        f", {', '.join(m for models in wanted.values() for m in models)}"
    print(f"preparing model zoo in {out} ({'quick' if args.quick else 'full'}{part})", flush=True)
    index = zoo.prepare(out, options, force=args.force, log=lambda line: print(line, flush=True), wanted=wanted)
    status = {s: sum(1 for f in index["families"].values() if f["status"] == s) for s in ("built", "reused", "kept")}
    print(f"zoo ready: {len(index['models'])} models, {status['built']} families built, {status['reused']} reused, "
          f"{status['kept']} kept, {time.perf_counter() - started:.1f} s", flush=True)
    digits = [m for family, models in wanted.items() if family.startswith("digits-") for m in models]
    status = export_savedmodels(args.tf_python, out, digits) if digits and not args.no_savedmodels else 0
    print(out)
    return status


def names(text: str) -> list[str]:
    """A comma-separated list of names, as --families and --models take them."""
    listed = [name.strip() for name in text.split(",")]
    if not all(listed):
        raise argparse.ArgumentTypeError(f"{text!r}: expected names separated by commas")
    return listed


def export_savedmodels(python: Path, out: Path, models: list[str]) -> int:
    """TF SavedModels of the digits `models` (servebench_zoo/tf_export.py) for TF Serving, with the
    TensorFlow venv's python; a note when there is none. A SavedModel that disagrees with its
    TorchScript file fails the preparation."""
    if not python.exists():
        print(f"no TF SavedModels: {python} is absent (scripts/setup installs TensorFlow there)", flush=True)
        return 0
    import subprocess
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run([str(python), str(Path(__file__).resolve().parent / "servebench_zoo" / "tf_export.py"),
                           str(out), *models], env=env)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
