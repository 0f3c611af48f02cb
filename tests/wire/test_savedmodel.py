"""The zoo's TF SavedModels answer as its TorchScript files do, within 1e-5, on the test split.

Run with the TensorFlow venv's python (it sees Debian's torch): exits 77 (skipped) when the venv
or the quick zoo's SavedModels are absent. Independent of the exporter's own check: it loads each
SavedModel afresh, by the signature TF Serving serves (serving_default), and runs the TorchScript
file beside it.
"""

from __future__ import annotations

import json
import os
import sys
import unittest
from pathlib import Path

ZOO = Path(os.environ.get("SERVEBENCH_ZOO", ""))

try:
    import numpy as np
    import tensorflow as tf
    import torch
except ImportError as e:  # not the TensorFlow venv
    print(f"skipped: {e}")
    sys.exit(77)


class SavedModelTest(unittest.TestCase):
    def test_float_digits_models_match_torchscript(self):
        exported = sorted(p.parent.parent.parent.name for p in ZOO.glob("digits-*/1/model.savedmodel/saved_model.pb"))
        # Every float digits model of the quick zoo: MLP and CNN, base and derived.
        self.assertIn("digits-mlp", exported)
        self.assertIn("digits-cnn", exported)
        self.assertFalse([m for m in exported if "int8" in m], "int8 models have no SavedModel")
        for name in exported:
            with self.subTest(model=name):
                model_dir = ZOO / name
                meta = json.loads((model_dir / "test_data" / "test_data.json").read_text())["inputs"]
                x = np.fromfile(model_dir / "test_data" / meta["file"], dtype="<f4").reshape(meta["shape"])
                signature = tf.saved_model.load(str(model_dir / "1" / "model.savedmodel")).signatures["serving_default"]
                self.assertEqual(list(signature.structured_input_signature[1]), ["INPUT__0"])
                self.assertEqual(list(signature.structured_outputs), ["OUTPUT__0"])
                spec = signature.structured_input_signature[1]["INPUT__0"]
                x = x.reshape([-1, *spec.shape[1:]])
                got = signature(INPUT__0=tf.constant(x))["OUTPUT__0"].numpy()
                with torch.no_grad():
                    want = torch.jit.load(str(model_dir / "1" / "model.pt")).eval()(torch.from_numpy(x)).numpy()
                self.assertEqual(got.shape, want.shape)
                self.assertLessEqual(float(np.max(np.abs(got - want))), 1e-5)
                self.assertEqual(json.loads((model_dir / "savedmodel.json").read_text())["samples"], x.shape[0])


if __name__ == "__main__":
    if not any(ZOO.glob("digits-*/1/model.savedmodel/saved_model.pb")):
        print(f"skipped: no SavedModels in {ZOO}")
        sys.exit(77)
    unittest.main(verbosity=2)
