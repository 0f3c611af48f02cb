"""The FastAPI server, started for real on an ephemeral loopback port, against the --quick zoo:
KServe v2 routes, outputs equal to a direct torch forward of the same file, error statuses."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

import numpy as np
import torch

from server_process import LAUNCH, fastapi, request

ZOO = Path(os.environ.get("SERVEBENCH_ZOO", ""))
torch.set_num_threads(1)


def direct_forward(name: str, x: np.ndarray) -> np.ndarray:
    """What the model file gives in this process, loaded the way a server loads it."""
    engine = json.loads((ZOO / name / "card.json").read_text()).get("quantized_engine")
    if engine:
        torch.backends.quantized.engine = engine
    module = torch.jit.load(str(ZOO / name / "1" / "model.pt")).eval()
    with torch.inference_mode():
        return module(torch.from_numpy(x)).numpy()


def infer_body(x: np.ndarray, nested: bool = False, **extra) -> dict:
    data = x.tolist() if nested else x.ravel().tolist()
    return {"inputs": [{"name": "INPUT__0", "shape": list(x.shape), "datatype": "FP32", "data": data}], **extra}


@unittest.skipUnless(ZOO.is_dir(), "SERVEBENCH_ZOO must name a prepared --quick zoo")
class FastAPIServer(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = fastapi(ZOO, "--workers", "1", "--torch-threads", "1").__enter__()
        cls.url = cls.server.base

    @classmethod
    def tearDownClass(cls):
        if cls.server:
            cls.server.__exit__(None, None, None)

    def test_health_and_server_metadata(self):
        self.assertEqual(request(self.url + "/v2/health/live")[0], 200)
        self.assertEqual(request(self.url + "/v2/health/ready")[0], 200)
        status, meta = request(self.url + "/v2")
        self.assertEqual(status, 200)
        self.assertEqual(meta["name"], "servebench-fastapi")
        self.assertIn("version", meta)
        self.assertIsInstance(meta["extensions"], list)

    def test_keep_alive_requests_do_not_wait_for_delayed_acks(self):
        """With Nagle's algorithm left on, each keep-alive response waited ~40 ms for the
        client's delayed ACK; a request to a loaded loopback server takes well under 10 ms."""
        host, port = self.url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        x = np.zeros((1, 64), dtype=np.float32)
        body = json.dumps(infer_body(x))
        times = []
        try:
            for _ in range(15):
                t0 = time.perf_counter()
                conn.request("POST", "/v2/models/digits-mlp/infer", body, {"Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                times.append(time.perf_counter() - t0)
                self.assertEqual(resp.status, 200)
        finally:
            conn.close()
        times.sort()
        self.assertLess(times[len(times) // 2], 0.02, times)

    def test_model_metadata_matches_the_repository(self):
        for name in json.loads((ZOO / "zoo.json").read_text())["models"]:
            card = json.loads((ZOO / name / "card.json").read_text())
            with self.subTest(model=name):
                status, meta = request(f"{self.url}/v2/models/{name}")
                self.assertEqual(status, 200)
                self.assertEqual(meta["name"], name)
                self.assertEqual(meta["versions"], ["1"])
                self.assertEqual(meta["platform"], "pytorch_libtorch")
                self.assertEqual(meta["inputs"], card["inputs"])
                self.assertEqual(meta["outputs"], card["outputs"])
                self.assertEqual(request(f"{self.url}/v2/models/{name}/versions/1")[1], meta)
                self.assertEqual(request(f"{self.url}/v2/models/{name}/ready")[0], 200)
                self.assertEqual(request(f"{self.url}/v2/models/{name}/versions/1/ready")[0], 200)

    def test_infer_equals_direct_forward(self):
        rng = np.random.default_rng(7)
        cases = [("digits-mlp", (5, 64)), ("digits-mlp-int8", (3, 64)), ("digits-cnn", (4, 1, 8, 8)),
                 ("digits-cnn-int8-static", (2, 1, 8, 8)), ("digits-cnn-structured50", (1, 1, 8, 8)),
                 ("mobilenet_v2", (1, 3, 224, 224)), ("mobilenet_v2-int8", (1, 3, 224, 224))]
        for name, shape in cases:
            with self.subTest(model=name):
                x = rng.random(shape, dtype=np.float32)
                status, out = request(f"{self.url}/v2/models/{name}/infer", infer_body(x, id="req-1"))
                self.assertEqual(status, 200, out)
                self.assertEqual(out["model_name"], name)
                self.assertEqual(out["model_version"], "1")
                self.assertEqual(out["id"], "req-1")
                (tensor,) = out["outputs"]
                self.assertEqual(tensor["name"], "OUTPUT__0")
                self.assertEqual(tensor["datatype"], "FP32")
                expected = direct_forward(name, x)
                self.assertEqual(tensor["shape"], list(expected.shape))
                got = np.asarray(tensor["data"], dtype=np.float32).reshape(expected.shape)
                np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)

    def test_nested_data_versioned_route_and_output_selection(self):
        x = np.random.default_rng(3).random((2, 64), dtype=np.float32)
        body = infer_body(x, nested=True, outputs=[{"name": "OUTPUT__0"}])
        status, out = request(f"{self.url}/v2/models/digits-mlp/versions/1/infer", body)
        self.assertEqual(status, 200, out)
        np.testing.assert_allclose(np.asarray(out["outputs"][0]["data"], dtype=np.float32).reshape(2, 10),
                                   direct_forward("digits-mlp", x), rtol=1e-5, atol=1e-6)
        self.assertNotIn("id", out)

    def test_bad_requests_get_their_status_and_an_error_body(self):
        ok = {"name": "INPUT__0", "shape": [1, 64], "datatype": "FP32", "data": [0.0] * 64}
        url = f"{self.url}/v2/models/digits-mlp/infer"
        cases = [
            ("malformed JSON", url, b"{not json", 400),
            ("not an object", url, b"[1, 2]", 400),
            ("no inputs", url, {"id": "x"}, 400),
            ("wrong input name", url, {"inputs": [{**ok, "name": "input"}]}, 400),
            ("wrong datatype", url, {"inputs": [{**ok, "datatype": "INT32"}]}, 400),
            ("wrong shape", url, {"inputs": [{**ok, "shape": [1, 32], "data": [0.0] * 32}]}, 400),
            ("missing batch dim", url, {"inputs": [{**ok, "shape": [64]}]}, 400),
            ("element count", url, {"inputs": [{**ok, "data": [0.0] * 63}]}, 400),
            ("batch too large", url, {"inputs": [{**ok, "shape": [129, 64], "data": [0.0] * 129 * 64}]}, 400),
            ("strings as data", url, {"inputs": [{**ok, "data": ["a"] * 64}]}, 400),
            ("ragged nested data", url, {"inputs": [{**ok, "shape": [2, 64], "data": [[0.0] * 64, [0.0] * 3]}]}, 400),
            ("duplicate input", url, {"inputs": [ok, ok]}, 400),
            ("unknown output", url, {"inputs": [ok], "outputs": [{"name": "nope"}]}, 400),
            ("unknown model", f"{self.url}/v2/models/nope/infer", {"inputs": [ok]}, 404),
            ("unknown version", f"{self.url}/v2/models/digits-mlp/versions/9/infer", {"inputs": [ok]}, 404),
            ("unknown model metadata", f"{self.url}/v2/models/nope", None, 404),
            ("unknown model ready", f"{self.url}/v2/models/nope/ready", None, 404),
            ("unknown route", f"{self.url}/v3/whatever", None, 404),
        ]
        for label, target, body, expected in cases:
            with self.subTest(case=label):
                status, out = request(target, body)
                self.assertEqual(status, expected, out)
                self.assertIsInstance(out.get("error"), str, out)
        # the server still serves after all that
        self.assertEqual(request(url, {"inputs": [ok]})[0], 200)


@unittest.skipUnless(ZOO.is_dir(), "SERVEBENCH_ZOO must name a prepared --quick zoo")
class FastAPIWorkersAndStartup(unittest.TestCase):
    def test_two_workers_serve_the_same_outputs(self):
        with tempfile.TemporaryDirectory() as tmp:
            repo = Path(tmp) / "repo"
            repo.mkdir()
            shutil.copytree(ZOO / "digits-mlp", repo / "digits-mlp")
            x = np.random.default_rng(11).random((3, 64), dtype=np.float32)
            expected = direct_forward("digits-mlp", x)
            with fastapi(repo, "--workers", "2", "--torch-threads", "1") as server:
                for _ in range(6):
                    status, out = request(f"{server.base}/v2/models/digits-mlp/infer", infer_body(x))
                    self.assertEqual(status, 200, out)
                    got = np.asarray(out["outputs"][0]["data"], dtype=np.float32).reshape(3, 10)
                    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)

    def test_a_broken_repository_stops_the_server_with_an_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            model = Path(tmp) / "broken"
            (model / "1").mkdir(parents=True)
            (model / "config.pbtxt").write_text('name: "broken" platform: "pytorch_libtorch" input [ { name: "x"')
            proc = subprocess.run([str(LAUNCH), "--model-repository", tmp, "--http-port", "0"],
                                  capture_output=True, text=True, timeout=60)
            self.assertNotEqual(proc.returncode, 0)
            self.assertIn("config.pbtxt", proc.stdout + proc.stderr)


if __name__ == "__main__":
    unittest.main()
