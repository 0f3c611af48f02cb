"""Starting a real serving system (Triton, TorchServe, MLServer) for a test, the way servebench's
launchers will: servers/SYSTEM/prepare.py writes the files and says the command line, ports are
free loopback ports, the process gets its own process group, and the whole group is stopped at
the end. Also the reference every output is compared with: a direct forward of the same
TorchScript file in this process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import torch

SOURCE = Path(__file__).resolve().parents[2]
VENV_ROOT = Path(os.environ.get("SERVEBENCH_VENV_ROOT", SOURCE / "build" / "venv"))
QUICK_ZOO = Path(os.environ.get("SERVEBENCH_ZOO", ""))
FULL_ZOO = Path(os.environ.get("SERVEBENCH_FULL_ZOO") or Path.home() / ".cache" / "servebench" / "models")
PROGRAMS = {"triton": "bin/tritonserver", "torchserve": "bin/torchserve", "mlserver": "bin/mlserver"}
# The second port each system listens on besides HTTP and metrics.
SECOND_PORT = {"triton": "grpc", "torchserve": "management", "mlserver": "grpc"}

torch.set_num_threads(1)


def not_installed(system: str) -> str | None:
    """Why `system` cannot be tested here, or None when it is installed."""
    venv = VENV_ROOT / system
    if (venv / PROGRAMS[system]).exists():
        return None
    missing = VENV_ROOT / f"{system}.missing"
    why = missing.read_text().strip() if missing.exists() else "scripts/setup has not installed it"
    return f"{system} is not installed in {venv}: {why}"


def free_ports(count: int) -> list[int]:
    """Distinct loopback ports that were free a moment ago (held together while picked)."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def http(method: str, url: str, body: dict | list | None = None, timeout: float = 60.0) -> tuple[int, object]:
    """(status, parsed JSON or text) of one request; connection errors raise OSError."""
    data = None if body is None else json.dumps(body).encode()
    # No Content-Type without a body: TorchServe's management API then reads a JSON body that is
    # not there and fails.
    headers = {"Content-Type": "application/json"} if data is not None else {}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def direct_forward(zoo: Path, name: str, x: np.ndarray) -> np.ndarray:
    """What the model file gives in this process, loaded the way every server loads it."""
    engine = json.loads((zoo / name / "card.json").read_text()).get("quantized_engine")
    if engine:
        torch.backends.quantized.engine = engine
    module = torch.jit.load(str(zoo / name / "1" / "model.pt")).eval()
    with torch.inference_mode():
        return module(torch.from_numpy(x)).numpy()


def kserve_body(x: np.ndarray) -> dict:
    return {"inputs": [{"name": "INPUT__0", "shape": list(x.shape), "datatype": "FP32", "data": x.ravel().tolist()}]}


def kserve_output(response: dict) -> np.ndarray:
    out = response["outputs"][0]
    assert out["name"] == "OUTPUT__0" and out["datatype"] == "FP32", out.get("name")
    return np.asarray(out["data"], dtype=np.float32).reshape(out["shape"])


class RealServer:
    """One server of `system` serving `model`, ready (the model answers an inference) on entry,
    its process group stopped on exit. `timings` holds the cold-start steps in seconds."""

    def __init__(self, system: str, zoo: Path, model: str, *settings: str, ready_timeout: float = 180.0):
        self.system, self.zoo, self.model, self.settings = system, zoo, model, list(settings)
        self.ready_timeout = ready_timeout
        self.tmp = tempfile.TemporaryDirectory(prefix=f"servebench-{system}-")
        self.work = Path(self.tmp.name)
        self.log = self.work / "server.log"
        self.proc: subprocess.Popen | None = None
        self.plan: dict = {}
        self.timings: dict[str, float] = {}

    def prepare(self) -> dict:
        http_port, second, metrics = free_ports(3)
        argv = ["/usr/bin/python3", str(SOURCE / "servers" / self.system / "prepare.py"),
                "--venv", str(VENV_ROOT / self.system), "--source", str(self.zoo), "--model", self.model,
                "--work", str(self.work), "--http-port", str(http_port),
                f"--{SECOND_PORT[self.system]}-port", str(second), "--metrics-port", str(metrics), *self.settings]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"prepare.py failed ({done.returncode}): {done.stderr}")
        self.plan = json.loads(done.stdout)
        return self.plan

    def first_inference_body(self) -> tuple[str, object]:
        card = json.loads((self.zoo / self.model / "card.json").read_text())
        x = np.zeros([1] + card["inputs"][0]["shape"][1:], dtype=np.float32)
        return self.plan["infer_url"], kserve_body(x)

    def __enter__(self) -> "RealServer":
        if not self.plan:
            self.prepare()
        env = {**os.environ, **self.plan["env"], "PYTHONDONTWRITEBYTECODE": "1"}
        with open(self.log, "wb") as log:
            start = time.monotonic()
            self.proc = subprocess.Popen(self.plan["argv"], cwd=self.plan["cwd"], env=env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait(start)
        except BaseException:
            self.stop()
            raise
        return self

    def _alive(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.system} exited with {self.proc.returncode}:\n{self.output()}")

    def _poll(self, what: str, start: float, check) -> None:
        deadline = start + self.ready_timeout
        while time.monotonic() < deadline:
            self._alive()
            try:
                if check():
                    self.timings[what] = time.monotonic() - start
                    return
            except OSError:
                pass  # not listening yet
            time.sleep(0.05)
        raise RuntimeError(f"{self.system}: no '{what}' within {self.ready_timeout} s:\n{self.output()}")

    def _wait(self, start: float) -> None:
        plan = self.plan
        self._poll("ready", start, lambda: http("GET", plan["ready_url"], timeout=5)[0] == 200)
        if self.system != "torchserve":
            # TorchServe's describe call lists a worker before its model has loaded: its model is
            # ready when it answers an inference.
            self._poll("model_ready", start, lambda: http("GET", plan["model_ready_url"], timeout=5)[0] == 200)
        url, body = self.first_inference_body()
        self._poll("first_inference", start, lambda: http("POST", url, body, timeout=60)[0] == 200)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the whole group: workers, stubs, java
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # members that outlived the leader
            except ProcessLookupError:
                pass

    def __exit__(self, *exc) -> None:
        self.stop()
        self.tmp.cleanup()
