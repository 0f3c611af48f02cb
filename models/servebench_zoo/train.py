"""Training loops: plain supervised training, fine-tuning, and knowledge distillation.

All loops shuffle with their own seeded generator and run a fixed number of epochs with no
model selection on the test split, so the test accuracy in a card is an honest hold-out figure.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def fit(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int,
    seed: int,
    lr: float = 1e-3,
    batch_size: int = 64,
    weight_decay: float = 0.0,
    teacher_logits: torch.Tensor | None = None,
    temperature: float = 4.0,
    alpha: float = 0.7,
) -> dict:
    """Train `model` in place with Adam and return the recipe, for the model card.

    With `teacher_logits`, the loss is Hinton et al.'s distillation loss:
    alpha * T^2 * KL(softmax(teacher/T) || softmax(student/T)) + (1 - alpha) * CE(student, y).
    The T^2 factor keeps the soft term's gradients on the same scale as the hard term's.
    """
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    model.train()
    last_loss = float("nan")
    for _ in range(epochs):
        order = torch.randperm(len(y), generator=generator)
        for start in range(0, len(y), batch_size):
            idx = order[start : start + batch_size]
            logits = model(x[idx])
            loss = F.cross_entropy(logits, y[idx])
            if teacher_logits is not None:
                soft = F.kl_div(
                    F.log_softmax(logits / temperature, dim=1),
                    F.softmax(teacher_logits[idx] / temperature, dim=1),
                    reduction="batchmean",
                )
                loss = alpha * temperature * temperature * soft + (1.0 - alpha) * loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            last_loss = float(loss.detach())
    model.eval()
    recipe = {
        "optimizer": "Adam",
        "learning_rate": lr,
        "weight_decay": weight_decay,
        "batch_size": batch_size,
        "epochs": epochs,
        "shuffle_seed": seed,
        "final_batch_loss": round(last_loss, 6),
        "train_samples": int(len(y)),
    }
    if teacher_logits is not None:
        recipe["distillation"] = {
            "loss": "alpha * T^2 * KL(softmax(teacher/T) || softmax(student/T)) + (1 - alpha) * CE",
            "temperature": temperature,
            "alpha_soft_loss_weight": alpha,
            "hard_loss_weight": 1.0 - alpha,
        }
    return recipe


@torch.no_grad()
def logits_of(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Eval-mode outputs of `model` on `x` (the teacher's soft targets)."""
    model.eval()
    return model(x)
