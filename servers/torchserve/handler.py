"""A TorchServe handler for the zoo's TorchScript files, batching-aware, with JSON in and out.

TorchServe's own handlers (BaseHandler and friends) guard torch >= 2 features and expect image
or text payloads; this one does only what servebench needs, on Debian's torch 1.13: load the
archive's TorchScript file and answer tensors as JSON.

Request bodies (POST /predictions/{model}, Content-Type: application/json), either
    KServe v2-like:  {"inputs": [{"name": "INPUT__0", "shape": [2, 64], "datatype": "FP32",
                                  "data": [... 128 numbers, flat or nested ...]}]}
    answered with    {"model_name": M, "outputs": [{"name": "OUTPUT__0", "shape": [2, 10],
                                                    "datatype": "FP32", "data": [... 20 ...]}]}
or plain:            [[... 64 numbers ...], [...]]    (or {"data": that}) a batch of rows,
    answered with    [[... 10 numbers ...], [...]]    the output as a nested list.
Bad input gets status 400 and {"error": "..."} for that request only. Each answer carries the
header X-Servebench-Batch-Rows: the rows of the forward pass that computed it.

Metadata: a request without a body (GET /predictions/{model}) answers the model's KServe v2
metadata document ({"name", "versions", "platform", "inputs": [{"name", "datatype", "shape"}], "outputs"}),
which TorchServe has no endpoint for: the archive's metadata.json (servebench's torchserve plan
writes it from the model's config.pbtxt), else one made from the card's inputs and outputs. It
runs in a worker like an inference, so servebench also uses it to tell that the model serves.

Batching: TorchServe gathers up to batchSize requests (waiting at most maxBatchDelay ms) and
hands them to `handle` together; each may carry several rows. All rows are run as one forward
pass and split back per request.

Settings, from the archive's model-config.yaml (torch-model-archiver --config-file):
    handler:
      intra_op_threads: 1     torch intra-op threads of each worker process (default 1)
      quantized_engine: ...   overrides card.json's "quantized_engine" for int8 models
The archive holds model.pt (--serialized-file), and as --extra-files metadata.json and the zoo's
card.json (either may be absent).
"""

from __future__ import annotations

import json
import logging
import math
import os

import numpy as np
import torch

logger = logging.getLogger(__name__)

_DTYPES = {"FP32": np.float32, "FP64": np.float64, "FP16": np.float16, "INT64": np.int64,
           "INT32": np.int32, "INT16": np.int16, "INT8": np.int8, "UINT8": np.uint8, "BOOL": np.bool_}


# Response header: the rows of the forward pass that answered the request (all requests batched).
BATCH_HEADER = "X-Servebench-Batch-Rows"
_KSERVE_TYPES = {np.dtype(v): k for k, v in _DTYPES.items()}


class BadRequest(ValueError):
    """A request this handler refuses with status 400."""


def _array(tensor: dict) -> np.ndarray:
    """A KServe v2 input tensor as a numpy array of its declared shape."""
    if not isinstance(tensor, dict):
        raise BadRequest("every input must be an object with name, shape, datatype and data")
    datatype = tensor.get("datatype", "FP32")
    if datatype not in _DTYPES:
        raise BadRequest(f"input {tensor.get('name')!r}: unsupported datatype {datatype!r}")
    shape = tensor.get("shape")
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise BadRequest(f"input {tensor.get('name')!r}: shape must be a list of non-negative integers")
    try:
        array = np.asarray(tensor.get("data"), dtype=_DTYPES[datatype])
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"input {tensor.get('name')!r}: data is not a regular array of {datatype}: {exc}") from None
    if array.size != math.prod(shape):
        raise BadRequest(f"input {tensor.get('name')!r}: {array.size} elements for shape {shape}")
    return array.reshape(shape)


def _is_metadata_request(request) -> bool:
    """Whether a request asks for the metadata: it has no body (TorchServe passes neither the
    method nor a prediction's query string to the handler, so the empty body is what tells)."""
    body = request.get("body", request.get("data")) if isinstance(request, dict) else request
    return body is None or (isinstance(body, (bytes, bytearray, str)) and len(body) == 0)


def _last_line(exc: Exception) -> str:
    """The gist of a TorchScript error: its last line, not the interpreter's traceback."""
    lines = str(exc).strip().splitlines()
    return lines[-1] if lines else type(exc).__name__


class TorchScriptHandler:
    def __init__(self) -> None:
        self.module = None
        self.name = ""

    def initialize(self, context) -> None:
        properties = context.system_properties
        model_dir = properties.get("model_dir")
        settings = (getattr(context, "model_yaml_config", None) or {}).get("handler") or {}
        threads = int(settings.get("intra_op_threads", 1))
        if threads < 1:
            raise ValueError(f"handler.intra_op_threads must be at least 1, got {threads}")
        torch.set_num_threads(threads)
        # torch 1.13 aborts the process (not an exception) when the inter-op pool is set a second
        # time, as a reload of the model in the same process would do.
        if torch.get_num_interop_threads() != 1:
            torch.set_num_interop_threads(1)

        engine = settings.get("quantized_engine")
        card_path = os.path.join(model_dir, "card.json")
        card = {}
        if os.path.exists(card_path):
            with open(card_path) as f:
                card = json.load(f)
        engine = engine or card.get("quantized_engine")
        if engine:
            # Quantized weights are repacked for the current engine when the file is loaded.
            torch.backends.quantized.engine = engine

        serialized = (context.manifest or {}).get("model", {}).get("serializedFile", "model.pt")
        path = os.path.join(model_dir, serialized)
        if not os.path.exists(path):
            raise FileNotFoundError(f"no TorchScript file at {path}")
        self.module = torch.jit.load(path, map_location="cpu").eval()
        self.name = context.model_name
        metadata_path = os.path.join(model_dir, "metadata.json")
        if os.path.exists(metadata_path):
            with open(metadata_path) as f:
                self.metadata = json.load(f)
        else:
            version = (context.manifest or {}).get("model", {}).get("modelVersion", "1")
            self.metadata = {"name": self.name, "versions": [str(version)],
                             "platform": "pytorch_libtorch", "inputs": card.get("inputs") or [],
                             "outputs": card.get("outputs") or []}
        outputs = self.metadata.get("outputs") or [{"name": "OUTPUT__0", "datatype": "FP32"}]
        self.output_names = [o["name"] for o in outputs]
        # The input shape is [-1, dims...]: a request's rows must have those dims.
        inputs = self.metadata.get("inputs") or []
        self.row_dims = list(inputs[0]["shape"][1:]) if inputs else None
        self.input_dtype = np.dtype(_DTYPES[inputs[0].get("datatype", "FP32")]) if inputs else np.dtype(np.float32)
        logger.info("servebench handler: model %s from %s, %d torch threads, quantized engine %s",
                    self.name, path, torch.get_num_threads(), engine or "-")

    def _parse(self, body) -> tuple[np.ndarray, bool]:
        """(input rows, whether the request is KServe v2-like), rows checked against the card."""
        array, kserve = self._decode(body)
        if array.dtype != self.input_dtype:
            raise BadRequest(f"input datatype {array.dtype}; model '{self.name}' takes {self.input_dtype}")
        dims = list(array.shape[1:])
        if self.row_dims is not None and (len(dims) != len(self.row_dims) or any(
                want not in (-1, got) for want, got in zip(self.row_dims, dims))):
            raise BadRequest(f"input rows of shape {dims}; model '{self.name}' takes rows of {self.row_dims}")
        return array, kserve

    def _decode(self, body) -> tuple[np.ndarray, bool]:
        if isinstance(body, (bytes, bytearray)):
            try:
                body = json.loads(body)
            except (ValueError, UnicodeDecodeError) as exc:
                raise BadRequest(f"malformed JSON request body: {exc}") from None
        if isinstance(body, dict) and "inputs" in body:
            inputs = body["inputs"]
            if not isinstance(inputs, list) or len(inputs) != 1:
                raise BadRequest("'inputs' must be a list of exactly one tensor")
            return _array(inputs[0]), True
        if isinstance(body, dict) and "data" in body:
            body = body["data"]
        try:
            array = np.asarray(body, dtype=self.input_dtype)
        except (TypeError, ValueError) as exc:
            raise BadRequest(f"plain input must be a regular nested list of numbers: {exc}") from None
        if array.ndim < 2:
            raise BadRequest("plain input must be a batch: a list of rows")
        return array, False

    def _answer(self, output: np.ndarray, kserve: bool) -> str:
        if kserve:
            return json.dumps({"model_name": self.name, "outputs": [{
                "name": self.output_names[0], "datatype": _KSERVE_TYPES.get(output.dtype, "FP32"),
                "shape": list(output.shape),
                "data": output.ravel().tolist()}]}, separators=(",", ":"))
        return json.dumps(output.tolist(), separators=(",", ":"))

    def handle(self, data, context):
        if data is None:
            return None  # TorchServe's initialisation call of a function entry point
        responses: list = [None] * len(data)
        parsed: list[tuple[int, np.ndarray, bool]] = []
        for index, request in enumerate(data):
            context.set_response_content_type(index, "application/json")
            if _is_metadata_request(request):
                responses[index] = json.dumps(self.metadata)
                continue
            body = request.get("body", request.get("data")) if isinstance(request, dict) else request
            try:
                array, kserve = self._parse(body)
                parsed.append((index, np.ascontiguousarray(array), kserve))
            except BadRequest as exc:
                context.set_response_status(400, str(exc), index)
                responses[index] = json.dumps({"error": str(exc)})
        if parsed:
            # One forward pass over every request TorchServe's batcher gathered; requests whose
            # rows do not share a shape cannot be stacked and run one by one.
            same = len({a.shape[1:] for _, a, _ in parsed}) == 1
            groups = [parsed] if same else [[p] for p in parsed]
            for group in groups:
                joined = np.concatenate([a for _, a, _ in group]) if len(group) > 1 else group[0][1]
                try:
                    with torch.inference_mode():
                        out = self.module(torch.from_numpy(joined))
                    out = (out[0] if isinstance(out, (tuple, list)) else out).detach().contiguous().numpy()
                except Exception as exc:  # noqa: BLE001 - a failed forward answers its requests
                    for index, _, _ in group:
                        context.set_response_status(500, "inference failed", index)
                        responses[index] = json.dumps({"error": f"inference failed: {_last_line(exc)}"})
                    continue
                start = 0
                for index, array, kserve in group:
                    responses[index] = self._answer(out[start:start + array.shape[0]], kserve)
                    # How many rows this request's forward pass ran: shows batching at work.
                    context.set_response_header(index, BATCH_HEADER, str(joined.shape[0]))
                    start += array.shape[0]
        return responses


_service = TorchScriptHandler()


def handle(data, context):
    """TorchServe's entry point: called once with data None to initialise, then per batch."""
    if _service.module is None:
        _service.initialize(context)
        if data is None:
            return None
    return _service.handle(data, context)
