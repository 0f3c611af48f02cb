"""The same repository in both servers: servebench's C++ TorchScript server and the FastAPI
server load the --quick zoo and must give the same metadata and the same outputs for the same
inputs. Registered only when the C++ server is built ($SERVEBENCH_TORCHSCRIPT_SERVER)."""

from __future__ import annotations

import json
import os
import sys
import unittest
from pathlib import Path

import numpy as np

from server_process import Server, fastapi, request

ZOO = Path(os.environ.get("SERVEBENCH_ZOO", ""))
CPP = os.environ.get("SERVEBENCH_TORCHSCRIPT_SERVER", "")


@unittest.skipUnless(ZOO.is_dir() and CPP and Path(CPP).exists(),
                     "needs SERVEBENCH_ZOO and SERVEBENCH_TORCHSCRIPT_SERVER")
class SameOutputsFromBothServers(unittest.TestCase):
    def test_every_model_gives_the_same_outputs(self):
        cpp = Server([CPP, "--model-repository", str(ZOO), "--http-address", "127.0.0.1", "--http-port", "0",
                      "--grpc-address", "127.0.0.1", "--grpc-port", "0",
                      "--metrics-address", "127.0.0.1", "--metrics-port", "0"])
        with fastapi(ZOO) as py, cpp:
            rng = np.random.default_rng(2024)
            for name in sorted(json.loads((ZOO / "zoo.json").read_text())["models"]):
                card = json.loads((ZOO / name / "card.json").read_text())
                with self.subTest(model=name):
                    meta_py = request(f"{py.base}/v2/models/{name}")[1]
                    status, meta_cpp = request(f"{cpp.base}/v2/models/{name}")
                    self.assertEqual(status, 200, meta_cpp)
                    for key in ("name", "inputs", "outputs"):
                        self.assertEqual(meta_cpp[key], meta_py[key])
                    dims = card["inputs"][0]["shape"][1:]
                    batch = 1 if len(dims) == 3 and dims[0] == 3 else 3
                    x = rng.random((batch, *dims), dtype=np.float32)
                    body = {"inputs": [{"name": "INPUT__0", "shape": list(x.shape), "datatype": "FP32",
                                        "data": x.ravel().tolist()}]}
                    s_py, out_py = request(f"{py.base}/v2/models/{name}/infer", body)
                    s_cpp, out_cpp = request(f"{cpp.base}/v2/models/{name}/infer", body)
                    self.assertEqual((s_py, s_cpp), (200, 200), (out_py, out_cpp))
                    a, b = out_py["outputs"][0], out_cpp["outputs"][0]
                    self.assertEqual((a["name"], a["datatype"], a["shape"]), (b["name"], b["datatype"], b["shape"]))
                    ya = np.asarray(a["data"], dtype=np.float32)
                    yb = np.asarray(np.asarray(b["data"], dtype=np.float64).ravel(), dtype=np.float32)
                    if card.get("quantized_engine"):
                        # int8 kernels may differ between libtorch's and PyTorch's engine choice
                        # by a quantization step; they must still agree closely.
                        np.testing.assert_allclose(yb, ya, atol=0.02 * float(np.abs(ya).max()) + 1e-6)
                    else:
                        np.testing.assert_allclose(yb, ya, rtol=1e-4, atol=1e-5)


if __name__ == "__main__":
    if not (CPP and Path(CPP).exists()):
        # CTest reports this exit status as "Skipped" (SKIP_RETURN_CODE), not as a pass.
        print(f"skipped: the C++ server {CPP or '(SERVEBENCH_TORCHSCRIPT_SERVER unset)'} is not built")
        sys.exit(77)
    unittest.main()
