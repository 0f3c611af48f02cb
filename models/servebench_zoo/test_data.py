"""The digits test split, written beside each digits model so that any server can be scored.

A benchmark that scores a server's answers needs the test images and labels in a form every
language reads without Python, scikit-learn or pickles. Each digits model folder gets:

    <model>/test_data/test_data.json   the header (below)
    <model>/test_data/inputs.f32       float32, little-endian, row-major, [N, *input dims]
    <model>/test_data/labels.i64       int64, little-endian, [N]

and its card a `test_data` entry naming the header. The header gives the format, each file's
dtype, byte order, shape and sha256, the sample count, and the split's description from data.py
(with the digest of the test indices), so a reader can check it holds the images the card's
accuracy was computed on. docs/models.md describes the format.

The test data depends only on the split and the model's input shape, never on training, so
this module is left out of the zoo's cache key (zoo.cache_key): adding the data to a zoo that
lacks it, or rewriting it, never retrains a family.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from . import data, export

FORMAT = "servebench test data 1"
DIRECTORY = "test_data"
HEADER = "test_data.json"
INPUTS = "inputs.f32"
LABELS = "labels.i64"


def _sha256(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def _payloads(card: dict, digits: data.Digits) -> tuple[bytes, bytes, list[int]]:
    """The two files' bytes and the inputs' shape for the model `card` describes."""
    dims = [int(d) for d in card["inputs"][0]["shape"][1:]]
    inputs = np.ascontiguousarray(digits.x_test, dtype="<f4").reshape(-1, *dims)
    labels = np.ascontiguousarray(digits.y_test, dtype="<i8")
    return inputs.tobytes(), labels.tobytes(), [int(n) for n in inputs.shape]


def header(card: dict, digits: data.Digits) -> dict:
    """What test_data.json says for the model `card` describes."""
    inputs, labels, shape = _payloads(card, digits)
    samples = shape[0]
    return {
        "format": FORMAT,
        "model": card["name"],
        "samples": samples,
        "inputs": {"file": INPUTS, "dtype": "float32", "byte_order": "little", "layout": "row-major",
                   "shape": shape, "tensor": card["inputs"][0]["name"], "sha256": _sha256(inputs)},
        "labels": {"file": LABELS, "dtype": "int64", "byte_order": "little", "shape": [samples],
                   "classes": int(card["outputs"][0]["shape"][-1]), "sha256": _sha256(labels)},
        "split": data.split_description(digits),
    }


def card_entry(head: dict) -> dict:
    """The card's `test_data`: where the header is, and enough to match it to the card."""
    return {
        "header": f"{DIRECTORY}/{HEADER}",
        "format": head["format"],
        "samples": head["samples"],
        "test_indices_sha256": head["split"]["test_indices_sha256"],
    }


def _is_current(model_dir: Path, card: dict, head: dict) -> bool:
    folder = model_dir / DIRECTORY
    try:
        on_disk = json.loads((folder / HEADER).read_text())
        inputs = (folder / INPUTS).read_bytes()
        labels = (folder / LABELS).read_bytes()
    except (OSError, ValueError):
        return False
    return (on_disk == head and card.get("test_data") == card_entry(head)
            and _sha256(inputs) == head["inputs"]["sha256"] and _sha256(labels) == head["labels"]["sha256"])


def write(model_dir: Path, card: dict, digits: data.Digits) -> dict:
    """Write `model_dir`/test_data whole (a reader never sees half of it) and return the card
    with its `test_data` entry; the caller writes the card."""
    inputs, labels, _ = _payloads(card, digits)
    head = header(card, digits)
    staging = Path(tempfile.mkdtemp(prefix=f".{DIRECTORY}-", dir=model_dir))
    staging.chmod(0o755)  # mkdtemp makes it private; the model folder is for servers to read
    try:
        (staging / INPUTS).write_bytes(inputs)
        (staging / LABELS).write_bytes(labels)
        (staging / HEADER).write_text(json.dumps(head, indent=2) + "\n")
        target = model_dir / DIRECTORY
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {**card, "test_data": card_entry(head)}


def ensure(out: Path, models: list[str], digits: data.Digits, log=print) -> int:
    """Give every digits model of `models` in repository `out` its current test data; returns
    how many were (re)written. A model whose card was scored on another split gets none: its
    accuracy would not be comparable with answers on these images."""
    digest = data.indices_digest(digits.test_indices)
    written = 0
    for name in models:
        model_dir = out / name
        card = json.loads((model_dir / "card.json").read_text())
        split = (card.get("accuracy") or {}).get("split")
        if split is None:
            continue  # no accuracy on the digits split (e.g. seeded random weights)
        if split.get("test_indices_sha256") != digest:
            log(f"  {name}: no test data written: its card was scored on another split")
            continue
        head = header(card, digits)
        if _is_current(model_dir, card, head):
            continue
        export.write_json(model_dir / "card.json", write(model_dir, card, digits))
        written += 1
    return written
