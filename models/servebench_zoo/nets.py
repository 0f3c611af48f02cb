"""Network definitions of the zoo.

The digits networks take their widths as arguments so that structured pruning can build the
same architecture, narrower, and copy the surviving weights into it. resnet18 and mobilenet_v2
are torchvision's own architectures with seeded random weights: they are latency subjects, not
classifiers, so the zoo never claims an accuracy for them.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torchvision
from torch import nn


class DigitsMLP(nn.Module):
    """64 -> hidden... -> 10 with ReLU; the teacher is 64->256->256->10."""

    def __init__(self, hidden: Sequence[int] = (256, 256), inputs: int = 64, classes: int = 10):
        super().__init__()
        self.hidden = tuple(int(h) for h in hidden)
        layers: list[nn.Module] = []
        width = inputs
        for h in self.hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)

    def describe(self) -> str:
        return "MLP " + "->".join(str(w) for w in (64, *self.hidden, 10)) + " (ReLU)"


class DigitsCNN(nn.Module):
    """Two 3x3 convolutions, one 2x2 max-pool, two fully connected layers, on 1x8x8 images."""

    def __init__(self, channels: Sequence[int] = (32, 64), hidden: int = 128, classes: int = 10):
        super().__init__()
        c1, c2 = (int(c) for c in channels)
        self.channels = (c1, c2)
        self.hidden_units = int(hidden)
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c1, c2, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(c2 * 4 * 4, self.hidden_units),
            nn.ReLU(),
            nn.Linear(self.hidden_units, classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))

    def describe(self) -> str:
        c1, c2 = self.channels
        return (
            f"CNN conv3x3(1->{c1}) ReLU conv3x3({c1}->{c2}) ReLU maxpool2 "
            f"fc({c2 * 16}->{self.hidden_units}) ReLU fc({self.hidden_units}->10)"
        )


def seeded_torchvision(name: str, seed: int, calibration_batches: int = 4, batch: int = 8) -> nn.Module:
    """torchvision's `name` with seeded random weights and data-calibrated BatchNorm statistics.

    Freshly initialised BatchNorm layers keep running statistics of (0, 1), which with random
    weights makes activations shrink layer after layer (mobilenet_v2's outputs come out near
    1e-9). Re-estimating the statistics on a few seeded random images keeps every layer's
    activations at unit scale, so int8 quantization is exercised on realistic ranges. The
    weights stay random: there is no accuracy to report.
    """
    torch.manual_seed(seed)
    model = getattr(torchvision.models, name)(weights=None)
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.reset_running_stats()
            module.momentum = None  # cumulative average over the calibration batches
    generator = torch.Generator().manual_seed(seed + 1)
    model.train()
    with torch.no_grad():
        for _ in range(calibration_batches):
            model(torch.randn(batch, 3, 224, 224, generator=generator))
    return model.eval()
