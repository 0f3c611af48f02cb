"""Loading a Triton-style model repository with PyTorch, for the FastAPI server.

    <repo>/<model>/config.pbtxt
    <repo>/<model>/<version>/model.pt     (TorchScript; platform "pytorch_libtorch")

Every numeric version folder with a model.pt is loaded; requests without a version go to the
highest one (Triton's default "latest" policy). A model whose config asks for a quantized
engine (parameter QUANTIZED_ENGINE, or "quantized_engine" in the zoo's card.json) is loaded
with that engine current, because quantized weights are repacked for the current engine at
load time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

import pbtxt

# Triton config data types -> (KServe v2 datatype, numpy dtype)
DATATYPES = {
    "TYPE_BOOL": ("BOOL", np.bool_),
    "TYPE_UINT8": ("UINT8", np.uint8),
    "TYPE_UINT16": ("UINT16", np.uint16),
    "TYPE_UINT32": ("UINT32", np.uint32),
    "TYPE_UINT64": ("UINT64", np.uint64),
    "TYPE_INT8": ("INT8", np.int8),
    "TYPE_INT16": ("INT16", np.int16),
    "TYPE_INT32": ("INT32", np.int32),
    "TYPE_INT64": ("INT64", np.int64),
    "TYPE_FP16": ("FP16", np.float16),
    "TYPE_FP32": ("FP32", np.float32),
    "TYPE_FP64": ("FP64", np.float64),
}


class RepositoryError(RuntimeError):
    """A model that cannot be served: bad config, missing file, failed load."""


@dataclass
class TensorSpec:
    name: str
    datatype: str  # KServe v2 name, e.g. FP32
    dtype: type
    dims: list[int]  # without the batch dimension when the model batches


@dataclass
class Model:
    name: str
    platform: str
    max_batch_size: int
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    versions: dict[str, torch.jit.ScriptModule] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)

    @property
    def latest(self) -> str:
        return max(self.versions, key=int)

    def shape(self, spec: TensorSpec) -> list[int]:
        """Shape as model metadata states it: -1 for the implicit batch dimension."""
        return ([-1] if self.max_batch_size > 0 else []) + list(spec.dims)


def _specs(entries: list[dict], where: str) -> list[TensorSpec]:
    specs = []
    for entry in entries:
        name = pbtxt.first(entry, "name")
        data_type = pbtxt.first(entry, "data_type", "TYPE_FP32")
        if not name or data_type not in DATATYPES:
            raise RepositoryError(f"{where}: tensor without a name or with unsupported data_type {data_type!r}")
        datatype, dtype = DATATYPES[data_type]
        specs.append(TensorSpec(str(name), datatype, dtype, [int(d) for d in entry.get("dims", [])]))
    return specs


def _card_engine(directory: Path) -> str | None:
    """The quantized engine a zoo model card (card.json beside config.pbtxt) names, if any."""
    try:
        engine = json.loads((directory / "card.json").read_text()).get("quantized_engine")
    except (OSError, ValueError, AttributeError):
        return None
    return engine if isinstance(engine, str) and engine else None


def load_model(directory: Path) -> Model:
    """Read one model's config and load its TorchScript versions."""
    config_path = directory / "config.pbtxt"
    try:
        config = pbtxt.parse(config_path.read_text())
    except (OSError, pbtxt.PbtxtError) as exc:
        raise RepositoryError(f"{config_path}: {exc}") from exc
    name = str(pbtxt.first(config, "name", directory.name))
    if name != directory.name:
        raise RepositoryError(f"{config_path}: name {name!r} differs from its folder {directory.name!r}")
    platform = str(pbtxt.first(config, "platform", pbtxt.first(config, "backend", "pytorch_libtorch")))
    if platform not in ("pytorch_libtorch", "pytorch"):
        raise RepositoryError(f"{config_path}: platform {platform!r} is not TorchScript")
    model = Model(
        name=name,
        platform="pytorch_libtorch",
        max_batch_size=int(pbtxt.first(config, "max_batch_size", 0)),
        inputs=_specs(config.get("input", []), str(config_path)),
        outputs=_specs(config.get("output", []), str(config_path)),
        parameters=pbtxt.parameters(config),
    )
    if not model.inputs or not model.outputs:
        raise RepositoryError(f"{config_path}: needs at least one input and one output")
    engine = model.parameters.get("QUANTIZED_ENGINE") or _card_engine(directory)
    if engine:
        if engine not in torch.backends.quantized.supported_engines:
            raise RepositoryError(f"{name}: quantized engine {engine!r} not supported by this torch")
        torch.backends.quantized.engine = engine
    for version_dir in sorted(p for p in directory.iterdir() if p.is_dir() and p.name.isdigit()):
        file = version_dir / "model.pt"
        if file.exists():
            try:
                module = torch.jit.load(str(file), map_location="cpu")
            except Exception as exc:  # noqa: BLE001 - torch raises RuntimeError and others
                raise RepositoryError(f"{file}: {exc}") from exc
            module.eval()
            model.versions[str(int(version_dir.name))] = module
    if not model.versions:
        raise RepositoryError(f"{directory}: no <version>/model.pt")
    return model


def load_repository(root: Path) -> dict[str, Model]:
    """Every folder of `root` that has a config.pbtxt is a model; others are ignored."""
    if not root.is_dir():
        raise RepositoryError(f"model repository {root} is not a directory")
    models = {}
    default_engine = torch.backends.quantized.engine
    for directory in sorted(p for p in root.iterdir() if p.is_dir() and (p / "config.pbtxt").exists()):
        model = load_model(directory)
        models[model.name] = model
        torch.backends.quantized.engine = default_engine
    return models
