"""Writing a model into the repository: TorchScript, ONNX where it works, config.pbtxt, card.

The layout is Triton's, shared with servebench's C++ TorchScript server and the FastAPI server:

    <repo>/<model>/config.pbtxt
    <repo>/<model>/card.json
    <repo>/<model>/1/model.pt       TorchScript
    <repo>/<model>/1/model.onnx     only where torch's exporter managed
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Sequence

import torch
from torch import nn

INPUT_NAME = "INPUT__0"
OUTPUT_NAME = "OUTPUT__0"
VERSION = "1"


def save_torchscript(model: nn.Module, example: torch.Tensor, path: Path) -> str:
    """Script the model (keeps any batch size); fall back to tracing. Returns the method."""
    model.eval()
    try:
        module = torch.jit.script(model)
        method = "torch.jit.script"
    except Exception:  # noqa: BLE001 - any scripting failure means "try tracing"
        with torch.no_grad():
            module = torch.jit.trace(model, example)
        method = "torch.jit.trace"
    # Not frozen: freezing inlines quantized weights already packed for the current engine,
    # while an unfrozen module repacks them on load for whichever engine the server chose.
    torch.jit.save(module, str(path))
    return method


def export_onnx(model: nn.Module, example: torch.Tensor, path: Path) -> dict:
    """Try torch.onnx.export with a dynamic batch axis; record failure instead of raising."""
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # exporter chatter; failure is recorded below
            torch.onnx.export(
                model,
                (example,),
                str(path),
                input_names=[INPUT_NAME],
                output_names=[OUTPUT_NAME],
                dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
                opset_version=13,
            )
        return {"exported": True, "opset": 13, "file": f"{VERSION}/model.onnx", "error": None}
    except Exception as exc:  # noqa: BLE001 - the exporter raises many kinds; all mean "not exportable"
        if path.exists():
            path.unlink()
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return {"exported": False, "opset": 13, "file": None, "error": f"{type(exc).__name__}: {message[:300]}"}


def config_pbtxt(
    name: str,
    input_dims: Sequence[int],
    output_dims: Sequence[int],
    max_batch_size: int,
    quantized_engine: str | None = None,
    intra_op_threads: int = 1,
) -> str:
    """Triton-style model configuration text (dims exclude the implicit batch dimension)."""

    def dims(values: Sequence[int]) -> str:
        return "[ " + ", ".join(str(int(v)) for v in values) + " ]"

    parameters = [("INTRA_OP_THREAD_COUNT", str(intra_op_threads))]
    if quantized_engine:
        parameters.append(("QUANTIZED_ENGINE", quantized_engine))
    text = [
        f'name: "{name}"',
        'platform: "pytorch_libtorch"',
        f"max_batch_size: {int(max_batch_size)}",
        "input [",
        "  {",
        f'    name: "{INPUT_NAME}"',
        "    data_type: TYPE_FP32",
        f"    dims: {dims(input_dims)}",
        "  }",
        "]",
        "output [",
        "  {",
        f'    name: "{OUTPUT_NAME}"',
        "    data_type: TYPE_FP32",
        f"    dims: {dims(output_dims)}",
        "  }",
        "]",
        "instance_group [",
        "  {",
        "    count: 1",
        "    kind: KIND_CPU",
        "  }",
        "]",
    ]
    for key, value in parameters:
        text += ["parameters {", f'  key: "{key}"', f'  value {{ string_value: "{value}" }}', "}"]
    return "\n".join(text) + "\n"


def tensor_metadata(input_dims: Sequence[int], output_dims: Sequence[int]) -> dict:
    """Inputs and outputs as KServe v2 metadata describes them (-1 is the batch dimension)."""
    return {
        "inputs": [{"name": INPUT_NAME, "datatype": "FP32", "shape": [-1, *map(int, input_dims)]}],
        "outputs": [{"name": OUTPUT_NAME, "datatype": "FP32", "shape": [-1, *map(int, output_dims)]}],
    }


def write_json(path: Path, value: dict) -> None:
    """Write JSON atomically (a reader never sees half a card)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(value, indent=2, sort_keys=False) + "\n")
    os.replace(tmp, path)


def file_size(path: Path) -> int | None:
    return path.stat().st_size if path.exists() else None
