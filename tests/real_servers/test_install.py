"""scripts/requirements/install.py and the prepare scripts, without the network: a lock that
would bring a second PyTorch is refused and fails setup; a package pip cannot get is recorded
and the system is left out (setup still succeeds); the launchers' prepare scripts reject a
missing system naming the recorded reason; on a set-up machine a second run does nothing,
quickly. Also the Triton repository derivation's config.pbtxt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2]
INSTALL = SOURCE / "scripts" / "requirements" / "install.py"
VENV_ROOT = Path(os.environ.get("SERVEBENCH_VENV_ROOT", SOURCE / "build" / "venv"))
sys.path.insert(0, str(SOURCE / "servers" / "triton"))
sys.path.insert(0, str(SOURCE / "servers" / "fastapi"))
import pbtxt  # noqa: E402
from derive import DeriveError, derive_config  # noqa: E402

FAKE_HASH = "--hash=sha256:" + "0" * 64
ZOO_CONFIG = """name: "digits-mlp"
platform: "pytorch_libtorch"
max_batch_size: 128
input [ { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 64 ] } ]
output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 10 ] } ]
instance_group [ { count: 1 kind: KIND_CPU } ]
parameters { key: "INTRA_OP_THREAD_COUNT" value { string_value: "1" } }
parameters { key: "QUANTIZED_ENGINE" value { string_value: "qnnpack" } }
"""


def run_install(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["/usr/bin/python3", str(INSTALL), *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


class Installer(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="servebench-install-")
        self.root = Path(self.tmp.name) / "venv"
        self.locks = Path(self.tmp.name) / "locks"
        self.locks.mkdir()

    def tearDown(self):
        self.tmp.cleanup()

    def test_a_second_pytorch_is_refused_and_fails_setup(self):
        (self.locks / "mlserver.txt").write_text(f"mlserver==1.7.1 {FAKE_HASH}\ntorch==2.5.1 {FAKE_HASH}\n")
        done = run_install(str(self.root), "mlserver", "--locks", str(self.locks))
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn("would install torch from PyPI", done.stderr)
        self.assertIn("Debian's torch", done.stderr)
        self.assertFalse((self.root / "mlserver").exists())
        self.assertIn("torch", (self.root / "mlserver.missing").read_text())

    def test_a_package_pip_cannot_get_is_recorded_and_setup_goes_on(self):
        (self.locks / "mlserver.txt").write_text(f"servebench-no-such-package==1.0 {FAKE_HASH}\n")
        offline = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": ""}
        done = run_install(str(self.root), "mlserver", "--locks", str(self.locks), env=offline)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("mlserver: NOT INSTALLED", done.stderr)
        self.assertIn("servebench-no-such-package", done.stderr)
        self.assertFalse((self.root / "mlserver").exists(), "a half-installed venv was left behind")
        reason = (self.root / "mlserver.missing").read_text()
        self.assertIn("pip could not install mlserver.txt", reason)

        # The same lock again: not retried (setup stays fast), still reported, still status 0.
        start = time.monotonic()
        again = run_install(str(self.root), "mlserver", "--locks", str(self.locks), env=offline)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertLess(time.monotonic() - start, 5)
        self.assertIn("earlier run with the same lock", again.stderr)
        self.assertEqual(run_install(str(self.root), "mlserver", "--check", "--locks", str(self.locks)).returncode, 3)

    def test_prepare_scripts_name_the_missing_system_and_why(self):
        self.root.mkdir()
        flags = {"triton": ["--grpc-port", "2"], "torchserve": ["--management-port", "2"], "mlserver": ["--grpc-port", "2"]}
        for system, extra in flags.items():
            with self.subTest(system=system):
                (self.root / f"{system}.missing").write_text(f"no wheel of {system} for this machine\n")
                done = subprocess.run(
                    ["/usr/bin/python3", str(SOURCE / "servers" / system / "prepare.py"), "--venv",
                     str(self.root / system), "--source", self.tmp.name, "--model", "m", "--work", self.tmp.name,
                     "--http-port", "1", "--metrics-port", "3", *extra], capture_output=True, text=True, timeout=60)
                self.assertEqual(done.returncode, 1)
                self.assertIn("is not installed", done.stderr)
                self.assertIn(f"no wheel of {system} for this machine", done.stderr)
                self.assertEqual(done.stdout, "")


@unittest.skipUnless(all((VENV_ROOT / s / "servebench.json").exists() for s in ("triton", "torchserve", "mlserver")),
                     f"scripts/setup has not installed the serving systems in {VENV_ROOT}")
class SetUpMachine(unittest.TestCase):
    def test_a_second_setup_does_nothing_and_is_fast(self):
        check = run_install(str(VENV_ROOT), "--check")
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        start = time.monotonic()
        done = run_install(str(VENV_ROOT))
        elapsed = time.monotonic() - start
        self.assertEqual(done.returncode, 0, done.stderr)
        # One line per lock in scripts/requirements (each system's venv, and TensorFlow's).
        locks = sorted((SOURCE / "scripts" / "requirements").glob("*.in"))
        self.assertEqual(done.stdout.count("up to date"), len(locks), done.stdout)
        self.assertLess(elapsed, 3.0)

    def test_every_server_runs_on_debians_torch(self):
        import torch
        for system in ("triton", "torchserve", "mlserver"):
            with self.subTest(system=system):
                record = json.loads((VENV_ROOT / system / "servebench.json").read_text())
                self.assertEqual(record["torch"], subprocess.run(
                    ["/usr/bin/python3", "-c", "import importlib.metadata as m; print(m.version('torch'))"],
                    capture_output=True, text=True).stdout.strip())
                self.assertFalse(any(name.lower() == "torch" for name in record["packages"]))
                seen = subprocess.run([str(VENV_ROOT / system / "bin" / "python"), "-m", "pip", "show", "torch"],
                                      capture_output=True, text=True)
                self.assertIn("Location: /usr/lib/python3/dist-packages", seen.stdout)
                self.assertIn(f"Version: {torch.__version__.split('a')[0]}", seen.stdout)


class TritonConfig(unittest.TestCase):
    def test_python_backend_config_with_batching(self):
        text = derive_config(ZOO_CONFIG, "zoo/digits-mlp/config.pbtxt", instances=3, threads=2, dynamic_batching=True,
                             max_batch_size=16, max_queue_delay_us=500, preferred_batch_sizes=(4, 8))
        config = pbtxt.parse(text)
        self.assertNotIn("platform", config)
        self.assertEqual(config["backend"], ["python"])
        self.assertEqual(config["max_batch_size"], [16])
        self.assertEqual(config["instance_group"], [{"count": [3], "kind": ["KIND_CPU"]}])
        self.assertEqual(config["dynamic_batching"],
                         [{"preferred_batch_size": [4, 8], "max_queue_delay_microseconds": [500]}])
        self.assertEqual(pbtxt.parameters(config), {"INTRA_OP_THREAD_COUNT": "2", "QUANTIZED_ENGINE": "qnnpack"})
        self.assertEqual(config["input"][0]["dims"], [64])
        self.assertEqual(config["output"][0]["name"], ["OUTPUT__0"])

    def test_without_batching_the_zoo_batch_size_stays(self):
        config = pbtxt.parse(derive_config(ZOO_CONFIG, "c", instances=1, threads=1))
        self.assertEqual(config["max_batch_size"], [128])
        self.assertNotIn("dynamic_batching", config)

    def test_bad_settings_are_refused_naming_the_file(self):
        no_batch = ZOO_CONFIG.replace("max_batch_size: 128", "max_batch_size: 0")
        cases = [(no_batch, {"dynamic_batching": True}, "no batch dimension"),
                 (ZOO_CONFIG, {"dynamic_batching": True, "max_batch_size": 8, "preferred_batch_sizes": (16,)},
                  "preferred batch size 16"),
                 (ZOO_CONFIG, {"instances": 0}, "must be at least 1"),
                 (ZOO_CONFIG.replace("pytorch_libtorch", "onnxruntime_onnx"), {}, "not a TorchScript model"),
                 ("name: [", {}, "x.pbtxt")]
        for text, settings, message in cases:
            with self.subTest(message=message):
                with self.assertRaises(DeriveError) as caught:
                    derive_config(text, "x.pbtxt", **settings)
                self.assertIn(message, str(caught.exception))
                self.assertIn("x.pbtxt", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
