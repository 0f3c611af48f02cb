"""Conformance of servebench-torchscript with the real Triton client library (`tritonclient`,
pinned in scripts/requirements/triton.in, installed by scripts/setup into the Triton venv).

The C++ server is started on 127.0.0.1 with the test repository (make_test_models.py); every
check goes through tritonclient over HTTP with JSON data, HTTP with the binary tensor extension,
and gRPC: server and model metadata, model configuration, inference (outputs equal a direct
forward of the same TorchScript file in this process), statistics, and errors (unknown model,
bad shape, a model that did not load).

    python test_triton_client.py SERVER_BINARY MODELS_DIR [-v]

Exits 77 (CTest: Skipped) when tritonclient is not importable, i.e. when setup could not install
the Triton venv on this machine (build/venv/triton.missing says why).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import numpy as np

try:
    import grpc
    import tritonclient.grpc as grpcclient
    import tritonclient.http as httpclient
    from tritonclient.utils import InferenceServerException
except ImportError as err:  # reported by main() as a skip, with the reason
    IMPORT_ERROR: ImportError | None = err
else:
    IMPORT_ERROR = None

import torch

torch.set_num_threads(1)  # as the server's INTRA_OP_THREAD_COUNT: same kernels, same sums

SERVER = ""
REPOSITORY = Path()

# The three ways a tritonclient user can talk to the server.
HTTP_JSON, HTTP_BINARY, GRPC = "http-json", "http-binary", "grpc"
WAYS = (HTTP_JSON, HTTP_BINARY, GRPC)


class CppServer:
    """servebench-torchscript on ephemeral 127.0.0.1 ports; its own process group, stopped at
    the end."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="servebench-triton-client-")
        self.port_file = Path(self.tmp.name) / "ports.json"
        self.log = Path(self.tmp.name) / "server.log"
        argv = [SERVER, "--model-repository", str(REPOSITORY), "--http-address", "127.0.0.1",
                "--http-port", "0", "--grpc-address", "127.0.0.1", "--grpc-port", "0",
                "--metrics-address", "127.0.0.1", "--metrics-port", "0",
                "--port-file", str(self.port_file)]
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + 60
        while not self.port_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start:\n{self.output()}")
            time.sleep(0.05)
        ports = json.loads(self.port_file.read_text())
        self.http_url = f"127.0.0.1:{ports['http']}"
        self.grpc_url = f"127.0.0.1:{ports['grpc']}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.tmp.cleanup()


def direct_forward(model: str, version: int, *inputs: np.ndarray) -> list[np.ndarray]:
    """The outputs of the repository's TorchScript file, loaded and run in this process."""
    module = torch.jit.load(str(REPOSITORY / model / str(version) / "model.pt"))
    with torch.inference_mode():
        out = module(*(torch.from_numpy(x) for x in inputs))
    return [t.numpy() for t in (out if isinstance(out, tuple) else (out,))]


def infer(client, way: str, model: str, inputs: dict[str, np.ndarray], outputs: list[str],
          version: str = ""):
    """One inference through tritonclient; returns {output name: array}."""
    module = grpcclient if way == GRPC else httpclient
    request_inputs = []
    for name, x in inputs.items():
        tensor = module.InferInput(name, list(x.shape), _datatype(x))
        if way == GRPC:
            tensor.set_data_from_numpy(x)
        else:
            tensor.set_data_from_numpy(x, binary_data=way == HTTP_BINARY)
        request_inputs.append(tensor)
    if way == GRPC:
        requested = [grpcclient.InferRequestedOutput(name) for name in outputs]
    else:
        requested = [httpclient.InferRequestedOutput(name, binary_data=way == HTTP_BINARY)
                     for name in outputs]
    result = client.infer(model, request_inputs, model_version=version, outputs=requested,
                          request_id="conformance-1")
    response = result.get_response()
    if way != GRPC:
        # The binary extension really was used (or not): the JSON part says which.
        for out in response["outputs"]:
            self_described = "binary_data_size" in out.get("parameters", {})
            assert self_described == (way == HTTP_BINARY), out
    return {name: result.as_numpy(name) for name in outputs}, response


def _datatype(x: np.ndarray) -> str:
    return {np.dtype(np.float32): "FP32", np.dtype(np.int32): "INT32"}[x.dtype]


@unittest.skipIf(IMPORT_ERROR is not None, f"tritonclient is not importable: {IMPORT_ERROR}")
class TritonClientConformance(unittest.TestCase):
    server: CppServer

    @classmethod
    def setUpClass(cls):
        cls.server = CppServer()
        cls.http = httpclient.InferenceServerClient(cls.server.http_url, network_timeout=60)
        cls.grpc = grpcclient.InferenceServerClient(cls.server.grpc_url)
        deadline = time.monotonic() + 90
        while True:
            try:
                if cls.http.is_server_ready():
                    break
            except Exception:  # not listening yet
                pass
            if time.monotonic() > deadline:
                cls.server.stop()
                raise RuntimeError(f"the server is not ready within 90 s:\n{cls.server.output()}")
            time.sleep(0.1)

    @classmethod
    def tearDownClass(cls):
        cls.http.close()
        cls.grpc.close()
        cls.server.stop()

    def client(self, way: str):
        return self.grpc if way == GRPC else self.http

    # --- health and metadata ---------------------------------------------------------------

    def test_health(self):
        for client in (self.http, self.grpc):
            self.assertTrue(client.is_server_live())
            self.assertTrue(client.is_server_ready())
            self.assertTrue(client.is_model_ready("mlp"))
            self.assertTrue(client.is_model_ready("adder", "2"))
            self.assertFalse(client.is_model_ready("broken"))  # its config has an unknown field

    def test_server_metadata(self):
        http = self.http.get_server_metadata()
        grpc_meta = self.grpc.get_server_metadata(as_json=True)
        for meta in (http, grpc_meta):
            self.assertEqual(meta["name"], "servebench-torchscript")
            self.assertRegex(meta["version"], r"^\d+\.\d+")
            self.assertLessEqual({"binary_tensor_data", "statistics", "model_repository"},
                                 set(meta["extensions"]))

    def test_model_metadata(self):
        want = {"name": "pair", "versions": ["1"], "platform": "pytorch_libtorch",
                "inputs": [{"name": "X", "datatype": "FP32", "shape": [2, 3]},
                           {"name": "Y", "datatype": "FP32", "shape": [2, 3]}],
                "outputs": [{"name": "SUM", "datatype": "FP32", "shape": [2, 3]},
                            {"name": "DIFF", "datatype": "FP32", "shape": [2, 3]}]}
        self.assertEqual(self.http.get_model_metadata("pair"), want)
        self.assertEqual(_grpc_json_ints(self.grpc.get_model_metadata("pair", as_json=True)), want)
        # A batching model: the batch dimension is -1; both versions listed.
        for meta in (self.http.get_model_metadata("adder"),
                     _grpc_json_ints(self.grpc.get_model_metadata("adder", as_json=True))):
            self.assertEqual(meta["versions"], ["1", "2"])
            self.assertEqual(meta["inputs"], [{"name": "A", "datatype": "INT32", "shape": [-1, 4]}])

    def test_model_config(self):
        http = self.http.get_model_config("mlp_batched")
        grpc_config = _grpc_json_ints(self.grpc.get_model_config("mlp_batched", as_json=True)["config"])
        for config in (http, grpc_config):
            with self.subTest(config=config):
                self.assertEqual(config["name"], "mlp_batched")
                self.assertEqual(config["platform"], "pytorch_libtorch")
                self.assertEqual(config["max_batch_size"], 64)
                self.assertEqual(config["input"], [{"name": "INPUT__0", "data_type": "TYPE_FP32",
                                                    "dims": [64]}])
                self.assertEqual(config["output"], [{"name": "OUTPUT__0", "data_type": "TYPE_FP32",
                                                     "dims": [10]}])
                self.assertEqual(config["dynamic_batching"]["preferred_batch_size"], [16, 32])
                self.assertEqual(config["dynamic_batching"]["max_queue_delay_microseconds"], 2000)
                self.assertEqual(config["instance_group"], [{"count": 1, "kind": "KIND_CPU"}])
                self.assertEqual(config["parameters"]["INTRA_OP_THREAD_COUNT"], {"string_value": "1"})
                self.assertEqual(config["default_model_filename"], "model.pt")
        # A model without dynamic batching has none in its config, and no batch dimension here.
        pair = self.http.get_model_config("pair")
        self.assertEqual(pair["max_batch_size"], 0)
        self.assertNotIn("dynamic_batching", pair)
        self.assertEqual([t["dims"] for t in pair["input"]], [[2, 3], [2, 3]])

    # --- inference -------------------------------------------------------------------------

    def test_infer_equals_direct_forward(self):
        rng = np.random.default_rng(11)
        x = rng.standard_normal((3, 64), dtype=np.float32)
        px, py = rng.standard_normal((2, 2, 3), dtype=np.float32)
        a = rng.integers(-1000, 1000, size=(2, 4), dtype=np.int32)
        cases = [
            ("mlp", "", {"INPUT__0": x}, ["OUTPUT__0"], direct_forward("mlp", 1, x)),
            ("mlp_batched", "", {"INPUT__0": x}, ["OUTPUT__0"], direct_forward("mlp_batched", 1, x)),
            ("pair", "", {"X": px, "Y": py}, ["SUM", "DIFF"], direct_forward("pair", 1, px, py)),
            ("adder", "1", {"A": a}, ["A_PLUS"], direct_forward("adder", 1, a)),
            ("adder", "", {"A": a}, ["A_PLUS"], direct_forward("adder", 2, a)),  # the latest
        ]
        for way in WAYS:
            for model, version, inputs, names, want in cases:
                with self.subTest(way=way, model=model, version=version):
                    got, response = infer(self.client(way), way, model, inputs, names, version)
                    for name, expected in zip(names, want):
                        self.assertEqual(got[name].dtype, expected.dtype, name)
                        self.assertEqual(got[name].shape, expected.shape, name)
                        # The same library runs the same file on one thread: the same bits.
                        np.testing.assert_array_equal(got[name], expected, err_msg=name)
                    resp = response if way != GRPC else json.loads(_grpc_to_json(response))
                    self.assertEqual(resp["model_name"], model)
                    self.assertEqual(resp["model_version"], (version or "2") if model == "adder" else "1")
                    self.assertEqual(resp["id"], "conformance-1")

    def test_outputs_default_to_all_when_none_requested(self):
        rng = np.random.default_rng(5)
        px, py = rng.standard_normal((2, 2, 3), dtype=np.float32)
        want = direct_forward("pair", 1, px, py)
        for way in WAYS:
            with self.subTest(way=way):
                module = grpcclient if way == GRPC else httpclient
                tensors = []
                for name, value in (("X", px), ("Y", py)):
                    t = module.InferInput(name, [2, 3], "FP32")
                    if way == GRPC:
                        t.set_data_from_numpy(value)
                    else:
                        t.set_data_from_numpy(value, binary_data=way == HTTP_BINARY)
                    tensors.append(t)
                result = self.client(way).infer("pair", tensors)
                np.testing.assert_array_equal(result.as_numpy("SUM"), want[0])
                np.testing.assert_array_equal(result.as_numpy("DIFF"), want[1])

    # --- statistics ------------------------------------------------------------------------

    def test_statistics_count_what_was_served(self):
        x = np.ones((5, 64), dtype=np.float32)

        def snapshot(way):
            if way == GRPC:
                stats = _grpc_json_ints(self.grpc.get_inference_statistics("mlp", as_json=True))
            else:
                stats = self.http.get_inference_statistics("mlp")
            (entry,) = stats["model_stats"]
            self.assertEqual((entry["name"], entry["version"]), ("mlp", "1"))
            return entry

        for way in WAYS:
            with self.subTest(way=way):
                before = snapshot(way)
                for _ in range(3):
                    infer(self.client(way), way, "mlp", {"INPUT__0": x}, ["OUTPUT__0"])
                after = snapshot(way)
                # mlp has no dynamic batching: one execution per request, 5 inferences in each.
                self.assertEqual(after["inference_count"] - before["inference_count"], 15)
                self.assertEqual(after["execution_count"] - before["execution_count"], 3)
                stats_a, stats_b = before["inference_stats"], after["inference_stats"]
                for key in ("success", "queue", "compute_input", "compute_infer", "compute_output"):
                    self.assertEqual(stats_b[key]["count"] - stats_a[key]["count"], 3, key)
                    self.assertGreater(stats_b[key]["ns"], stats_a[key]["ns"], key)
                self.assertGreaterEqual(after["last_inference"], before["last_inference"])
        # Every model at once: one entry per loaded version.
        everything = self.http.get_inference_statistics()
        names = {(e["name"], e["version"]) for e in everything["model_stats"]}
        self.assertLessEqual({("mlp", "1"), ("adder", "1"), ("adder", "2"), ("pair", "1")}, names)

    # --- errors ----------------------------------------------------------------------------

    def assertServerError(self, way, call, *, says: list[str], grpc_code=None):
        with self.assertRaises(InferenceServerException) as caught:
            call()
        message = caught.exception.message()
        for text in says:
            self.assertIn(text, message)
        if way == GRPC and grpc_code is not None:
            self.assertEqual(caught.exception.status(), str(grpc_code))
        return caught.exception

    def test_unknown_model(self):
        x = np.ones((1, 64), dtype=np.float32)
        for way in WAYS:
            with self.subTest(way=way):
                client = self.client(way)
                self.assertServerError(way, lambda: infer(client, way, "no_such_model", {"INPUT__0": x},
                                                          ["OUTPUT__0"]),
                                       says=["no_such_model"], grpc_code=grpc.StatusCode.NOT_FOUND)
                self.assertServerError(way, lambda: client.get_model_metadata("no_such_model"),
                                       says=["no_such_model"], grpc_code=grpc.StatusCode.NOT_FOUND)
                self.assertServerError(way, lambda: client.get_model_config("no_such_model"),
                                       says=["no_such_model"], grpc_code=grpc.StatusCode.NOT_FOUND)
                self.assertServerError(way, lambda: client.get_inference_statistics("no_such_model"),
                                       says=["no_such_model"], grpc_code=grpc.StatusCode.NOT_FOUND)
                self.assertServerError(way, lambda: infer(client, way, "mlp", {"INPUT__0": x},
                                                          ["OUTPUT__0"], version="7"),
                                       says=["mlp", "7"], grpc_code=grpc.StatusCode.NOT_FOUND)
                self.assertFalse(client.is_model_ready("no_such_model"))

    def test_bad_shape_and_names(self):
        for way in WAYS:
            with self.subTest(way=way):
                client = self.client(way)
                bad = np.ones((1, 63), dtype=np.float32)
                self.assertServerError(way, lambda: infer(client, way, "mlp", {"INPUT__0": bad},
                                                          ["OUTPUT__0"]),
                                       says=["INPUT__0", "63"], grpc_code=grpc.StatusCode.INVALID_ARGUMENT)
                too_big = np.ones((65, 64), dtype=np.float32)  # over max_batch_size
                self.assertServerError(way, lambda: infer(client, way, "mlp", {"INPUT__0": too_big},
                                                          ["OUTPUT__0"]),
                                       says=["65"], grpc_code=grpc.StatusCode.INVALID_ARGUMENT)
                ok = np.ones((1, 64), dtype=np.float32)
                self.assertServerError(way, lambda: infer(client, way, "mlp", {"WRONG": ok}, ["OUTPUT__0"]),
                                       says=["WRONG"], grpc_code=grpc.StatusCode.INVALID_ARGUMENT)
                self.assertServerError(way, lambda: infer(client, way, "mlp", {"INPUT__0": ok}, ["NOPE"]),
                                       says=["NOPE"], grpc_code=grpc.StatusCode.INVALID_ARGUMENT)
                # Still serving after the errors.
                got, _ = infer(client, way, "mlp", {"INPUT__0": ok}, ["OUTPUT__0"])
                np.testing.assert_array_equal(got["OUTPUT__0"], direct_forward("mlp", 1, ok)[0])

    def test_http_errors_are_json_with_status(self):
        # tritonclient turns the body's "error" into the exception's message and keeps the
        # HTTP status; 400 for a bad request, 404 for an unknown model.
        x = np.ones((1, 63), dtype=np.float32)
        err = self.assertServerError(HTTP_JSON, lambda: infer(self.http, HTTP_JSON, "mlp", {"INPUT__0": x},
                                                              ["OUTPUT__0"]), says=["INPUT__0"])
        self.assertEqual(err.status(), "400")
        err = self.assertServerError(HTTP_JSON, lambda: self.http.get_model_metadata("no_such_model"),
                                     says=["no_such_model"])
        self.assertEqual(err.status(), "404")


def _grpc_to_json(message) -> str:
    from google.protobuf import json_format
    return json_format.MessageToJson(message, preserving_proto_field_name=True)


# The 64-bit integer fields of the messages read here, which protobuf's JSON writes as strings.
INT64_FIELDS = {"shape", "dims", "count", "ns", "inference_count", "execution_count", "last_inference",
                "max_queue_delay_microseconds"}


def _grpc_json_ints(value, key: str = ""):
    """A gRPC answer as tritonclient's as_json gives it, with 64-bit integers as numbers."""
    if isinstance(value, dict):
        return {k: _grpc_json_ints(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_grpc_json_ints(v, key) for v in value]
    if key in INT64_FIELDS and isinstance(value, str):
        return int(value)
    return value


def main() -> None:
    global SERVER, REPOSITORY
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    venv_python = Path(os.environ.get("SERVEBENCH_VENV_ROOT", "")) / "triton" / "bin" / "python"
    if IMPORT_ERROR is not None and os.environ.get("SERVEBENCH_VENV_ROOT") and venv_python.exists() \
            and Path(sys.executable) != venv_python:
        # CTest starts Debian's python3; tritonclient lives in the Triton venv, which sees the
        # same torch (system site packages).
        os.execv(str(venv_python), [str(venv_python), *sys.argv])
    SERVER, REPOSITORY = sys.argv[1], Path(sys.argv[2]) / "repository"
    del sys.argv[1:3]
    if IMPORT_ERROR is not None:
        # CTest reports this exit status as "Skipped" (SKIP_RETURN_CODE), not as a pass.
        print(f"skipped: tritonclient is not importable here ({IMPORT_ERROR}); scripts/setup installs "
              "it into the Triton venv (build/venv/triton.missing says why it could not)")
        sys.exit(77)
    if not Path(SERVER).exists():
        print(f"skipped: the C++ server {SERVER} is not built")
        sys.exit(77)
    unittest.main()


if __name__ == "__main__":
    main()
