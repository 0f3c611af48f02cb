"""Scoring saved models: accuracy from the TorchScript file that servers will actually load.

Accuracy is always computed from the file on disk, not from the in-memory model that produced
it, so a card describes exactly what gets served.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch


def load_torchscript(path: Path, quantized_engine: str | None = None) -> torch.jit.ScriptModule:
    """Load a TorchScript file, selecting the quantized engine first: quantized weights are
    repacked at load time for the engine that is current then."""
    if quantized_engine:
        torch.backends.quantized.engine = quantized_engine
    module = torch.jit.load(str(path), map_location="cpu")
    module.eval()
    return module


@torch.inference_mode()
def predict(module, x: torch.Tensor, batch_size: int = 128) -> torch.Tensor:
    """Outputs of `module` on `x`, in batches no larger than the model's max_batch_size."""
    return torch.cat([module(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])


def top1(module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 128) -> dict:
    """Top-1 accuracy with the counts behind it."""
    logits = predict(module, x, batch_size)
    correct = int((logits.argmax(dim=1) == y).sum())
    return {"top1": round(correct / len(y), 6), "correct": correct, "samples": int(len(y))}


def agreement(candidate: torch.Tensor, reference: torch.Tensor) -> dict:
    """How far a compressed model's outputs are from its fp32 base on the same inputs."""
    diff = (candidate - reference).abs()
    return {
        "samples": int(len(reference)),
        "top1_agreement": round(float((candidate.argmax(1) == reference.argmax(1)).float().mean()), 6),
        "max_abs_output_diff": round(float(diff.max()), 6),
        "mean_abs_output_diff": round(float(diff.mean()), 6),
        "reference_output_abs_max": round(float(reference.abs().max()), 6),
    }


def weights_digest(module) -> str | None:
    """sha256 over the served module's state (names, shapes and values, quantized ones as
    integers plus scales). Two preparations from the same seeds give the same digest even when
    the TorchScript archives differ byte for byte (TorchScript may order the code of constant
    attributes differently from run to run)."""
    h = hashlib.sha256()

    def feed(value) -> None:
        if isinstance(value, torch.Tensor):
            t = value.detach().cpu()
            if t.is_quantized:
                feed(t.int_repr())
                if t.qscheme() in (torch.per_tensor_affine, torch.per_tensor_symmetric):
                    h.update(repr((t.q_scale(), t.q_zero_point())).encode())
                else:
                    feed(t.q_per_channel_scales())
                    feed(t.q_per_channel_zero_points())
                return
            h.update(repr((str(t.dtype), tuple(t.shape))).encode())
            h.update(t.contiguous().numpy().tobytes())
        elif isinstance(value, (tuple, list)):
            for item in value:
                feed(item)
        else:
            h.update(repr(value).encode())

    try:
        for name, value in sorted(module.state_dict().items()):
            h.update(name.encode() + b"\0")
            feed(value)
        # Quantized layers keep their weights in packed objects outside state_dict; their
        # TorchScript methods unpack them.
        for name, sub in module.named_modules():
            for method in ("_weight_bias", "__getstate__"):
                try:
                    state = sub._c._get_method(method)()
                except RuntimeError:
                    continue
                h.update(f"{name}.{method}".encode() + b"\0")
                feed(state)
                break
    except Exception:  # noqa: BLE001 - a digest is a convenience; never fail the zoo for it
        return None
    return h.hexdigest()
