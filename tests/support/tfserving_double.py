#!/usr/bin/python3
"""A test double of TensorFlow Serving's model server: NOT TensorFlow Serving.

Written from TF Serving's published API documents (the REST API reference, the model server
flags, and the ModelServerConfig / MonitoringConfig text formats), so that servebench's
`tfserving` launcher and `tfserving-rest` protocol can be tested on machines without
`tensorflow_model_server`. It takes the flags the real program takes and refuses any other, reads
the models.config the launcher writes, and answers:

  GET  /v1/models/{m}[/versions/{v}]             model status (LOADING for the first
                                                 SERVEBENCH_TFSERVING_DOUBLE_LOADING_S seconds,
                                                 default 0.5, then AVAILABLE)
  GET  /v1/models/{m}[/versions/{v}]/metadata    the signature serving_default: INPUT__0 DT_FLOAT
                                                 [-1, 64] -> OUTPUT__0 DT_FLOAT [-1, 10] (the
                                                 zoo's digits models); 404 while loading
  POST /v1/models/{m}[/versions/{v}]:predict     "instances" (rows) or "inputs" (columnar); the
                                                 answer "predictions" or "outputs" likewise.
                                                 Output j of a sample x is sum(x) * (j + 1) / 64:
                                                 a known truth, not a model
  GET  <prometheus path of --monitoring_config_file>  a Prometheus text page

Errors answer {"error": "..."} with 400 (a malformed request) or 404 (no such model or version,
or not loaded yet), as TF Serving's REST server does. When SERVEBENCH_TFSERVING_DOUBLE_LOG names a
file, the double appends one JSON line per event to it: {"argv": [...], "models_config": text}
at start, then {"method", "path", "headers", "body"} per request, so tests can check the exact
bytes servebench sends.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

INPUT = ("INPUT__0", 64)
OUTPUT = ("OUTPUT__0", 10)
FLAGS = {"port", "rest_api_port", "model_config_file", "monitoring_config_file",
         "file_system_poll_wait_seconds", "enable_batching", "batching_parameters_file",
         "tensorflow_intra_op_parallelism", "rest_api_num_threads"}

LOG_LOCK = threading.Lock()


def log(event: dict) -> None:
    path = os.environ.get("SERVEBENCH_TFSERVING_DOUBLE_LOG")
    if not path:
        return
    with LOG_LOCK, open(path, "a") as out:
        out.write(json.dumps(event) + "\n")


def parse_flags(argv: list[str]) -> dict:
    flags = {}
    for arg in argv:
        m = re.fullmatch(r"--([a-z_]+)=(.*)", arg)
        if not m or m.group(1) not in FLAGS:
            sys.exit(f"tfserving_double: unknown or malformed flag {arg!r} (TF Serving flags only)")
        flags[m.group(1)] = m.group(2)
    for required in ("port", "rest_api_port", "model_config_file"):
        if required not in flags:
            sys.exit(f"tfserving_double: --{required} is required here")
    return flags


def parse_models_config(text: str) -> dict[str, list[str]]:
    """model name -> versions (numeric folders of base_path holding saved_model.pb)."""
    models = {}
    body = re.fullmatch(r"\s*(?:#[^\n]*\n\s*)*model_config_list\s*\{(.*)\}\s*", text, re.S)
    if not body:
        sys.exit("tfserving_double: models.config is not a model_config_list")
    for block in re.findall(r"config\s*\{([^{}]*)\}", body.group(1)):
        fields = dict(re.findall(r'(\w+):\s*"([^"]*)"', block))
        if set(fields) != {"name", "base_path", "model_platform"} or fields["model_platform"] != "tensorflow":
            sys.exit(f"tfserving_double: a config needs name, base_path, model_platform: \"tensorflow\": {block!r}")
        base = Path(fields["base_path"])
        if not base.is_absolute():
            sys.exit(f"tfserving_double: base_path {base} is not absolute")
        versions = sorted((p.name for p in base.iterdir() if p.name.isdigit() and (p / "saved_model.pb").is_file()),
                          key=int) if base.is_dir() else []
        if not versions:
            sys.exit(f"tfserving_double: no <version>/saved_model.pb under {base}")
        models[fields["name"]] = versions
    if not models:
        sys.exit("tfserving_double: models.config names no model")
    return models


def prometheus_path(flags: dict) -> str | None:
    if "monitoring_config_file" not in flags:
        return None
    text = Path(flags["monitoring_config_file"]).read_text()
    if not re.search(r"prometheus_config\s*\{[^}]*enable:\s*true", text):
        return None
    m = re.search(r'path:\s*"([^"]*)"', text)
    return m.group(1) if m else "/monitoring/prometheus/metrics"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    models: dict[str, list[str]] = {}
    metrics_path: str | None = None
    ready_at = 0.0
    requests = 0

    def log_message(self, *args) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go in two writes; without this, Nagle and the client's delayed ACK
        # hold every answer 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def answer(self, status: int, document, content_type: str = "application/json") -> None:
        body = (document if isinstance(document, str) else json.dumps(document)).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status: int, message: str) -> None:
        self.answer(status, {"error": message})

    def record(self, body: bytes) -> None:
        log({"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
             "body": body.decode("utf-8", "replace")})

    def resolve(self, rest: str):
        """(model, version, tail) of /v1/models/{m}[/versions/{v}]{tail}, or an error sent."""
        m = re.fullmatch(r"/v1/models/([^/:]+)(?:/versions/(\d+))?(/metadata|:predict|:classify|:regress)?", rest)
        if not m:
            self.error(404, f"Malformed request: {self.command} {self.path}")
            return None
        name, version, tail = m.group(1), m.group(2), m.group(3) or ""
        if name not in self.models:
            self.error(404, f"Could not find any versions of model {name}")
            return None
        if version is not None and version not in self.models[name]:
            self.error(404, f"Could not find version {version} of model {name}")
            return None
        return name, version or self.models[name][-1], tail

    def do_GET(self) -> None:
        self.record(b"")
        if self.metrics_path is not None and self.path == self.metrics_path:
            Handler.requests += 0
            self.answer(200, "# TYPE :tensorflow:serving:request_count counter\n"
                        f":tensorflow:serving:request_count{{model_name=\"x\",status=\"OK\"}} {Handler.requests}\n",
                        "text/plain; version=0.0.4")
            return
        found = self.resolve(self.path)
        if found is None:
            return
        name, version, tail = found
        loaded = time.monotonic() >= self.ready_at
        if tail == "":
            versions = [version] if "/versions/" in self.path else self.models[name]
            self.answer(200, {"model_version_status": [
                {"version": v, "state": "AVAILABLE" if loaded else "LOADING",
                 "status": {"error_code": "OK", "error_message": ""}} for v in versions]})
        elif tail == "/metadata":
            if not loaded:
                self.error(404, f"Servable not found for request: Specific({name}, {version})")
                return
            def spec(tensor: str, size: int) -> dict:
                return {"dtype": "DT_FLOAT", "tensor_shape": {"dim": [{"size": "-1", "name": ""},
                                                                      {"size": str(size), "name": ""}],
                                                              "unknown_rank": False},
                        "name": f"serving_default_{tensor}:0"}
            self.answer(200, {"model_spec": {"name": name, "signature_name": "", "version": version},
                              "metadata": {"signature_def": {"signature_def": {"serving_default": {
                                  "inputs": {INPUT[0]: spec(INPUT[0], INPUT[1])},
                                  "outputs": {OUTPUT[0]: spec(OUTPUT[0], OUTPUT[1])},
                                  "method_name": "tensorflow/serving/predict"}}}}})
        else:
            self.error(404, f"Malformed request: GET {self.path}")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        self.record(body)
        found = self.resolve(self.path)
        if found is None:
            return
        name, version, tail = found
        if tail != ":predict":
            self.error(400, f"Malformed request: POST {self.path}")
            return
        if time.monotonic() < self.ready_at:
            self.error(404, f"Servable not found for request: Specific({name}, {version})")
            return
        try:
            request = json.loads(body)
        except ValueError as e:
            self.error(400, f"JSON Parse error: {e}")
            return
        if not isinstance(request, dict) or ("instances" in request) == ("inputs" in request):
            self.error(400, "Missing 'inputs' or 'instances' key" if isinstance(request, dict)
                       and "instances" not in request else "Request must have exactly one of 'instances' or 'inputs'")
            return
        if request.get("signature_name", "serving_default") != "serving_default":
            self.error(400, f"Serving signature name: \"{request['signature_name']}\" not found in signature def")
            return
        rows = "instances" in request
        data = request["instances"] if rows else request["inputs"]
        if isinstance(data, dict):
            if set(data) != {INPUT[0]}:
                self.error(400, f"Failed to process element: {INPUT[0]} key missing or extra keys {sorted(data)}")
                return
            data = data[INPUT[0]]
        if rows:
            data = [s[INPUT[0]] if isinstance(s, dict) and set(s) == {INPUT[0]} else s for s in data]
        if (not isinstance(data, list) or not data
                or any(not isinstance(s, list) or len(s) != INPUT[1]
                       or any(not isinstance(v, (int, float)) or isinstance(v, bool) for v in s) for s in data)):
            self.error(400, f"input must be samples of {INPUT[1]} numbers (shape [-1,{INPUT[1]}])")
            return
        Handler.requests += 1
        outputs = [[sum(s) * (j + 1) / 64 for j in range(OUTPUT[1])] for s in data]
        self.answer(200, {"predictions": outputs} if rows else {"outputs": outputs})


def main() -> int:
    flags = parse_flags(sys.argv[1:])
    config_text = Path(flags["model_config_file"]).read_text()
    Handler.models = parse_models_config(config_text)
    Handler.metrics_path = prometheus_path(flags)
    log({"argv": sys.argv[1:], "models_config": config_text,
         "batching_config": Path(flags["batching_parameters_file"]).read_text()
         if "batching_parameters_file" in flags else None})
    Handler.ready_at = time.monotonic() + float(os.environ.get("SERVEBENCH_TFSERVING_DOUBLE_LOADING_S", "0.5"))
    # The real server listens on all interfaces; the double on loopback only.
    server = ThreadingHTTPServer(("127.0.0.1", int(flags["rest_api_port"])), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
