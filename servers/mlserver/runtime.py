"""An MLServer custom runtime that serves one of the zoo's TorchScript files with torch.

MLServer has no TorchScript runtime of its own (its PyTorch support is MLflow's), so servebench
gives it this class, as a user of MLServer would: MLServer's REST and gRPC front ends, adaptive
batching, parallel inference workers and metrics are its own; the forward pass is this file's,
on Debian's torch 1.13.

model-settings.json (one folder per model; MLServer puts that folder on sys.path, so runtime.py
sits there, or PYTHONPATH names servers/mlserver):
    {"name": "digits-mlp", "implementation": "runtime.TorchScriptRuntime",
     "max_batch_size": 8, "max_batch_time": 0.002,          (adaptive batching; 0 = off)
     "parameters": {"uri": "/zoo/digits-mlp/1/model.pt", "version": "1",
                    "extra": {"intra_op_threads": 1, "quantized_engine": null,
                              "card": "/zoo/digits-mlp/card.json"}}}
The card (optional) gives the output names and the quantized engine of int8 models.

Adaptive batching is MLServer's: it merges queued requests along dimension 0 into one
InferenceRequest, calls `predict` once, and splits the outputs back by each request's rows.
The histogram servebench_forward_rows (metrics endpoint) counts the rows of each forward pass.
"""

from __future__ import annotations

import json
import os

import mlserver
import numpy as np
import torch
from mlserver import MLModel
from mlserver.codecs import NumpyCodec
from mlserver.errors import InferenceError, MLServerError
from mlserver.types import InferenceRequest, InferenceResponse, ResponseOutput
from mlserver.utils import get_model_uri

_DATATYPES = {np.dtype(np.float32): "FP32", np.dtype(np.float64): "FP64", np.dtype(np.float16): "FP16",
              np.dtype(np.int64): "INT64", np.dtype(np.int32): "INT32", np.dtype(np.int8): "INT8",
              np.dtype(np.uint8): "UINT8", np.dtype(np.bool_): "BOOL"}


ROWS_METRIC = "servebench_forward_rows"


class BadInput(MLServerError):
    """A request the model cannot take: answered with 400, not 500."""

    def __init__(self, message: str):
        super().__init__(message, status_code=400)


class TorchScriptRuntime(MLModel):
    async def load(self) -> bool:
        extra = (self.settings.parameters.extra if self.settings.parameters else None) or {}
        threads = int(extra.get("intra_op_threads", 1))
        if threads < 1:
            raise MLServerError(f"model '{self.name}': intra_op_threads must be at least 1, got {threads}")
        torch.set_num_threads(threads)
        # torch 1.13 aborts the process (not an exception) when the inter-op pool is set a second
        # time, as a reload of the model in the same process would do.
        if torch.get_num_interop_threads() != 1:
            torch.set_num_interop_threads(1)

        path = await get_model_uri(self.settings)
        card = {}
        card_path = extra.get("card") or os.path.join(os.path.dirname(os.path.dirname(path)), "card.json")
        if os.path.isfile(card_path):
            with open(card_path) as f:
                card = json.load(f)
        engine = extra.get("quantized_engine") or card.get("quantized_engine")
        if engine:
            # Quantized weights are repacked for the current engine when the file is loaded.
            torch.backends.quantized.engine = engine
        self.module = torch.jit.load(path, map_location="cpu").eval()
        inputs = card.get("inputs") or [{"name": "INPUT__0", "shape": None}]
        self.input_name = inputs[0]["name"]
        self.row_shape = inputs[0].get("shape")  # [-1, 64]: -1 is the batch dimension
        self.output_names = [o["name"] for o in card.get("outputs") or [{"name": "OUTPUT__0"}]]
        # Rows per forward pass, as a Prometheus histogram on MLServer's metrics endpoint: shows
        # whether adaptive batching merged requests.
        mlserver.register(ROWS_METRIC, "rows per forward pass of servebench's TorchScript runtime")
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        if len(payload.inputs) != 1:
            raise BadInput(f"model '{self.name}' takes exactly one input, got {len(payload.inputs)}")
        request_input = payload.inputs[0]
        try:
            array = NumpyCodec.decode_input(request_input)
        except Exception as exc:  # noqa: BLE001 - anything the codec refuses is the client's
            raise BadInput(f"input '{request_input.name}': {exc}") from None
        if self.row_shape and (array.ndim != len(self.row_shape) or any(
                want not in (-1, got) for want, got in zip(self.row_shape, array.shape))):
            raise BadInput(f"input '{request_input.name}': shape {list(array.shape)} does not match "
                           f"the model's {self.row_shape}")
        tensor = torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
        mlserver.log(**{ROWS_METRIC: float(array.shape[0]) if array.ndim else 1.0})
        try:
            with torch.inference_mode():
                result = self.module(tensor)
        except Exception as exc:  # noqa: BLE001 - a model failure on checked input is the server's
            raise InferenceError(f"model '{self.name}': inference failed: {(str(exc).strip().splitlines() or [type(exc).__name__])[-1]}") from None
        results = list(result) if isinstance(result, (tuple, list)) else [result]
        outputs = []
        for name, out in zip(self.output_names, results):
            data = out.detach().contiguous().numpy()
            outputs.append(ResponseOutput(name=name, shape=list(data.shape),
                                          datatype=_DATATYPES.get(data.dtype, "FP32"),
                                          data=data.ravel().tolist()))
        return InferenceResponse(model_name=self.name, model_version=self.version, id=payload.id,
                                 outputs=outputs)
