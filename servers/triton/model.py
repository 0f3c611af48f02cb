"""A Triton Python-backend model that runs one of the zoo's TorchScript files with torch.

Triton's own PyTorch (libtorch) backend is not published on PyPI, so servebench serves the zoo
on the real `tritonserver` through its Python backend: Triton's HTTP/gRPC front ends, scheduler,
dynamic batcher, instance groups and metrics are Triton's own; only the forward pass is this
file's, run by Debian's torch 1.13 (the same library the C++ TorchScript server links).

Where it finds its settings (all in the model folder Triton hands it):
    <model>/config.pbtxt          backend: "python"; input/output names, data types, dims,
                                  max_batch_size; parameters below
    <model>/<version>/model.py    this file (a link to it)
    <model>/<version>/model.pt    the TorchScript file (or parameter TORCHSCRIPT_FILE)
    <model>/card.json             the zoo's model card: its "quantized_engine", if any
Parameters (config.pbtxt `parameters`, string values):
    INTRA_OP_THREAD_COUNT   torch intra-op threads of each instance (default 1)
    TORCHSCRIPT_FILE        the TorchScript file, absolute or relative to the version folder
    QUANTIZED_ENGINE        the quantized engine to load int8 models with (else card.json's)

Batching: with dynamic batching Triton hands `execute` several requests at once, each with its
own batch dimension. They are concatenated along dimension 0, run as one forward pass, and the
result is split back, which is what batching buys on a CPU. A request whose input Triton
could not read gets its own error response; the others still run.
"""

from __future__ import annotations

import json
import os

import numpy as np
import torch
import triton_python_backend_utils as pb_utils

# Triton config data types the zoo uses -> numpy dtypes.
_NUMPY = {
    "TYPE_BOOL": np.bool_,
    "TYPE_UINT8": np.uint8,
    "TYPE_INT8": np.int8,
    "TYPE_INT16": np.int16,
    "TYPE_INT32": np.int32,
    "TYPE_INT64": np.int64,
    "TYPE_FP16": np.float16,
    "TYPE_FP32": np.float32,
    "TYPE_FP64": np.float64,
}


def _parameter(config: dict, key: str, default: str | None = None) -> str | None:
    entry = config.get("parameters", {}).get(key)
    return entry.get("string_value", default) if isinstance(entry, dict) else default


class TritonPythonModel:
    """One instance per `instance_group` count; each holds its own copy of the module."""

    def initialize(self, args: dict) -> None:
        config = json.loads(args["model_config"])
        model_dir = args["model_repository"]  # the model's folder, not the repository root
        version_dir = os.path.join(model_dir, args["model_version"])

        threads = int(_parameter(config, "INTRA_OP_THREAD_COUNT", "1") or "1")
        if threads < 1:
            raise pb_utils.TritonModelException(f"INTRA_OP_THREAD_COUNT must be at least 1, got {threads}")
        # Each instance is its own stub process, so these settings are per instance, as the C++
        # server's per-instance thread setting is.
        torch.set_num_threads(threads)
        # torch 1.13 aborts the process (not an exception) when the inter-op pool is set a second
        # time, as a reload of the model in the same process would do.
        if torch.get_num_interop_threads() != 1:
            torch.set_num_interop_threads(1)

        engine = _parameter(config, "QUANTIZED_ENGINE")
        card_path = os.path.join(model_dir, "card.json")
        if not engine and os.path.exists(card_path):
            with open(card_path) as card:
                engine = json.load(card).get("quantized_engine")
        if engine:
            # Quantized weights are repacked for the current engine when the file is loaded.
            torch.backends.quantized.engine = engine

        path = _parameter(config, "TORCHSCRIPT_FILE") or "model.pt"
        path = path if os.path.isabs(path) else os.path.join(version_dir, path)
        if not os.path.exists(path):
            raise pb_utils.TritonModelException(f"model '{args['model_name']}': no TorchScript file at {path}")
        self.module = torch.jit.load(path, map_location="cpu").eval()

        self.batching = int(config.get("max_batch_size", 0)) > 0
        self.inputs = [(i["name"], _NUMPY.get(i["data_type"], np.float32)) for i in config["input"]]
        self.outputs = [(o["name"], _NUMPY.get(o["data_type"], np.float32)) for o in config["output"]]
        self.name = args["model_name"]

    def _forward(self, tensors: list[np.ndarray]) -> list[np.ndarray]:
        with torch.inference_mode():
            result = self.module(*[torch.from_numpy(t) for t in tensors])
        results = list(result) if isinstance(result, (tuple, list)) else [result]
        if len(results) != len(self.outputs):
            raise RuntimeError(f"model returned {len(results)} outputs, config declares {len(self.outputs)}")
        return [r.detach().contiguous().numpy().astype(dtype, copy=False)
                for r, (_, dtype) in zip(results, self.outputs)]

    def _respond(self, arrays: list[np.ndarray]):
        return pb_utils.InferenceResponse(
            output_tensors=[pb_utils.Tensor(name, a) for (name, _), a in zip(self.outputs, arrays)])

    @staticmethod
    def _error(message: str):
        return pb_utils.InferenceResponse(output_tensors=[], error=pb_utils.TritonError(message))

    def execute(self, requests: list) -> list:
        responses: list = [None] * len(requests)
        batch: list[tuple[int, list[np.ndarray]]] = []
        for index, request in enumerate(requests):
            tensors = []
            for name, dtype in self.inputs:
                tensor = pb_utils.get_input_tensor_by_name(request, name)
                if tensor is None:
                    responses[index] = self._error(f"model '{self.name}': input '{name}' is missing")
                    break
                tensors.append(np.ascontiguousarray(tensor.as_numpy(), dtype=dtype))
            else:
                batch.append((index, tensors))
        if not batch:
            return responses

        try:
            if self.batching and len(batch) > 1:
                # One forward pass over every request Triton's batcher gathered.
                sizes = [tensors[0].shape[0] for _, tensors in batch]
                joined = [np.concatenate([tensors[k] for _, tensors in batch])
                          for k in range(len(self.inputs))]
                outputs = self._forward(joined)
                start = 0
                for (index, _), size in zip(batch, sizes):
                    responses[index] = self._respond([o[start:start + size] for o in outputs])
                    start += size
            else:
                for index, tensors in batch:
                    responses[index] = self._respond(self._forward(tensors))
        except Exception as exc:  # noqa: BLE001 - a failed forward answers every request it held
            for index, _ in batch:
                if responses[index] is None:
                    responses[index] = self._error(f"model '{self.name}': inference failed: {exc}")
        return responses

    def finalize(self) -> None:
        self.module = None
