"""The zoo's float digits models as TF SavedModels, for TF Serving (servebench's `tfserving` kind).

    build/venv/tensorflow/bin/python models/servebench_zoo/tf_export.py ZOO [MODEL...]

Run by the TensorFlow venv's python (scripts/setup makes it from Debian's python3 with the system
site packages, so Debian's torch reads the TorchScript files here). For each digits model whose
TorchScript file holds the float layers of servebench_zoo.nets (DigitsMLP, DigitsCNN: the base,
distilled, pruned and structured variants; the int8 ones hold packed quantized weights and are
skipped), it rebuilds the same computation with TensorFlow ops from the file's weights and writes

    <model>/1/model.savedmodel/     signature serving_default: INPUT__0 float32 [-1, dims...] ->
                                    OUTPUT__0 float32 [-1, 10] (the names of config.pbtxt)
    <model>/savedmodel.json         what it was made from (the TorchScript file's sha256), with
                                    which TensorFlow, and the largest difference found

The SavedModel is loaded back and run on the model's test split (the zoo's test_data), and must
answer every output within 1e-5 of the TorchScript file's; otherwise it is removed and the run
fails. A model whose savedmodel.json names the current TorchScript file is not exported again.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import tensorflow as tf
import torch

TOLERANCE = 1e-5
VERSION = "1"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mlp(w: dict) -> tuple:
    """DigitsMLP: Linear layers at layers.0, .2, ... with ReLU between them."""
    indices = sorted({int(k.split(".")[1]) for k in w})
    if set(w) != {f"layers.{i}.{p}" for i in indices for p in ("weight", "bias")}:
        return None
    layers = [(tf.constant(w[f"layers.{i}.weight"].T), tf.constant(w[f"layers.{i}.bias"])) for i in indices]

    def forward(x):
        for n, (weight, bias) in enumerate(layers):
            x = tf.matmul(x, weight) + bias
            if n < len(layers) - 1:
                x = tf.nn.relu(x)
        return x

    return forward, [w[f"layers.{indices[0]}.weight"].shape[1]]


def cnn(w: dict) -> tuple:
    """DigitsCNN on 1x8x8 images (NCHW, as torch): conv3x3 ReLU conv3x3 ReLU maxpool2, then two
    fully connected layers. TF's CPU convolutions take NHWC, so the image is transposed in, and
    back to NCHW before flattening, so that the flattened order is torch's."""
    names = {f"{layer}.{p}" for layer in ("features.0", "features.2", "classifier.1", "classifier.3")
             for p in ("weight", "bias")}
    if set(w) != names:
        return None
    k1, k2 = (tf.constant(w[f"features.{i}.weight"].transpose(2, 3, 1, 0)) for i in (0, 2))
    b1, b2 = (tf.constant(w[f"features.{i}.bias"]) for i in (0, 2))
    w3, w4 = (tf.constant(w[f"classifier.{i}.weight"].T) for i in (1, 3))
    b3, b4 = (tf.constant(w[f"classifier.{i}.bias"]) for i in (1, 3))
    flat = w["classifier.1.weight"].shape[1]

    def forward(x):
        y = tf.transpose(x, [0, 2, 3, 1])
        y = tf.nn.relu(tf.nn.conv2d(y, k1, 1, "SAME") + b1)
        y = tf.nn.relu(tf.nn.conv2d(y, k2, 1, "SAME") + b2)
        y = tf.nn.max_pool2d(y, 2, 2, "VALID")
        y = tf.reshape(tf.transpose(y, [0, 3, 1, 2]), [-1, flat])
        y = tf.nn.relu(tf.matmul(y, w3) + b3)
        return tf.matmul(y, w4) + b4

    return forward, [1, 8, 8]


class Served(tf.Module):
    def __init__(self, forward, dims: list[int]):
        super().__init__()
        self._forward = forward
        self.serve = tf.function(lambda INPUT__0: {"OUTPUT__0": forward(INPUT__0)},
                                 input_signature=[tf.TensorSpec([None, *dims], tf.float32, name="INPUT__0")])


def test_inputs(model_dir: Path, dims: list[int]) -> np.ndarray:
    meta = json.loads((model_dir / "test_data" / "test_data.json").read_text())["inputs"]
    data = np.fromfile(model_dir / "test_data" / meta["file"], dtype="<f4")
    return data.reshape(meta["shape"]).reshape([-1, *dims])


def export(model_dir: Path) -> str:
    """Exports one model; returns a line for the log. Raises on a SavedModel that disagrees."""
    pt = model_dir / VERSION / "model.pt"
    record = model_dir / "savedmodel.json"
    target = model_dir / VERSION / "model.savedmodel"
    source = sha256(pt)
    if record.exists() and (target / "saved_model.pb").exists():
        if json.loads(record.read_text()).get("torchscript_sha256") == source:
            return f"{model_dir.name}: SavedModel up to date"
    module = torch.jit.load(str(pt)).eval()
    weights = {k: v.detach().numpy() for k, v in module.state_dict().items()}
    if not weights or any(v.dtype != np.float32 for v in weights.values()):
        return f"{model_dir.name}: skipped (not float layers; int8 models have no SavedModel)"
    built = mlp(weights) or cnn(weights)
    if built is None:
        return f"{model_dir.name}: skipped (layers unlike DigitsMLP or DigitsCNN)"
    forward, dims = built
    shutil.rmtree(target, ignore_errors=True)
    served = Served(forward, dims)
    tf.saved_model.save(served, str(target), signatures={"serving_default": served.serve})

    x = test_inputs(model_dir, dims)
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).numpy()
    loaded = tf.saved_model.load(str(target)).signatures["serving_default"]
    got = loaded(INPUT__0=tf.constant(x))["OUTPUT__0"].numpy()
    diff = float(np.max(np.abs(got - expected)))
    if got.shape != expected.shape or not diff <= TOLERANCE:
        shutil.rmtree(target, ignore_errors=True)
        raise RuntimeError(f"{model_dir.name}: the SavedModel's outputs differ from the TorchScript file's "
                           f"by {diff} (shape {got.shape} vs {expected.shape}), more than {TOLERANCE}")
    record.write_text(json.dumps({"torchscript_sha256": source, "tensorflow": tf.__version__,
                                  "samples": int(x.shape[0]), "max_abs_diff": diff,
                                  "tolerance": TOLERANCE, "savedmodel": f"{VERSION}/model.savedmodel"},
                                 indent=2) + "\n")
    return f"{model_dir.name}: SavedModel written, outputs within {diff:.2e} of TorchScript on {x.shape[0]} samples"


def main(argv: list[str]) -> int:
    """Exports every digits model of the repository, or the MODELs named after it (the ones a
    partial preparation made)."""
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    zoo, named = Path(argv[0]), set(argv[1:])
    tf.config.threading.set_intra_op_parallelism_threads(1)
    failed = False
    for model_dir in sorted(p for p in zoo.iterdir() if p.name.startswith("digits-")
                            and (not named or p.name in named) and (p / VERSION / "model.pt").is_file()):
        try:
            print("tf_export: " + export(model_dir), flush=True)
        except Exception as e:  # noqa: BLE001 - report every model, fail at the end
            print(f"tf_export: {model_dir.name}: FAILED: {e}", flush=True)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
