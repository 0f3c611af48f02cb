"""Checks of a prepared --quick model zoo, recomputing every claimed figure from the files.

The repository is named by $SERVEBENCH_ZOO (CTest prepares it once, in the build folder).
Nothing here imports the zoo's own code to check the zoo's claims: the split is rebuilt from
scikit-learn with the parameters the card states, and accuracy, sparsity and sizes are
recomputed from the saved TorchScript files.
"""

from __future__ import annotations

import json
import os
import hashlib
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

SOURCE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(SOURCE / "servers" / "fastapi"))
import pbtxt  # noqa: E402  (the FastAPI server's reader of config.pbtxt)

ZOO = Path(os.environ.get("SERVEBENCH_ZOO", ""))
QUICK_MODELS = [
    "digits-mlp", "digits-mlp-int8", "digits-mlp-prune50", "digits-mlp-prune90",
    "digits-mlp-structured50", "digits-mlp-distilled",
    "digits-cnn", "digits-cnn-int8", "digits-cnn-int8-static", "digits-cnn-prune50", "digits-cnn-prune90",
    "digits-cnn-structured50", "digits-cnn-distilled",
    "mobilenet_v2", "mobilenet_v2-int8",
]
CARD_FIELDS = [
    "name", "base_model", "technique", "technique_parameters", "parameter_count", "nonzero_parameters",
    "file_size_bytes", "accuracy", "inputs", "outputs", "seed", "versions", "preparation_seconds",
    "prepared_at", "files", "max_batch_size", "weights_sha256",
]
torch.set_num_threads(1)


def card(name: str) -> dict:
    return json.loads((ZOO / name / "card.json").read_text())


def load(name: str):
    """Load a model's TorchScript file as a server would, engine first when it has one."""
    engine = card(name).get("quantized_engine")
    if engine:
        torch.backends.quantized.engine = engine
    return torch.jit.load(str(ZOO / name / "1" / "model.pt")).eval()


def digits_test_split(split: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The test set rebuilt from the card's own description of it."""
    x, y = load_digits(return_X_y=True)
    assert split["split_function"] == "sklearn.model_selection.train_test_split"
    assert split["stratify"] == "y"
    _, test = train_test_split(np.arange(len(y)), test_size=split["test_fraction"],
                               random_state=split["random_state"], stratify=y)
    return test, (x[test] / 16.0).astype(np.float32), y[test]


def run(module, x: torch.Tensor) -> torch.Tensor:
    with torch.inference_mode():
        return torch.cat([module(x[i:i + 128]) for i in range(0, len(x), 128)])


@unittest.skipUnless(ZOO.is_dir(), "SERVEBENCH_ZOO must name a prepared --quick zoo")
class QuickZoo(unittest.TestCase):
    def test_every_variant_is_there_with_config_and_card(self):
        index = json.loads((ZOO / "zoo.json").read_text())
        self.assertEqual(sorted(index["models"]), sorted(QUICK_MODELS))
        for name in QUICK_MODELS:
            with self.subTest(model=name):
                c = card(name)
                for field in CARD_FIELDS:
                    self.assertIn(field, c)
                self.assertEqual(c["name"], name)
                config = pbtxt.parse((ZOO / name / "config.pbtxt").read_text())
                self.assertEqual(pbtxt.first(config, "name"), name)
                self.assertEqual(pbtxt.first(config, "platform"), "pytorch_libtorch")
                self.assertEqual(pbtxt.first(config, "max_batch_size"), c["max_batch_size"])
                (inp,), (out,) = config["input"], config["output"]
                self.assertEqual(pbtxt.first(inp, "name"), "INPUT__0")
                self.assertEqual(pbtxt.first(inp, "data_type"), "TYPE_FP32")
                self.assertEqual([-1, *inp["dims"]], c["inputs"][0]["shape"])
                self.assertEqual([-1, *out["dims"]], c["outputs"][0]["shape"])
                self.assertEqual(c["file_size_bytes"], (ZOO / name / "1" / "model.pt").stat().st_size)
                onnx = c["files"]["onnx"]
                self.assertEqual(onnx["exported"], (ZOO / name / "1" / "model.onnx").exists())
                if not onnx["exported"]:
                    self.assertTrue(onnx["error"], "a failed ONNX export must say why")
                if c["base_model"] is not None:
                    self.assertIn(c["base_model"], QUICK_MODELS)
                self.assertIn("torch", c["versions"])

    def test_accuracy_equals_recomputation_from_the_torchscript_file(self):
        for name in QUICK_MODELS:
            c = card(name)
            with self.subTest(model=name):
                if name.startswith("mobilenet") or name.startswith("resnet"):
                    self.assertIsNone(c["accuracy"]["top1"])
                    self.assertIn("not applicable", c["accuracy"]["status"])
                    continue
                split = c["accuracy"]["split"]
                test, x, y = digits_test_split(split)
                digest = hashlib.sha256(np.asarray(test, dtype="<i8").tobytes()).hexdigest()
                self.assertEqual(digest, split["test_indices_sha256"])
                shape = c["inputs"][0]["shape"][1:]
                logits = run(load(name), torch.from_numpy(x).reshape(-1, *shape))
                correct = int((logits.argmax(1).numpy() == y).sum())
                self.assertEqual(c["accuracy"]["samples"], len(y))
                self.assertEqual(c["accuracy"]["correct"], correct)
                self.assertAlmostEqual(c["accuracy"]["top1"], correct / len(y), places=6)

    def test_trained_models_reach_their_targets(self):
        self.assertGreaterEqual(card("digits-mlp")["accuracy"]["top1"], 0.95)
        self.assertGreaterEqual(card("digits-cnn")["accuracy"]["top1"], 0.97)
        for name in QUICK_MODELS:
            if name.startswith("digits-") and not name.endswith(("prune90", "distilled")):
                with self.subTest(model=name):
                    self.assertGreaterEqual(card(name)["accuracy"]["top1"], 0.93)

    def test_quantized_outputs_stay_close_to_fp32(self):
        for name, base in [("digits-mlp-int8", "digits-mlp"), ("digits-cnn-int8", "digits-cnn"),
                           ("digits-cnn-int8-static", "digits-cnn")]:
            with self.subTest(model=name):
                c = card(name)
                self.assertIn(c["quantized_engine"], torch.backends.quantized.supported_engines)
                self.assertIn(c["quantized_engine"], c["technique_parameters"]["quantization"]["engines_timed_us_batch1_1thread"])
                _, x, _ = digits_test_split(c["accuracy"]["split"])
                shape = c["inputs"][0]["shape"][1:]
                xt = torch.from_numpy(x).reshape(-1, *shape)
                ref = run(load(base), xt)
                got = run(load(name), xt)
                agreement = float((got.argmax(1) == ref.argmax(1)).float().mean())
                self.assertGreaterEqual(agreement, 0.97)
                self.assertLessEqual(float((got - ref).abs().max()), 0.1 * float(ref.abs().max()))
                self.assertLessEqual(abs(c["accuracy"]["top1"] - card(base)["accuracy"]["top1"]), 0.02)
                self.assertLess(c["file_size_bytes"], card(base)["file_size_bytes"])
        c = card("mobilenet_v2-int8")
        self.assertLess(c["file_size_bytes"], card("mobilenet_v2")["file_size_bytes"] / 2)
        self.assertGreaterEqual(c["outputs_vs_base"]["top1_agreement"], 0.0)  # recorded, random weights

    def test_measured_sparsity_matches_the_requested_one(self):
        for family in ("digits-mlp", "digits-cnn"):
            for percent in (50, 90):
                name = f"{family}-prune{percent}"
                with self.subTest(model=name):
                    module = load(name)
                    weights = [p for n, p in module.named_parameters() if n.endswith("weight") and p.dim() >= 2]
                    zeros = sum(int((w == 0).sum()) for w in weights)
                    total = sum(w.numel() for w in weights)
                    measured = zeros / total
                    self.assertAlmostEqual(measured, percent / 100, delta=0.005)
                    sp = card(name)["technique_parameters"]["sparsity"]
                    self.assertAlmostEqual(sp["measured_weights"], measured, places=5)
                    self.assertEqual(card(name)["technique_parameters"]["requested_sparsity"], percent / 100)
                    nonzero = sum(int((p != 0).sum()) for p in module.parameters())
                    self.assertEqual(card(name)["nonzero_parameters"], nonzero)
                    # unstructured pruning leaves the dense layer shapes, hence the file size
                    base = load(family)
                    self.assertEqual({n: p.shape for n, p in module.named_parameters()},
                                     {n: p.shape for n, p in base.named_parameters()})

    def test_structured_pruning_really_shrinks_the_layers(self):
        for family in ("digits-mlp", "digits-cnn"):
            name = f"{family}-structured50"
            with self.subTest(model=name):
                small, base = load(name), load(family)
                small_count = sum(p.numel() for p in small.parameters())
                base_count = sum(p.numel() for p in base.parameters())
                self.assertEqual(card(name)["parameter_count"], small_count)
                self.assertEqual(card(family)["parameter_count"], base_count)
                self.assertLess(small_count, base_count * 0.5)
                small_w = [p.shape for n, p in small.named_parameters() if n.endswith("weight")]
                base_w = [p.shape for n, p in base.named_parameters() if n.endswith("weight")]
                self.assertEqual(len(small_w), len(base_w))
                for s, b in zip(small_w[:-1], base_w[:-1]):
                    self.assertEqual(s[0] * 2, b[0])  # half of the neurons / filters remain
                self.assertEqual(small_w[-1][0], 10)
                self.assertLess(card(name)["file_size_bytes"], card(family)["file_size_bytes"])

    def test_distilled_students_record_their_recipe(self):
        for family in ("digits-mlp", "digits-cnn"):
            c = card(f"{family}-distilled")
            with self.subTest(model=c["name"]):
                params = c["technique_parameters"]
                self.assertEqual(params["teacher"], family)
                self.assertGreater(params["temperature"], 1.0)
                self.assertTrue(0.0 < params["alpha_soft_loss_weight"] < 1.0)
                self.assertEqual(c["training"]["distillation"]["temperature"], params["temperature"])
                self.assertIn("same_student_trained_without_teacher", params)
                self.assertLess(c["parameter_count"], card(family)["parameter_count"] / 10)

    def test_second_preparation_reuses_the_cache(self):
        before = {n: (ZOO / n / "1" / "model.pt").stat().st_mtime_ns for n in QUICK_MODELS}
        started = time.monotonic()
        out = subprocess.run([sys.executable, str(SOURCE / "models" / "prepare.py"), "--out", str(ZOO), "--quick"],
                             capture_output=True, text=True, timeout=120, check=True).stdout
        self.assertLess(time.monotonic() - started, 20)
        self.assertIn("0 families built", out)
        self.assertEqual(out.strip().splitlines()[-1], str(ZOO.resolve()))
        after = {n: (ZOO / n / "1" / "model.pt").stat().st_mtime_ns for n in QUICK_MODELS}
        self.assertEqual(before, after)

    def test_test_data_is_the_split_in_the_documented_format(self):
        """Read with numpy from the header alone, the files hold exactly the card's test split."""
        for name in QUICK_MODELS:
            c = card(name)
            with self.subTest(model=name):
                if c["accuracy"].get("split") is None:
                    self.assertNotIn("test_data", c)
                    self.assertFalse((ZOO / name / "test_data").exists())
                    continue
                entry = c["test_data"]
                self.assertEqual(entry["header"], "test_data/test_data.json")
                folder = ZOO / name / "test_data"
                header = json.loads((folder / "test_data.json").read_text())
                self.assertEqual(header["format"], "servebench test data 1")
                self.assertEqual(entry["format"], header["format"])
                self.assertEqual(header["split"], c["accuracy"]["split"])
                self.assertEqual(entry["test_indices_sha256"], c["accuracy"]["split"]["test_indices_sha256"])
                test, x, y = digits_test_split(c["accuracy"]["split"])
                shape = c["inputs"][0]["shape"][1:]
                inputs, labels = header["inputs"], header["labels"]
                self.assertEqual((inputs["dtype"], inputs["byte_order"]), ("float32", "little"))
                self.assertEqual((labels["dtype"], labels["byte_order"]), ("int64", "little"))
                self.assertEqual(inputs["shape"], [len(y), *shape])
                self.assertEqual(labels["shape"], [len(y)])
                self.assertEqual(header["samples"], c["accuracy"]["samples"])
                self.assertEqual(entry["samples"], len(y))
                self.assertEqual(labels["classes"], 10)
                self.assertEqual(inputs["tensor"], c["inputs"][0]["name"])
                raw_x = (folder / inputs["file"]).read_bytes()
                raw_y = (folder / labels["file"]).read_bytes()
                self.assertEqual(hashlib.sha256(raw_x).hexdigest(), inputs["sha256"])
                self.assertEqual(hashlib.sha256(raw_y).hexdigest(), labels["sha256"])
                got_x = np.frombuffer(raw_x, dtype="<f4").reshape(inputs["shape"])
                got_y = np.frombuffer(raw_y, dtype="<i8")
                np.testing.assert_array_equal(got_x.reshape(len(y), -1), x)
                np.testing.assert_array_equal(got_y, y)
                # Scored from these files, the model counts what its card counts.
                logits = run(load(name), torch.from_numpy(got_x.copy()))
                self.assertEqual(int((logits.argmax(1).numpy() == got_y).sum()), c["accuracy"]["correct"])

    def test_preparation_adds_missing_test_data_without_retraining(self):
        """A zoo prepared before test data existed gets it from a second run, models untouched."""
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "zoo"
            # Hard links: the copy's model files are the fixture's, and nothing here rewrites them
            # in place (cards and test data are replaced by new files).
            shutil.copytree(ZOO, copy, copy_function=os.link, ignore=shutil.ignore_patterns(".prepare.lock"))
            digits = [n for n in QUICK_MODELS if n.startswith("digits-")]
            for name in digits:
                shutil.rmtree(copy / name / "test_data")
                c = card(name)
                del c["test_data"]
                (copy / name / "card.json").unlink()
                (copy / name / "card.json").write_text(json.dumps(c, indent=2) + "\n")
            before = {n: (copy / n / "1" / "model.pt").stat().st_ino for n in QUICK_MODELS}
            out = subprocess.run([sys.executable, str(SOURCE / "models" / "prepare.py"), "--out", str(copy), "--quick"],
                                 capture_output=True, text=True, timeout=120, check=True).stdout
            self.assertIn("0 families built", out)
            self.assertIn("digits-mlp: test data written for 6 models", out)
            self.assertIn("digits-cnn: test data written for 7 models", out)
            self.assertEqual(before, {n: (copy / n / "1" / "model.pt").stat().st_ino for n in QUICK_MODELS})
            for name in digits:
                with self.subTest(model=name):
                    self.assertEqual(json.loads((copy / name / "card.json").read_text()), card(name))
                    for f in ("test_data.json", "inputs.f32", "labels.i64"):
                        self.assertEqual((copy / name / "test_data" / f).read_bytes(),
                                         (ZOO / name / "test_data" / f).read_bytes())


if __name__ == "__main__":
    unittest.main()
