"""Starting and stopping a real server process for tests: ephemeral loopback port, readiness
wait, and a guaranteed kill at the end."""

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

SOURCE = Path(__file__).resolve().parents[2]
LAUNCH = SOURCE / "servers" / "fastapi" / "launch"


def free_port() -> int:
    """A loopback port that was free a moment ago (for servers without port 0 support)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url: str, body: dict | bytes | None = None, timeout: float = 30.0) -> tuple[int, dict]:
    """(status, parsed JSON body) for GET, or POST when a body is given; errors are returned."""
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            return err.code, json.loads(raw)
        except ValueError:
            return err.code, {"_raw": raw.decode(errors="replace")}


class Server:
    """A server process on 127.0.0.1 with a port file, ready on entry, killed on exit."""

    def __init__(self, argv: list[str], ready_timeout: float = 90.0):
        self.argv = argv
        self.ready_timeout = ready_timeout
        self.tmp = tempfile.TemporaryDirectory(prefix="servebench-test-")
        self.port_file = Path(self.tmp.name) / "ports.json"
        self.log = Path(self.tmp.name) / "server.log"
        self.proc: subprocess.Popen | None = None
        self.base = ""

    def __enter__(self) -> "Server":
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(self.argv + ["--port-file", str(self.port_file)], stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.output()}")
            if self.port_file.exists():
                port = json.loads(self.port_file.read_text())["http"]
                self.base = f"http://127.0.0.1:{port}"
                try:
                    if request(self.base + "/v2/health/ready", timeout=5)[0] == 200:
                        return self
                except OSError:
                    pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server not ready within {self.ready_timeout} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the whole group: uvicorn workers too
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def __exit__(self, *exc) -> None:
        self.stop()
        self.tmp.cleanup()


def fastapi(repository: Path, *extra: str) -> Server:
    return Server([str(LAUNCH), "--model-repository", str(repository), "--http-port", "0",
                   "--http-address", "127.0.0.1", *extra])
