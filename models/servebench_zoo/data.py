"""The digits data set and its one fixed train/test split.

The split is defined here and nowhere else, and every model card records it precisely enough
(function, fraction, seed, stratification, and a digest of the resulting indices) that anyone
can recompute the test set from scikit-learn alone and check a card's accuracy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import sklearn
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

SPLIT_SEED = 0
TEST_FRACTION = 0.25


@dataclass
class Digits:
    """Digits, scaled to [0, 1] float32 and split into train and test parts."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    train_indices: np.ndarray
    test_indices: np.ndarray


def indices_digest(indices: np.ndarray) -> str:
    """A short, platform-independent fingerprint of an index list (int64 little-endian)."""
    return hashlib.sha256(np.asarray(indices, dtype="<i8").tobytes()).hexdigest()


def load() -> Digits:
    """Load sklearn's bundled digits (1797 8x8 images) and split them once, stratified."""
    x, y = load_digits(return_X_y=True)
    x = (x.astype(np.float32) / 16.0).astype(np.float32)
    y = y.astype(np.int64)
    train_idx, test_idx = train_test_split(
        np.arange(len(y)), test_size=TEST_FRACTION, random_state=SPLIT_SEED, stratify=y
    )
    return Digits(x[train_idx], y[train_idx], x[test_idx], y[test_idx], train_idx, test_idx)


def split_description(digits: Digits) -> dict:
    """What a card says about the test set, enough to rebuild it without this module."""
    return {
        "dataset": "sklearn.datasets.load_digits (bundled with scikit-learn, 1797 images, 10 classes)",
        "preprocessing": "X.astype(float32) / 16.0; reshaped to the model's input shape "
        "(N, 64) or (N, 1, 8, 8), row-major",
        "split_function": "sklearn.model_selection.train_test_split",
        "split_call": "train_test_split(numpy.arange(1797), test_size=0.25, random_state=0, "
        "stratify=y)[1]",
        "test_fraction": TEST_FRACTION,
        "random_state": SPLIT_SEED,
        "stratify": "y",
        "sklearn_version": sklearn.__version__,
        "test_samples": int(len(digits.test_indices)),
        "train_samples": int(len(digits.train_indices)),
        "test_indices_sha256": indices_digest(digits.test_indices),
        "test_indices_digest_format": "sha256 of the indices as little-endian int64",
    }


def tensors(digits: Digits, image: bool) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Train and test tensors, flat (N, 64) for MLPs or images (N, 1, 8, 8) for CNNs."""
    shape = (-1, 1, 8, 8) if image else (-1, 64)
    return (
        torch.from_numpy(digits.x_train).reshape(shape),
        torch.from_numpy(digits.y_train),
        torch.from_numpy(digits.x_test).reshape(shape),
        torch.from_numpy(digits.y_test),
    )
