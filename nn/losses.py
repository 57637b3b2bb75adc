"""Loss functions: a graph from predictions (``Value`` s) and plain targets to one scalar ``Value``.

Predictions come in any of the shapes a model returns:

* one ``Value`` (one output; scalar for one sample, batched for a batch),
* a list of ``Value`` s (the outputs of one sample, or of a batch when they are batched),
* a list of such lists (one per sample, from calling a model sample by sample).

Targets are numbers, lists or numpy arrays laid out the same way: for a batch or a list of
samples, one row per sample. ``reduction="mean"`` (default) averages over the terms (every
output of every sample for the element-wise losses, every sample for ``cross_entropy``);
``"sum"`` adds them.

Example:
    >>> from autograd import Value
    >>> from nn.losses import mse_loss, cross_entropy
    >>> mse_loss([Value(0.5), Value(2.0)], [1.0, 2.0]).data      # ((0.5-1)^2 + 0) / 2
    0.125
    >>> round(cross_entropy([Value(2.0), Value(0.0)], 0).data, 6)  # -log softmax([2, 0])[0]
    0.126928
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Union

import numpy as np

from autograd import Value, sum_values
from nn.bce import torch_bce

__all__ = [
    "mse_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge_loss",
    "LOSSES",
    "resolve_loss",
]

Predictions = Union[Value, list[Any], tuple[Any, ...]]
REDUCTIONS = ("mean", "sum")


def mse_loss(predictions: Predictions, targets: Any, reduction: str = "mean") -> Value:
    """Mean squared error: ``mean((prediction - target)^2)`` over every output of every sample.

    Example:
        >>> from autograd import Value
        >>> mse_loss(Value(3.0), 1.0).data
        4.0
    """
    return _elementwise(predictions, targets, reduction, "mse_loss", _squared_error)


def binary_cross_entropy(predictions: Predictions, targets: Any, reduction: str = "mean") -> Value:
    """``-[t log p + (1 - t) log(1 - p)]`` for probabilities ``p`` in [0, 1], as PyTorch's
    ``binary_cross_entropy``: the same values and the same gradients, at p = 0 and 1 as well.

    The gradient flows into ``p`` itself, whatever node made it. As in PyTorch, each log is
    clamped at -100 (so ``log(0)`` counts as -100) and the gradient is
    ``(p - t) / max(p (1 - p), 1e-12)``: finite at p = 0 and p = 1 (see :mod:`nn.bce`).
    For a model whose last step is a sigmoid, :func:`binary_cross_entropy_with_logits` on the
    sigmoid's input is the numerically stable choice.

    Raises:
        ValueError: if a probability or a target is outside [0, 1].

    Example:
        >>> from autograd import Value
        >>> p = Value(0.8)
        >>> loss = binary_cross_entropy(p, 1.0)
        >>> round(loss.data, 6)                                      # -log(0.8)
        0.223144
        >>> loss.backward()
        >>> round(p.grad, 6)                                         # (0.8 - 1) / (0.8 * 0.2)
        -1.25
    """
    _check_probabilities(targets, "binary_cross_entropy")
    return _elementwise(predictions, targets, reduction, "binary_cross_entropy", _bce_term)


def binary_cross_entropy_with_logits(
    predictions: Predictions, targets: Any, reduction: str = "mean"
) -> Value:
    """Binary cross-entropy of ``sigmoid(z)``, computed from the logit ``z`` as
    ``softplus(z) - t * z``: finite for any ``z`` (a sigmoid then log would overflow).

    Raises:
        ValueError: if a target is outside [0, 1].

    Example:
        >>> from autograd import Value
        >>> binary_cross_entropy_with_logits(Value(1000.0), 0.0).data   # exact, no overflow
        1000.0
    """
    _check_probabilities(targets, "binary_cross_entropy_with_logits")
    return _elementwise(predictions, targets, reduction, "binary_cross_entropy_with_logits", _logits_term)


def hinge_loss(predictions: Predictions, targets: Any, reduction: str = "mean") -> Value:
    """Max-margin loss ``mean(relu(1 - y * score))`` for labels ``y`` in {-1, +1} (micrograd's demo).

    Raises:
        ValueError: if a target is not -1 or +1.

    Example:
        >>> from autograd import Value
        >>> hinge_loss([Value(2.0), Value(0.5)], [1, 1]).data        # (0 + 0.5) / 2
        0.25
    """
    return _elementwise(predictions, targets, reduction, "hinge_loss", _hinge_term)


def cross_entropy(logits: Predictions, targets: Any, reduction: str = "mean") -> Value:
    """Softmax cross-entropy ``logsumexp(z) - z[target]`` per sample, from raw class scores.

    ``logits`` holds the class scores of one sample (a list of ``k`` values), of a batch (a
    list of ``k`` batched values) or of several samples (a list of lists). ``targets`` are
    class indices (one per sample) or one-hot / probability rows of length ``k``. The
    log-sum-exp subtracts the largest score first, so it stays finite for any scores.

    Raises:
        ValueError: for a class index outside ``0..k-1`` or a target row of the wrong length.

    Example:
        >>> from autograd import Value
        >>> z = [Value(1.0), Value(2.0), Value(3.0)]
        >>> round(cross_entropy(z, 2).data, 6), round(cross_entropy(z, [0, 0, 1]).data, 6)
        (0.407606, 0.407606)
    """
    _check_reduction(reduction, "cross_entropy")
    samples = _class_scores(logits)
    if len(samples) == 1 and isinstance(samples[0][0].data, np.ndarray):
        scores = samples[0]
        rows = _target_rows(targets, len(scores[0].data), len(scores))
        total = _cross_entropy_term(scores, rows).sum()
        count = len(scores[0].data)
    else:
        single = not isinstance(logits[0], (list, tuple))  # type: ignore[index]
        rows = _target_rows([targets] if single else targets, len(samples), len(samples[0]))
        total = sum_values([_cross_entropy_term(scores, row) for scores, row in zip(samples, rows)])
        count = len(samples)
    return total * (1.0 / count) if reduction == "mean" else total


# --- element-wise terms (each takes one prediction Value and its target: float or array) ---


def _squared_error(p: Value, t: Any) -> Value:
    diff = p - t
    return diff * diff


def _logits_term(z: Value, t: Any) -> Value:
    return z.softplus() - z * t


def _bce_term(p: Value, t: Any) -> Value:
    if np.any(np.asarray(p.data) < 0) or np.any(np.asarray(p.data) > 1):
        raise ValueError(
            f"binary_cross_entropy expects probabilities in [0, 1], got {p.data!r}; "
            f"for raw scores use binary_cross_entropy_with_logits"
        )
    return torch_bce(p, t)


def _hinge_term(score: Value, y: Any) -> Value:
    if not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError(f"hinge_loss expects targets -1 or +1, got {y!r}")
    return (1 - score * y).relu()


def _elementwise(
    predictions: Predictions, targets: Any, reduction: str, name: str, term: Callable[[Value, Any], Value]
) -> Value:
    _check_reduction(reduction, name)
    pairs = _pairs(predictions, targets, name)
    terms = [term(p, t) for p, t in pairs]
    total = sum_values(terms) if len(terms) > 1 else terms[0]
    count = len(terms)
    if isinstance(total.data, np.ndarray):
        count *= len(total.data)
        total = total.sum()
    return total * (1.0 / count) if reduction == "mean" else total


def _pairs(predictions: Predictions, targets: Any, name: str) -> list[tuple[Value, Any]]:
    """Match each prediction ``Value`` with its target (a float, or an array for a batched value)."""
    if isinstance(predictions, Value):
        predictions = [predictions]
    if not isinstance(predictions, (list, tuple)) or len(predictions) == 0:
        raise TypeError(
            f"{name} expects a Value or a non-empty list of Values, got {type(predictions).__name__}"
        )
    flat = [p for item in predictions for p in (item if isinstance(item, (list, tuple)) else [item])]
    for p in flat:
        if not isinstance(p, Value):
            raise TypeError(f"{name} expects predictions as Values, got {type(p).__name__}")
    target = _numeric(targets, name)
    batch = flat[0].data
    if isinstance(batch, np.ndarray):
        # k batched outputs of B samples: targets of shape (B,) when k == 1, else (B, k)
        shape = (len(batch),) if len(flat) == 1 else (len(batch), len(flat))
        if target.shape == (len(batch), 1) and len(flat) == 1:
            target = target[:, 0]
        if target.shape != shape:
            raise ValueError(
                f"{name}: {len(flat)} batched prediction(s) of {len(batch)} samples need targets "
                f"of shape {shape}, got {target.shape}"
            )
        columns = [target] if len(flat) == 1 else list(target.T)
        for p in flat:
            if not isinstance(p.data, np.ndarray) or p.data.shape != batch.shape:
                raise ValueError(f"{name}: the batched predictions must all hold {len(batch)} samples")
        return list(zip(flat, columns))
    if target.size != len(flat):
        raise ValueError(f"{name}: {len(flat)} predictions but {target.size} targets (shape {target.shape})")
    return [(p, float(t)) for p, t in zip(flat, target.ravel())]


# --- cross-entropy helpers -----------------------------------------------------------------


def _class_scores(logits: Predictions) -> list[list[Value]]:
    """The class scores as a list of samples, each a list of ``k`` Values."""
    if not isinstance(logits, (list, tuple)) or len(logits) == 0:
        raise TypeError(
            f"cross_entropy expects a list of class scores (one Value per class), got {type(logits).__name__}"
        )
    samples = [list(s) for s in logits] if isinstance(logits[0], (list, tuple)) else [list(logits)]
    k = len(samples[0])
    for scores in samples:
        if len(scores) != k or not all(isinstance(z, Value) for z in scores):
            raise ValueError(
                f"cross_entropy expects every sample to have the same {k} class scores as Values"
            )
    if k < 2:
        raise ValueError("cross_entropy needs at least 2 class scores per sample")
    return samples


def _target_rows(targets: Any, n: int, k: int) -> np.ndarray:
    """Targets as an (n, k) array of class probabilities (one-hot for class indices)."""
    if _has_booleans(targets):
        raise TypeError("cross_entropy: class labels must be integers, got booleans")
    array = _numeric(targets, "cross_entropy")
    if array.shape == (n,) or (array.ndim == 0 and n == 1):
        labels = array.reshape(n)
        if not np.all(labels == np.round(labels)) or np.any(labels < 0) or np.any(labels >= k):
            bad = labels[(labels != np.round(labels)) | (labels < 0) | (labels >= k)]
            raise ValueError(f"cross_entropy: class labels must be integers in 0..{k - 1}, got {bad[:5]}")
        return np.eye(k)[labels.astype(int)]
    if array.shape == (n, k):
        if np.any(array < 0) or not np.allclose(array.sum(axis=1), 1.0, rtol=0, atol=1e-9):
            raise ValueError(
                "cross_entropy: target rows must be one-hot or probabilities (>= 0, summing to 1)"
            )
        return array
    raise ValueError(
        f"cross_entropy: {n} sample(s) with {k} classes need {n} class labels or an ({n}, {k}) array "
        f"of one-hot rows, got shape {array.shape}"
    )


def _cross_entropy_term(scores: list[Value], target: np.ndarray) -> Value:
    """``logsumexp(scores) - sum_j target_j * scores_j`` (scores scalar or batched; target (k,) or (B, k))."""
    top = np.max([z.data for z in scores], axis=0)  # a constant: logsumexp's gradient ignores it
    logsumexp = sum_values([(z - top).exp() for z in scores]).log() + top
    columns = target.T if target.ndim == 2 else target
    picked = sum_values([z * column for z, column in zip(scores, columns) if np.any(column != 0)])
    return logsumexp - picked


# --- shared checks -------------------------------------------------------------------------


def _has_booleans(targets: Any) -> bool:
    """True for ``True``, a boolean array, or a list holding a bool (numpy would turn it into 1)."""
    if isinstance(targets, (bool, np.bool_)):
        return True
    if isinstance(targets, np.ndarray):
        return targets.dtype == np.bool_
    return isinstance(targets, (list, tuple)) and any(isinstance(t, (bool, np.bool_)) for t in targets)


def _numeric(targets: Any, name: str) -> np.ndarray:
    if isinstance(targets, Value):
        raise TypeError(f"{name} expects plain targets (numbers or arrays), got a Value; pass its .data")
    try:
        array = np.asarray(targets, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} expects numeric targets, got {targets!r}") from None
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: targets must be finite")
    return array


def _check_probabilities(targets: Any, name: str) -> None:
    array = _numeric(targets, name)
    if np.any(array < 0) or np.any(array > 1):
        raise ValueError(f"{name} expects targets in [0, 1] (labels 0/1 or probabilities), got {targets!r}")


def _check_reduction(reduction: str, name: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"{name}: unknown reduction {reduction!r}; valid: {', '.join(map(repr, REDUCTIONS))}"
        )


LOSSES: dict[str, Callable[..., Value]] = {
    "mse": mse_loss,
    "bce": binary_cross_entropy,
    "bce_with_logits": binary_cross_entropy_with_logits,
    "cross_entropy": cross_entropy,
    "hinge": hinge_loss,
}


def resolve_loss(loss: Union[str, Callable[..., Value]]) -> Callable[..., Value]:
    """The loss function named ``loss`` (see ``LOSSES``), or ``loss`` itself if callable.

    Raises:
        ValueError: for an unknown name (the message lists the valid ones).
    """
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; valid names: {', '.join(map(repr, LOSSES))}")
        return LOSSES[loss]
    if not callable(loss):
        raise TypeError(
            f"loss must be a name or a callable (predictions, targets) -> Value, got {type(loss).__name__}"
        )
    return loss
