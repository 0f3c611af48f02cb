"""Scoring saved models: accuracy from the TorchScript file that servers will actually load.

Accuracy is always computed from the file on disk, not from the in-memory model that produced
it, so a card describes exactly what gets served.
"""

from __future__ import annotations

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
