"""servebench's FastAPI server: the paper's "plain web framework" baseline, KServe v2 over JSON.

It loads the same Triton-style repository as the C++ TorchScript server and answers the same
REST routes, so servebench drives both identically. It is deliberately the ordinary way to
serve a model from FastAPI: one process per worker, JSON bodies parsed by Python, and each
forward pass run inline on the event loop (one inference at a time per worker; add workers
for parallelism). No batching across requests.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

import numpy as np
import torch
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from repository import Model, RepositoryError, load_repository

SERVER_NAME = "servebench-fastapi"
SERVER_VERSION = "0.1.0"

ENV_REPOSITORY = "SERVEBENCH_FASTAPI_MODEL_REPOSITORY"
ENV_THREADS = "SERVEBENCH_FASTAPI_TORCH_THREADS"
ENV_PORT_FILE = "SERVEBENCH_FASTAPI_PORT_FILE"
ENV_PORT = "SERVEBENCH_FASTAPI_PORT"


class InferError(Exception):
    """A request the server refuses, with the HTTP status to refuse it with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _json(value: dict, status: int = 200) -> Response:
    return Response(json.dumps(value, separators=(",", ":")), status_code=status, media_type="application/json")


def _error(status: int, message: str) -> Response:
    return _json({"error": message}, status)


def _find(models: dict[str, Model], name: str, version: str | None) -> tuple[Model, str]:
    model = models.get(name)
    if model is None:
        raise InferError(404, f"Request for unknown model: '{name}' is not found")
    if version is None or version == "":
        return model, model.latest
    if version not in model.versions:
        raise InferError(404, f"Request for unknown model: '{name}' version {version} is not found")
    return model, version


def _input_tensor(model: Model, spec, tensor: dict) -> torch.Tensor:
    """Validate one request input against the model config and turn it into a tensor."""
    name = spec.name
    datatype = tensor.get("datatype")
    if datatype != spec.datatype:
        raise InferError(400, f"input '{name}' has datatype {datatype!r}, model '{model.name}' expects {spec.datatype}")
    shape = tensor.get("shape")
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise InferError(400, f"input '{name}': shape must be a list of non-negative integers")
    dims = shape
    if model.max_batch_size > 0:
        if len(shape) != len(spec.dims) + 1:
            raise InferError(400, f"input '{name}': shape {shape} must be [batch] + {spec.dims}")
        batch, dims = shape[0], shape[1:]
        if not 1 <= batch <= model.max_batch_size:
            raise InferError(400, f"input '{name}': batch size {batch} outside 1..{model.max_batch_size}")
    if len(dims) != len(spec.dims) or any(e != -1 and e != d for e, d in zip(spec.dims, dims)):
        raise InferError(400, f"input '{name}': shape {shape} does not match the model's dims {spec.dims}")
    if isinstance((tensor.get("parameters") or {}).get("binary_data_size"), int):
        raise InferError(400, f"input '{name}': the binary tensor extension is not supported by this server")
    if "data" not in tensor:
        raise InferError(400, f"input '{name}': no data")
    try:
        array = np.asarray(tensor["data"], dtype=spec.dtype)
    except (ValueError, TypeError) as exc:
        raise InferError(400, f"input '{name}': data is not a (regular) array of {spec.datatype}: {exc}") from None
    expected = math.prod(shape)
    if array.size != expected:
        raise InferError(400, f"input '{name}': {array.size} elements for shape {shape} ({expected} expected)")
    if array.ndim != 1 and list(array.shape) != shape:
        raise InferError(400, f"input '{name}': nested data of shape {list(array.shape)} does not match shape {shape}")
    return torch.from_numpy(np.ascontiguousarray(array).reshape(shape))


def _infer(models: dict[str, Model], name: str, version: str | None, body: bytes) -> dict:
    model, version = _find(models, name, version)
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InferError(400, f"malformed JSON request body: {exc}") from None
    if not isinstance(request, dict) or not isinstance(request.get("inputs"), list):
        raise InferError(400, "request body must be a JSON object with an 'inputs' list")
    given: dict[str, dict] = {}
    for tensor in request["inputs"]:
        if not isinstance(tensor, dict) or not isinstance(tensor.get("name"), str):
            raise InferError(400, "every input must be an object with a 'name'")
        if tensor["name"] in given:
            raise InferError(400, f"input '{tensor['name']}' given twice")
        given[tensor["name"]] = tensor
    expected_names = [s.name for s in model.inputs]
    for unexpected in given.keys() - set(expected_names):
        raise InferError(400, f"unexpected inference input '{unexpected}' for model '{model.name}' (expects {expected_names})")
    for missing in [n for n in expected_names if n not in given]:
        raise InferError(400, f"expected input '{missing}' for model '{model.name}' is missing")
    tensors = [_input_tensor(model, spec, given[spec.name]) for spec in model.inputs]
    if model.max_batch_size > 0 and len({t.shape[0] for t in tensors}) > 1:
        raise InferError(400, "all inputs must have the same batch size")

    wanted = [spec.name for spec in model.outputs]
    if request.get("outputs") is not None:
        if not isinstance(request["outputs"], list) or not all(isinstance(o, dict) and isinstance(o.get("name"), str) for o in request["outputs"]):
            raise InferError(400, "'outputs' must be a list of objects with a 'name'")
        wanted = [o["name"] for o in request["outputs"]]
        for unknown in [n for n in wanted if n not in {s.name for s in model.outputs}]:
            raise InferError(400, f"unknown output '{unknown}' requested from model '{model.name}'")

    try:
        with torch.inference_mode():
            result = model.versions[version](*tensors)
    except Exception as exc:  # noqa: BLE001 - a model failure on validated input is the server's fault
        raise InferError(500, f"inference failed: {exc}") from None
    results = list(result) if isinstance(result, (tuple, list)) else [result]
    if len(results) != len(model.outputs):
        raise InferError(500, f"model returned {len(results)} outputs, config declares {len(model.outputs)}")
    by_name = {spec.name: (spec, out) for spec, out in zip(model.outputs, results)}
    outputs = []
    for out_name in wanted:
        spec, out = by_name[out_name]
        array = out.detach().contiguous().numpy().astype(spec.dtype, copy=False)
        outputs.append({"name": out_name, "datatype": spec.datatype, "shape": list(array.shape), "data": array.ravel().tolist()})
    response = {"model_name": model.name, "model_version": version}
    if "id" in request:
        response["id"] = request["id"]
    response["outputs"] = outputs
    return response


def create_app(repository: Path, torch_threads: int = 1) -> FastAPI:
    """Load `repository` and build the app; loading finishes before the server accepts."""
    torch.set_num_threads(max(1, torch_threads))
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set in this process
    models = load_repository(Path(repository))
    app = FastAPI(title=SERVER_NAME, version=SERVER_VERSION, openapi_url=None, docs_url=None, redoc_url=None)
    app.state.models = models

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> Response:
        return _error(400, str(exc))

    @app.get("/v2/health/live")
    async def live() -> Response:
        return _json({"live": True})

    @app.get("/v2/health/ready")
    async def ready() -> Response:
        return _json({"ready": True})

    @app.get("/v2")
    async def server_metadata() -> Response:
        return _json({"name": SERVER_NAME, "version": SERVER_VERSION, "extensions": []})

    def metadata(name: str, version: str | None) -> Response:
        try:
            model, _ = _find(models, name, version)
        except InferError as exc:
            return _error(exc.status, exc.message)
        return _json({
            "name": model.name,
            "versions": sorted(model.versions, key=int),
            "platform": model.platform,
            "inputs": [{"name": s.name, "datatype": s.datatype, "shape": model.shape(s)} for s in model.inputs],
            "outputs": [{"name": s.name, "datatype": s.datatype, "shape": model.shape(s)} for s in model.outputs],
        })

    def model_ready(name: str, version: str | None) -> Response:
        try:
            _find(models, name, version)
        except InferError as exc:
            return _error(exc.status, exc.message)
        return _json({"name": name, "ready": True})

    async def infer(name: str, version: str | None, request: Request) -> Response:
        body = await request.body()
        try:
            return _json(_infer(models, name, version, body))
        except InferError as exc:
            return _error(exc.status, exc.message)

    @app.get("/v2/models/{name}")
    async def model_metadata(name: str) -> Response:
        return metadata(name, None)

    @app.get("/v2/models/{name}/versions/{version}")
    async def model_version_metadata(name: str, version: str) -> Response:
        return metadata(name, version)

    @app.get("/v2/models/{name}/ready")
    async def ready_model(name: str) -> Response:
        return model_ready(name, None)

    @app.get("/v2/models/{name}/versions/{version}/ready")
    async def ready_model_version(name: str, version: str) -> Response:
        return model_ready(name, version)

    @app.post("/v2/models/{name}/infer")
    async def infer_latest(name: str, request: Request) -> Response:
        return await infer(name, None, request)

    @app.post("/v2/models/{name}/versions/{version}/infer")
    async def infer_version(name: str, version: str, request: Request) -> Response:
        return await infer(name, version, request)

    return app


def app_from_environment() -> FastAPI:
    """uvicorn factory for worker processes: settings come from the launcher's environment."""
    repository = os.environ.get(ENV_REPOSITORY)
    if not repository:
        raise RuntimeError(f"{ENV_REPOSITORY} is not set")
    try:
        app = create_app(Path(repository), int(os.environ.get(ENV_THREADS, "1")))
    except RepositoryError as exc:
        # A model that cannot load stops the server, as tritonserver does by default.
        print(f"servebench-fastapi: error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    port_file = os.environ.get(ENV_PORT_FILE)
    if port_file:
        # Written once this worker has its models (as the C++ server writes it once serving);
        # with several workers each rewrites the same content, atomically.
        tmp = f"{port_file}.{os.getpid()}.tmp"
        with open(tmp, "w") as out:
            out.write(json.dumps({"http": int(os.environ[ENV_PORT])}) + "\n")
        os.replace(tmp, port_file)
    return app
