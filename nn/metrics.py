"""``accuracy``, and turning a model's outputs (``Value`` s in any layout) into a numpy array.

Example:
    >>> import numpy as np
    >>> accuracy(np.array([0.2, 0.9, 0.6]), [0, 1, 0])            # 0/1 targets: threshold 0.5
    0.6666666666666666
    >>> accuracy(np.array([-1.5, 0.3]), [-1, 1])                   # -1/+1 targets: the sign
    1.0
    >>> accuracy(np.array([[0.1, 2.0, 0.3], [1.0, 0.0, 0.2]]), [1, 2])   # classes: argmax
    0.5
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Value

__all__ = ["accuracy", "predictions_array"]


def predictions_array(predictions: Any, one_sample: bool = False) -> np.ndarray:
    """Model outputs as an array: shape ``(N,)`` for one output per sample, ``(N, k)`` for ``k``.

    Accepts a ``Value`` (scalar or batched), a list of batched values (one per output), a list
    of scalar values (one per sample; or the ``k`` outputs of one sample if ``one_sample``), a
    list of such lists (one per sample), or plain numbers and arrays.
    """
    if isinstance(predictions, Value):
        return np.atleast_1d(np.asarray(predictions.data, dtype=np.float64))
    if isinstance(predictions, (list, tuple)) and predictions:
        first = predictions[0]
        if isinstance(first, Value) and isinstance(first.data, np.ndarray):
            return np.stack([_plain(v) for v in predictions], axis=1)
        if isinstance(first, (list, tuple)):
            return np.array([[_plain(v) for v in row] for row in predictions], dtype=np.float64)
        row = np.array([_plain(v) for v in predictions], dtype=np.float64)
        return row[None, :] if one_sample else row
    return np.asarray(predictions, dtype=np.float64)


def accuracy(predictions: Any, targets: Any, threshold: float | None = None) -> float:
    """The fraction of samples classified correctly.

    * one output per sample (binary): with targets in {-1, +1}, a positive output predicts +1
      (threshold 0); with targets in {0, 1}, an output above 0.5 predicts 1 (a probability).
      Pass ``threshold=0.0`` for raw scores (logits) with 0/1 targets.
    * ``k > 1`` outputs per sample: the predicted class is the argmax; targets are class
      indices or one-hot rows.

    Raises:
        ValueError: on a length mismatch or targets that are not class labels.
    """
    target = np.asarray(targets, dtype=np.float64)
    pred = predictions_array(predictions, one_sample=target.ndim == 0)
    target = np.atleast_1d(target)
    if pred.ndim == 2 and pred.shape[1] == 1:
        pred = pred[:, 0]
    if len(pred) != len(target):
        raise ValueError(f"accuracy: {len(pred)} predictions but {len(target)} targets")
    if len(pred) == 0:
        raise ValueError("accuracy: no samples")
    if pred.ndim == 2:
        labels = target.argmax(axis=1) if target.ndim == 2 else target
        return float(np.mean(pred.argmax(axis=1) == labels))
    if target.ndim == 2 and target.shape[1] == 1:
        target = target[:, 0]
    signed = bool(np.any(target < 0))
    valid = (-1.0, 1.0) if signed else (0.0, 1.0)
    if not np.all(np.isin(target, valid)):
        found = np.unique(target)[:6]
        raise ValueError(
            f"accuracy: binary targets must all be in {{0, 1}} or all in {{-1, +1}}, got {found}"
        )
    if threshold is None:
        threshold = 0.0 if signed else 0.5
    return float(np.mean((pred > threshold) == (target == 1.0)))


def _plain(x: Any) -> Any:
    return x.data if isinstance(x, Value) else x
