"""Compression: int8 quantization, unstructured and structured pruning, and their measurement.

Quantization needs a quantized engine. Debian's torch on this class of CPU offers qnnpack and
onednn but not fbgemm, and which one is faster depends on the model (onednn runs static int8
convolutions several times faster than qnnpack here; qnnpack wins some tiny Linear layers), so
`time_engines` times each candidate and the card records every timing and the winner.
"""

from __future__ import annotations

import contextlib
import copy
import os
import sys
import time
from typing import Callable, Iterable

import torch
import torch.nn.utils.prune as prune
from torch import nn
from torch.ao.quantization import get_default_qconfig_mapping, quantize_dynamic
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

PRUNABLE = (nn.Linear, nn.Conv2d)


def available_engines() -> list[str]:
    """Quantized engines this torch build can run, in a stable order."""
    return [e for e in ("onednn", "qnnpack", "fbgemm", "x86") if e in torch.backends.quantized.supported_engines]


def quantize_dynamic_int8(model: nn.Module, engine: str) -> nn.Module:
    """Dynamic int8: weights stored int8, activations quantized on the fly per batch.

    torch.ao's dynamic quantization covers Linear (and recurrent) layers only; convolutions
    stay fp32, which the card states.
    """
    torch.backends.quantized.engine = engine
    return quantize_dynamic(copy.deepcopy(model).eval(), {nn.Linear}, dtype=torch.qint8)


def quantize_static_int8(model: nn.Module, engine: str, calibration: Iterable[torch.Tensor]) -> nn.Module:
    """Static int8 with FX graph mode: observers calibrated on `calibration`, BN folded, all
    Linear and Conv layers and the activations between them in int8."""
    torch.backends.quantized.engine = engine
    calibration = list(calibration)
    prepared = prepare_fx(
        copy.deepcopy(model).eval(), get_default_qconfig_mapping(engine), example_inputs=(calibration[0],)
    )
    with torch.no_grad():
        for batch in calibration:
            prepared(batch)
    return convert_fx(prepared)


def time_forward(model: nn.Module, example: torch.Tensor, budget_s: float = 0.3, max_iters: int = 200) -> float:
    """Median single-thread forward time in microseconds, within a small time budget."""
    samples = []
    with torch.inference_mode():
        model(example)
        deadline = time.perf_counter() + budget_s
        while len(samples) < max_iters and (len(samples) < 3 or time.perf_counter() < deadline):
            t0 = time.perf_counter_ns()
            model(example)
            samples.append((time.perf_counter_ns() - t0) / 1000.0)
    samples.sort()
    return samples[len(samples) // 2]


@contextlib.contextmanager
def quiet_native_warnings():
    """Silence the C++ side's stderr for a moment.

    qnnpack's dynamic Linear prints "qnnpack incorrectly ignores reduce_range" through glog on
    every call (torch 1.13 always passes reduce_range=True); neither GLOG_minloglevel nor
    TORCH_CPP_LOG_LEVEL stops it, so the timing loops redirect file descriptor 2 instead.
    The fact is recorded in the int8 cards.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def time_engines(build: Callable[[str], nn.Module], example: torch.Tensor) -> tuple[dict, dict]:
    """Build the quantized model once per available engine and time each at batch 1 on one
    thread. Returns ({engine: median us}, {engine: model}); the caller picks by its policy."""
    candidates = available_engines()
    if not candidates:
        raise RuntimeError("this torch build has no quantized engine")
    timings: dict[str, float] = {}
    built: dict[str, nn.Module] = {}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for engine in candidates:
            built[engine] = build(engine)
            with quiet_native_warnings():
                timings[engine] = round(time_forward(built[engine], example), 2)
    finally:
        torch.set_num_threads(threads)
    return timings, built


def prune_unstructured(model: nn.Module, amount: float) -> list[tuple[nn.Module, str]]:
    """Global L1 (magnitude) pruning of every Linear/Conv weight, `amount` of them zeroed.

    The masks stay attached (weight = weight_orig * mask) so fine-tuning cannot revive pruned
    weights; call `make_pruning_permanent` before export.
    """
    targets = [(m, "weight") for m in model.modules() if isinstance(m, PRUNABLE)]
    prune.global_unstructured(targets, pruning_method=prune.L1Unstructured, amount=amount)
    return targets


def make_pruning_permanent(targets: list[tuple[nn.Module, str]]) -> None:
    for module, name in targets:
        prune.remove(module, name)


def sparsity(model: nn.Module) -> dict:
    """Measured zeros: over prunable weights (what was asked for), per layer, and over all
    parameters (biases are never pruned, so this one is a little lower)."""
    per_layer = {}
    zeros = total = 0
    for name, module in model.named_modules():
        if isinstance(module, PRUNABLE):
            w = module.weight.detach()
            z = int((w == 0).sum())
            per_layer[name] = round(z / w.numel(), 6)
            zeros += z
            total += w.numel()
    all_params = sum(p.numel() for p in model.parameters())
    all_zeros = sum(int((p.detach() == 0).sum()) for p in model.parameters())
    return {
        "measured_weights": round(zeros / total, 6) if total else 0.0,
        "weights_zero": zeros,
        "weights_total": total,
        "measured_all_parameters": round(all_zeros / all_params, 6) if all_params else 0.0,
        "per_layer": per_layer,
    }


def _weight_tensors(model: nn.Module) -> list[torch.Tensor]:
    """Every learned weight and bias, as float tensors, including those packed inside
    quantized modules (whose weights are not `parameters()`)."""
    tensors: list[torch.Tensor] = []
    seen_params = set()
    for module in model.modules():
        weight_fn = getattr(module, "weight", None)
        bias_fn = getattr(module, "bias", None)
        if callable(weight_fn) and not isinstance(weight_fn, nn.Parameter):
            # quantized Linear / Conv keep packed weights reachable through weight()/bias()
            try:
                w = weight_fn()
                tensors.append(w.dequantize() if w.is_quantized else w)
                b = bias_fn() if callable(bias_fn) else None
                if b is not None:
                    tensors.append(b)
                continue
            except (RuntimeError, TypeError):
                pass
        for p in module.parameters(recurse=False):
            if id(p) not in seen_params:
                seen_params.add(id(p))
                tensors.append(p.detach())
    return tensors


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """(parameters, non-zero parameters), counting quantized weights like float ones.

    BatchNorm running statistics and quantization scales are not parameters. In static int8
    models BatchNorm is folded into the preceding convolution, so its scale and shift vanish
    from the count.
    """
    tensors = _weight_tensors(model)
    return sum(t.numel() for t in tensors), sum(int((t != 0).sum()) for t in tensors)


def _top(scores: torch.Tensor, keep: int) -> torch.Tensor:
    """Indices of the `keep` largest scores, in their original order (stable layouts)."""
    return torch.sort(torch.topk(scores, keep).indices).values


def shrink_mlp(model: nn.Module, keep_fraction: float) -> nn.Module:
    """Structured pruning of a DigitsMLP: drop whole hidden neurons, building narrower layers.

    A neuron's importance is the L1 norm of its incoming weights (Li et al., "Pruning Filters
    for Efficient ConvNets", applied to neurons). Its row goes from its own layer and its
    column from the next one, so the result is a genuinely smaller dense network.
    """
    from .nets import DigitsMLP

    linears = [m for m in model.layers if isinstance(m, nn.Linear)]
    kept_sizes = [max(1, int(round(lin.out_features * keep_fraction))) for lin in linears[:-1]]
    student = DigitsMLP(hidden=kept_sizes)
    new_linears = [m for m in student.layers if isinstance(m, nn.Linear)]
    previous = torch.arange(linears[0].in_features)
    with torch.no_grad():
        for i, (old, new) in enumerate(zip(linears, new_linears)):
            w = old.weight[:, previous]
            rows = _top(w.abs().sum(dim=1), kept_sizes[i]) if i < len(kept_sizes) else torch.arange(old.out_features)
            new.weight.copy_(w[rows])
            new.bias.copy_(old.bias[rows])
            previous = rows
    return student.eval()


def shrink_cnn(model: nn.Module, keep_fraction: float) -> nn.Module:
    """Structured pruning of a DigitsCNN: drop whole conv filters (L1 norm of each filter) and
    hidden neurons of the classifier, carrying the surviving input channels/features through."""
    from .nets import DigitsCNN

    conv1, conv2 = model.features[0], model.features[2]
    fc1, fc2 = model.classifier[1], model.classifier[3]
    k1 = max(1, int(round(conv1.out_channels * keep_fraction)))
    k2 = max(1, int(round(conv2.out_channels * keep_fraction)))
    kh = max(1, int(round(fc1.out_features * keep_fraction)))
    student = DigitsCNN(channels=(k1, k2), hidden=kh)
    n_conv1, n_conv2 = student.features[0], student.features[2]
    n_fc1, n_fc2 = student.classifier[1], student.classifier[3]
    with torch.no_grad():
        keep1 = _top(conv1.weight.abs().sum(dim=(1, 2, 3)), k1)
        n_conv1.weight.copy_(conv1.weight[keep1])
        n_conv1.bias.copy_(conv1.bias[keep1])
        w2 = conv2.weight[:, keep1]
        keep2 = _top(w2.abs().sum(dim=(1, 2, 3)), k2)
        n_conv2.weight.copy_(w2[keep2])
        n_conv2.bias.copy_(conv2.bias[keep2])
        spatial = fc1.in_features // conv2.out_channels  # flatten is channel-major
        columns = (keep2[:, None] * spatial + torch.arange(spatial)[None, :]).reshape(-1)
        wf = fc1.weight[:, columns]
        keeph = _top(wf.abs().sum(dim=1), kh)
        n_fc1.weight.copy_(wf[keeph])
        n_fc1.bias.copy_(fc1.bias[keeph])
        n_fc2.weight.copy_(fc2.weight[:, keeph])
        n_fc2.bias.copy_(fc2.bias)
    return student.eval()
