#!/usr/bin/python3
"""A test double of TensorFlow Serving's model server: NOT TensorFlow Serving.

Written from TF Serving's published API documents (the REST API reference, the model server
flags, and the ModelServerConfig / MonitoringConfig text formats), so that servebench's
`tfserving` launcher and `tfserving-rest` protocol can be tested on machines without
`tensorflow_model_server`. It takes the flags the real program takes and refuses any other, reads
the models.config the launcher writes, and answers:

  GET  /v1/models/{m}[/versions/{v}]             model status (LOADING for
                                                 SERVEBENCH_TFSERVING_DOUBLE_LOADING_S seconds,
                                                 default 0.5, from the first request the double
                                                 answers, then AVAILABLE)
  GET  /v1/models/{m}[/versions/{v}]/metadata    the signature serving_default: INPUT__0 DT_FLOAT
                                                 [-1, 64] -> OUTPUT__0 DT_FLOAT [-1, 10] (the
                                                 zoo's digits models); 404 while loading
  POST /v1/models/{m}[/versions/{v}]:predict     "instances" (rows) or "inputs" (columnar); the
                                                 answer "predictions" or "outputs" likewise.
                                                 Output j of a sample x is sum(x) * (j + 1) / 64:
                                                 a known truth, not a model
  GET  <prometheus path of --monitoring_config_file>  a Prometheus text page

Errors answer {"error": "..."} with 400 (a malformed request) or 404 (no such model or version,
or not loaded yet), as TF Serving's REST server does.

On --port it serves TF Serving's gRPC API (with Debian's python3-grpcio; the messages are read
and written by hand from the published field numbers of tensorflow_serving/apis/*.proto and
tensorflow/core/framework/tensor.proto, independently of servebench's proto/):

  /tensorflow.serving.ModelService/GetModelStatus          versions LOADING, then AVAILABLE, as
                                                           the REST status call
  /tensorflow.serving.PredictionService/GetModelMetadata   the same signature, in a
                                                           SignatureDefMap packed in an Any
  /tensorflow.serving.PredictionService/Predict            input INPUT__0 DT_FLOAT [n, 64], in
                                                           tensor_content or float_val; the
                                                           answer OUTPUT__0 DT_FLOAT [n, 10] in
                                                           float_val (TF Serving's default form)

with gRPC status NOT_FOUND (no such model or version, or not loaded yet) and INVALID_ARGUMENT (a
malformed request), as TF Serving's gRPC server does. When SERVEBENCH_TFSERVING_DOUBLE_WRONG_EVERY
is N > 0, every Nth Predict answer (the Nth, the 2Nth, ...) is wrong on purpose: OUTPUT__0 has
shape [n, 9] and 9 values per sample, for tests that wrong answers count as errors.

When SERVEBENCH_TFSERVING_DOUBLE_LOG names a file, the double appends one JSON line per event to
it: {"argv": [...], "models_config": text} at start, then {"method", "path", "headers", "body"}
per REST request and {"grpc": method, "body_hex": request bytes} per gRPC call, so tests can
check the exact bytes servebench sends.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import struct
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
    ready_at = None  # set by the first request: see model_loaded()
    loading_s = 0.5
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
        loaded = model_loaded()
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
        if not model_loaded():
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

# --- TF Serving's gRPC API -------------------------------------------------------------------
# Protocol buffer wire format by hand: a field is a key (number << 3 | wire type) and a varint
# (type 0), fixed 8 or 4 bytes (types 1 and 5) or a length and bytes (type 2).

DT_FLOAT = 1
LOADING, AVAILABLE = 20, 30
WRONG_LOCK = threading.Lock()
predicts = 0


_loading_lock = threading.Lock()


def model_loaded() -> bool:
    """The model "loads" for Handler.loading_s from the first request the double answers, not
    from its start: on a slow machine the start can take longer than the window, and a client
    must still see LOADING before AVAILABLE (the readiness test checks it waits for AVAILABLE)."""
    with _loading_lock:
        if Handler.ready_at is None:
            Handler.ready_at = time.monotonic() + Handler.loading_s
    return time.monotonic() >= Handler.ready_at


class RpcError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def varint(n: int) -> bytes:
    if n < 0:
        n += 1 << 64  # an int64 below zero: its two's complement, ten bytes
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number: int, value) -> bytes:
    """A varint field for an int, a length-delimited one for bytes or str."""
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    data = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(data)) + data


def read_varint(buf: bytes, at: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        if at >= len(buf) or shift > 63:
            raise ValueError("a truncated or overlong varint")
        byte = buf[at]
        at += 1
        n |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return n, at


def fields(buf: bytes) -> list[tuple[int, int, object]]:
    """(number, wire type, value) of each field: an int for varints, bytes for the others."""
    out, at = [], 0
    while at < len(buf):
        key, at = read_varint(buf, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = read_varint(buf, at)
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, at = buf[at:at + size], at + size
        elif wire == 2:
            size, at = read_varint(buf, at)
            value, at = buf[at:at + size], at + size
        else:
            raise ValueError(f"wire type {wire}")
        if at > len(buf):
            raise ValueError("a truncated field")
        out.append((number, wire, value))
    return out


def signed(n: int) -> int:
    return n - (1 << 64) if n >= 1 << 63 else n


def parse_model_spec(buf: bytes) -> dict:
    """ModelSpec: name 1, version 2 (Int64Value: value 1), signature_name 3, version_label 4."""
    spec = {"name": "", "version": None, "label": None, "signature": ""}
    for number, _, value in fields(buf):
        if number == 1:
            spec["name"] = value.decode()
        elif number == 2:
            spec["version"] = sum(signed(v) for n, _, v in fields(value) if n == 1)
        elif number == 3:
            spec["signature"] = value.decode()
        elif number == 4:
            spec["label"] = value.decode()
    return spec


def map_entries(buf_fields, number: int) -> dict:
    """A map field's entries (key 1, value 2)."""
    out = {}
    for n, _, entry in buf_fields:
        if n == number:
            kv = {k: v for k, _, v in fields(entry)}
            out[kv.get(1, b"").decode()] = kv.get(2, b"")
    return out


def parse_tensor(buf: bytes) -> dict:
    """TensorProto: dtype 1, tensor_shape 2 (dim 2: size 1), tensor_content 4, float_val 5."""
    tensor = {"dtype": 0, "shape": [], "content": b"", "float_val": []}
    for number, wire, value in fields(buf):
        if number == 1:
            tensor["dtype"] = value
        elif number == 2:
            for n, _, dim in fields(value):
                if n == 2:
                    tensor["shape"].append(sum(signed(v) for k, _, v in fields(dim) if k == 1))
        elif number == 4:
            tensor["content"] = value
        elif number == 5:  # packed (type 2) or one value (type 5)
            tensor["float_val"].extend(struct.unpack(f"<{len(value) // 4}f", value))
    return tensor


def shape_proto(dims: list[int]) -> bytes:
    return b"".join(field(2, field(1, d)) for d in dims)


def model_spec(name: str, version: str, signature: str = "serving_default") -> bytes:
    return field(1, name) + field(2, field(1, int(version))) + field(3, signature)


def resolve_grpc(spec: dict, predict: bool) -> tuple[str, str]:
    name = spec["name"]
    if name not in Handler.models:
        raise RpcError("NOT_FOUND", f"Servable not found for request: Latest({name})" if predict
                       else f"Could not find any versions of model {name}")
    if spec["label"] is not None:
        raise RpcError("INVALID_ARGUMENT", f"Unrecognized servable version label: {spec['label']}")
    version = spec["version"]
    if version is not None and str(version) not in Handler.models[name]:
        raise RpcError("NOT_FOUND", f"Servable not found for request: Specific({name}, {version})"
                       if predict else f"Could not find version {version} of model {name}")
    if spec["signature"] not in ("", "serving_default"):
        raise RpcError("INVALID_ARGUMENT", f"Serving signature key \"{spec['signature']}\" not found.")
    return name, str(version) if version is not None else Handler.models[name][-1]


def request_spec(request: bytes) -> dict:
    specs = [v for n, _, v in fields(request) if n == 1]
    if not specs:
        raise RpcError("INVALID_ARGUMENT", "Missing ModelSpec")
    return parse_model_spec(specs[-1])


def grpc_get_model_status(request: bytes) -> bytes:
    spec = request_spec(request)
    name = spec["name"]
    if name not in Handler.models:
        raise RpcError("NOT_FOUND", f"Could not find any versions of model {name}")
    versions = Handler.models[name] if spec["version"] is None else [str(spec["version"])]
    if not set(versions) <= set(Handler.models[name]):
        raise RpcError("NOT_FOUND", f"Could not find version {spec['version']} of model {name}")
    state = AVAILABLE if model_loaded() else LOADING
    # ModelVersionStatus: version 1, state 2, status 3 (StatusProto, error_code OK = 0).
    return b"".join(field(1, field(1, int(v)) + field(2, state) + field(3, b"")) for v in versions)


def grpc_get_model_metadata(request: bytes) -> bytes:
    name, version = resolve_grpc(request_spec(request), predict=True)
    wanted = [v.decode() for n, _, v in fields(request) if n == 2]
    if wanted != ["signature_def"]:
        raise RpcError("INVALID_ARGUMENT", f"Metadata field(s) {wanted}: only signature_def is supported")
    if not model_loaded():
        raise RpcError("NOT_FOUND", f"Servable not found for request: Specific({name}, {version})")

    def info(tensor: str, size: int) -> bytes:  # TensorInfo: name 1, dtype 2, tensor_shape 3
        return field(1, f"serving_default_{tensor}:0") + field(2, DT_FLOAT) + field(3, shape_proto([-1, size]))

    def entry(key: str, value: bytes) -> bytes:
        return field(1, key) + field(2, value)

    # SignatureDef: inputs 1, outputs 2, method_name 3; SignatureDefMap: signature_def 1.
    signature = (field(1, entry(INPUT[0], info(*INPUT))) + field(2, entry(OUTPUT[0], info(*OUTPUT)))
                 + field(3, "tensorflow/serving/predict"))
    signature_map = field(1, entry("serving_default", signature))
    any_message = field(1, "type.googleapis.com/tensorflow.serving.SignatureDefMap") + field(2, signature_map)
    return field(1, model_spec(name, version)) + field(2, entry("signature_def", any_message))


def grpc_predict(request: bytes) -> bytes:
    global predicts
    top = fields(request)
    name, version = resolve_grpc(request_spec(request), predict=True)
    if not model_loaded():
        raise RpcError("NOT_FOUND", f"Servable not found for request: Specific({name}, {version})")
    inputs = map_entries(top, 2)
    if set(inputs) != {INPUT[0]}:
        raise RpcError("INVALID_ARGUMENT", f"input must be exactly {INPUT[0]}, not {sorted(inputs)}")
    filters = [v.decode() for n, _, v in top if n == 3]
    if filters not in ([], [OUTPUT[0]]):
        raise RpcError("INVALID_ARGUMENT", f"output_filter {filters}: the signature has only {OUTPUT[0]}")
    tensor = parse_tensor(inputs[INPUT[0]])
    shape = tensor["shape"]
    if tensor["dtype"] != DT_FLOAT or len(shape) != 2 or shape[0] < 1 or shape[1] != INPUT[1]:
        raise RpcError("INVALID_ARGUMENT",
                       f"{INPUT[0]} must be DT_FLOAT [n, {INPUT[1]}], not dtype {tensor['dtype']} {shape}")
    count = shape[0] * shape[1]
    if tensor["content"]:
        if len(tensor["content"]) != 4 * count:
            raise RpcError("INVALID_ARGUMENT", f"tensor_content has {len(tensor['content'])} bytes for {count} floats")
        values = struct.unpack(f"<{count}f", tensor["content"])
    elif len(tensor["float_val"]) == count:
        values = tensor["float_val"]
    else:
        raise RpcError("INVALID_ARGUMENT", f"{len(tensor['float_val'])} float_val for {count} elements")
    with WRONG_LOCK:
        predicts += 1
        Handler.requests += 1
        every = int(os.environ.get("SERVEBENCH_TFSERVING_DOUBLE_WRONG_EVERY", "0"))
        wrong = every > 0 and predicts % every == 0
    width = OUTPUT[1] - 1 if wrong else OUTPUT[1]
    samples = [values[i * INPUT[1]:(i + 1) * INPUT[1]] for i in range(shape[0])]
    outputs = [sum(s) * (j + 1) / 64 for s in samples for j in range(width)]
    out_tensor = (field(1, DT_FLOAT) + field(2, shape_proto([shape[0], width]))
                  + field(5, struct.pack(f"<{len(outputs)}f", *outputs)))
    # PredictResponse: outputs 1 (map), model_spec 2.
    return field(1, field(1, OUTPUT[0]) + field(2, out_tensor)) + field(2, model_spec(name, version))


GRPC_METHODS = {
    "/tensorflow.serving.ModelService/GetModelStatus": grpc_get_model_status,
    "/tensorflow.serving.PredictionService/GetModelMetadata": grpc_get_model_metadata,
    "/tensorflow.serving.PredictionService/Predict": grpc_predict,
}


def serve_grpc(port: int):
    """TF Serving's gRPC API on 127.0.0.1:port; None (and a line on stderr) without grpcio."""
    try:
        import grpc
    except ImportError:
        print("tfserving_double: no python3-grpcio here: the gRPC API is not served", file=sys.stderr)
        return None
    from concurrent import futures

    def handler(method: str, function):
        def call(request: bytes, context):
            log({"grpc": method, "body_hex": request.hex()})
            try:
                return function(request)
            except RpcError as e:
                context.abort(getattr(grpc.StatusCode, e.code), e.message)
            except (ValueError, UnicodeDecodeError, struct.error) as e:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"malformed request: {e}")
        return grpc.unary_unary_rpc_method_handler(call)

    class Service(grpc.GenericRpcHandler):
        def service(self, details):
            function = GRPC_METHODS.get(details.method)
            return None if function is None else handler(details.method, function)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers((Service(),))
    if server.add_insecure_port(f"127.0.0.1:{port}") == 0:
        sys.exit(f"tfserving_double: cannot listen on gRPC port {port}")
    server.start()
    return server


def main() -> int:
    flags = parse_flags(sys.argv[1:])
    config_text = Path(flags["model_config_file"]).read_text()
    Handler.models = parse_models_config(config_text)
    Handler.metrics_path = prometheus_path(flags)
    log({"argv": sys.argv[1:], "models_config": config_text,
         "batching_config": Path(flags["batching_parameters_file"]).read_text()
         if "batching_parameters_file" in flags else None})
    Handler.loading_s = float(os.environ.get("SERVEBENCH_TFSERVING_DOUBLE_LOADING_S", "0.5"))
    # The real server listens on all interfaces; the double on loopback only.
    grpc_server = serve_grpc(int(flags["port"]))
    server = ThreadingHTTPServer(("127.0.0.1", int(flags["rest_api_port"])), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever()
    if grpc_server is not None:
        grpc_server.stop(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
