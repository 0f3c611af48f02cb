"""The real serving systems serve the zoo's TorchScript files, started as servebench starts them.

    /usr/bin/python3 test_servers.py triton|torchserve|mlserver [-v]

For one system: servers/SYSTEM/prepare.py makes the files and the command line, the server
starts on free 127.0.0.1 ports, and once it answers, its outputs must equal a direct forward of
the same TorchScript file in this process: digits-mlp (with the system's own batching on, two
instances, and concurrent requests that the batcher merges), digits-mlp-int8 (a compressed
variant on its quantized engine) and resnet18 (the full zoo). Its metrics endpoint answers
Prometheus text with the system's own inference counters, and bad input gets an error answer
(4xx; Triton's own 500 for a data/shape mismatch), not a crash. Exits 77 (CTest: skipped) when the system is not installed, naming why.
"""

from __future__ import annotations

import concurrent.futures
import json
import re
import sys
import unittest
import urllib.request

import numpy as np

from real_server import (FULL_ZOO, QUICK_ZOO, RealServer, direct_forward, http, kserve_body, kserve_output,
                         not_installed)

SYSTEM = ""
# Batching settings every system gets in the batching test: up to 8 rows, 20 ms of waiting.
BATCHING = ("--dynamic-batching", "--max-batch-size", "8", "--max-queue-delay-us", "20000", "--instances", "2")
# A Prometheus counter each system keeps of its inferences.
INFERENCE_COUNTER = {"triton": "nv_inference_count", "torchserve": "ts_inference_requests_total",
                     "mlserver": "model_infer_request_success_total"}


def infer(server: RealServer, x: np.ndarray) -> np.ndarray:
    status, body = http("POST", server.plan["infer_url"], kserve_body(x))
    assert status == 200, (status, body)
    return kserve_output(body)


def metric_total(text: str, name: str, model: str) -> float:
    """The sum of `name`'s samples that carry the model's name among their labels."""
    total, found = 0.0, False
    for line in text.splitlines():
        m = re.match(rf"^{re.escape(name)}\{{(.*)\}}\s+(\S+)$", line)
        if m and f'"{model}"' in m.group(1):
            total += float(m.group(2))
            found = True
    assert found, f"no {name} sample for {model} in:\n{text[:3000]}"
    return total


class RealServerTest(unittest.TestCase):
    rng = np.random.default_rng(2024)

    def assert_same(self, got: np.ndarray, want: np.ndarray, quantized: bool = False) -> None:
        self.assertEqual(got.shape, want.shape)
        if quantized:
            # The same engine on the same CPU in both processes; still allow one quantization step.
            np.testing.assert_allclose(got, want, atol=0.02 * float(np.abs(want).max()) + 1e-6)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)

    def test_digits_mlp_with_batching(self):
        with RealServer(SYSTEM, QUICK_ZOO, "digits-mlp", *BATCHING) as server:
            print(f"\n{SYSTEM} cold start with batching (s): {server.timings}", flush=True)
            x = self.rng.random((3, 64), dtype=np.float32)
            self.assert_same(infer(server, x), direct_forward(QUICK_ZOO, "digits-mlp", x))

            # 24 one-row requests, 12 at a time: the batcher merges them, and every request
            # must still get its own row back.
            rows = self.rng.random((24, 64), dtype=np.float32)
            want = direct_forward(QUICK_ZOO, "digits-mlp", rows)
            with concurrent.futures.ThreadPoolExecutor(12) as pool:
                answers = list(pool.map(lambda i: self._one_row(server, rows[i:i + 1]), range(len(rows))))
            for i, (got, _) in enumerate(answers):
                self.assert_same(got, want[i:i + 1])
            # So far: the first inference (1 row), x (3 rows) and the 24 one-row requests.
            self.assert_batched(server, answers, requests=2 + len(rows), rows=1 + 3 + len(rows))
            self.assert_metrics(server, "digits-mlp", at_least=2 + len(rows))
            self.assert_bad_input_refused(server)
            self.assert_repository_api(server)

    def _one_row(self, server: RealServer, x: np.ndarray) -> tuple[np.ndarray, dict]:
        request = urllib.request.Request(server.plan["infer_url"], json.dumps(kserve_body(x)).encode(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return kserve_output(json.loads(response.read())), dict(response.headers)

    def assert_batched(self, server: RealServer, answers: list, requests: int, rows: int) -> None:
        """The system's own batcher ran forward passes over rows of several requests: fewer
        passes than `requests` for `rows` rows in all."""
        if SYSTEM == "triton":
            status, stats = http("GET", server.plan["stats_url"])
            self.assertEqual(status, 200, stats)
            model = stats["model_stats"][0]
            self.assertEqual(model["inference_count"], rows, model)  # Triton counts rows here
            self.assertLess(model["execution_count"], requests, f"no request was batched: {model}")
        elif SYSTEM == "torchserve":
            batch_rows = [int(headers["X-Servebench-Batch-Rows"]) for _, headers in answers]
            self.assertGreater(max(batch_rows), 1, f"no request was batched: {batch_rows}")
            self.assertLessEqual(max(batch_rows), 8, batch_rows)
        else:
            status, text = http("GET", server.plan["metrics_url"])
            self.assertEqual(status, 200)
            passes = metric_total(text, "servebench_forward_rows_count", "digits-mlp")
            self.assertEqual(metric_total(text, "servebench_forward_rows_sum", "digits-mlp"), rows)
            self.assertLess(passes, requests, f"no request was batched: {passes} passes for {rows} rows")

    def assert_metrics(self, server: RealServer, model: str, at_least: int) -> None:
        status, text = http("GET", server.plan["metrics_url"])
        self.assertEqual(status, 200, text)
        self.assertIsInstance(text, str)
        self.assertGreaterEqual(metric_total(text, INFERENCE_COUNTER[SYSTEM], model), at_least)

    def assert_bad_input_refused(self, server: RealServer) -> None:
        wrong_size = {"inputs": [{"name": "INPUT__0", "shape": [2, 64], "datatype": "FP32", "data": [0.5] * 100}]}
        wrong_shape = {"inputs": [{"name": "INPUT__0", "shape": [2, 63], "datatype": "FP32", "data": [0.5] * 126}]}
        for body in (wrong_size, wrong_shape):
            status, answer = http("POST", server.plan["infer_url"], body)
            # Triton 2.51 answers a data/shape mismatch with 500, its own choice; the others 400.
            self.assertTrue(400 <= status < (501 if SYSTEM == "triton" and body is wrong_size else 500),
                            (status, answer))
            self.assertIn("error", answer)
        # Still serving.
        x = self.rng.random((1, 64), dtype=np.float32)
        self.assert_same(infer(server, x), direct_forward(QUICK_ZOO, "digits-mlp", x))

    def assert_repository_api(self, server: RealServer) -> None:
        """Unload, not ready, load, ready and serving again, with the same batching: KServe v2's
        repository extension (Triton, MLServer), TorchServe's management API."""
        unload, load = server.plan["repository_api"]["unload"], server.plan["repository_api"]["load"]
        self.assertEqual(http(unload["method"], unload["url"])[0], 200)
        for _ in range(200):
            if http("GET", server.plan["model_ready_url"])[0] != 200:
                break
        else:
            self.fail("model still ready after unload")
        status, answer = http(load["method"], load["url"], timeout=120)
        self.assertEqual(status, 200, answer)
        status, answer = http("GET", server.plan["model_ready_url"])
        self.assertEqual(status, 200, answer)
        if SYSTEM == "torchserve":
            # Reloaded from the archive, whose model-config.yaml keeps TorchServe's batching.
            self.assertEqual((answer[0]["batchSize"], answer[0]["maxBatchDelay"]), (8, 20), answer)
            self.assertEqual(len(answer[0]["workers"]), 2, answer)
        x = self.rng.random((2, 64), dtype=np.float32)
        self.assert_same(infer(server, x), direct_forward(QUICK_ZOO, "digits-mlp", x))

    def test_digits_mlp_int8(self):
        with RealServer(SYSTEM, QUICK_ZOO, "digits-mlp-int8") as server:
            x = self.rng.random((5, 64), dtype=np.float32)
            self.assert_same(infer(server, x), direct_forward(QUICK_ZOO, "digits-mlp-int8", x), quantized=True)

    @unittest.skipUnless((FULL_ZOO / "resnet18" / "1" / "model.pt").exists(),
                         f"resnet18 is in the full zoo only, not prepared at {FULL_ZOO}")
    def test_resnet18(self):
        with RealServer(SYSTEM, FULL_ZOO, "resnet18") as server:
            print(f"\n{SYSTEM} resnet18 cold start (s): {server.timings}", flush=True)
            x = self.rng.random((1, 3, 224, 224), dtype=np.float32)
            self.assert_same(infer(server, x), direct_forward(FULL_ZOO, "resnet18", x))
            self.assert_metrics(server, "resnet18", at_least=2)


class TorchServePlainJson(unittest.TestCase):
    """TorchServe's handler also takes a plain nested list and answers one."""

    def test_plain_rows(self):
        if SYSTEM != "torchserve":
            self.skipTest("TorchServe only")
        with RealServer(SYSTEM, QUICK_ZOO, "digits-mlp") as server:
            x = np.random.default_rng(7).random((2, 64), dtype=np.float32)
            status, answer = http("POST", server.plan["infer_url"], x.tolist())
            self.assertEqual(status, 200, answer)
            np.testing.assert_allclose(np.asarray(answer, dtype=np.float32),
                                       direct_forward(QUICK_ZOO, "digits-mlp", x), rtol=1e-4, atol=1e-5)
            status, answer = http("POST", server.plan["infer_url"], {"data": [1, 2, 3]})
            self.assertEqual(status, 400, answer)


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ("triton", "torchserve", "mlserver"):
        sys.exit("usage: test_servers.py triton|torchserve|mlserver [unittest options]")
    SYSTEM = sys.argv.pop(1)
    if not QUICK_ZOO.is_dir():
        sys.exit("SERVEBENCH_ZOO must name a prepared --quick zoo")
    if why := not_installed(SYSTEM):
        print(f"skipped: {why}")
        sys.exit(77)  # CTest's SKIP_RETURN_CODE: reported as Skipped, not as a pass
    unittest.main()
