"""Choosing among values as graph nodes: ``gather`` (the value at an index) and ``logsumexp``.

Both make one node over a list of values, and both read the data only inside their rules, so a
recorded graph (:class:`~autograd.Tape`, :func:`~autograd.trace`) recomputes the choice on
every replay:

* ``gather(values, index)`` is ``values[index]`` where the index is itself a ``Value`` holding
  an integer (a token id, a class label): the index is data, not graph structure. The gradient
  flows to the chosen value only; the index gets zero.
* ``logsumexp(values)`` is ``log(sum(exp(v) for v in values))``, computed as
  ``m + log(sum(exp(v - m)))`` with the shift ``m = max(values)`` taken inside the forward
  rule: it cannot overflow, and a replay shifts by the new maximum (a softmax that subtracts a
  max read from ``.data`` freezes that number into a recording). Its derivative is the softmax,
  ``g * exp(v - out)``. Cross-entropy is ``logsumexp(logits) - gather(logits, target)``.

Inputs may be floats, batched values (one number per sample; a batched index picks per
sample) and, inside a derivative being differentiated, ``Value`` nodes.

Example:
    >>> from autograd import Value, gather, logsumexp
    >>> logits, target = [Value(1.0), Value(2.0), Value(3.0)], Value(2)
    >>> loss = logsumexp(logits) - gather(logits, target)
    >>> round(loss.data, 6)
    0.407606
    >>> loss.backward()
    >>> [round(x.grad, 6) for x in logits]       # softmax - one_hot(target)
    [0.090031, 0.244728, -0.334759]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from autograd.nary import _lift_all
from autograd.op_rules import data, different_batch_sizes
from autograd.ops import register_op
from autograd.value import Operand, Value, apply_op

__all__ = ["gather", "logsumexp"]

_ndarray = np.ndarray


# --- gather -------------------------------------------------------------------------------------


def _checked_index(index: Any, n: int) -> Any:
    """``index`` as an int (or an int array, one per sample); a clear error if it names no value."""
    if type(index) is _ndarray:
        if not np.all(np.isfinite(index)) or np.any(index != np.round(index)):
            raise ValueError(f"gather: the index must hold integers, got {index!r}")
        if np.any((index < 0) | (index >= n)):
            raise IndexError(f"gather: index {index!r} out of range for {n} values (0 to {n - 1})")
        return index.astype(np.intp)
    if not (isinstance(index, (int, float)) and math.isfinite(index) and index == int(index)):
        raise ValueError(f"gather: the index must be an integer, got {index!r}")
    if not 0 <= index < n:
        raise IndexError(f"gather: index {index!r} out of range for {n} values (0 to {n - 1})")
    return int(index)


def _gather(index: Any, *values: Any) -> Any:
    k = _checked_index(index, len(values))
    if type(k) is int:
        return values[k]
    # A batched index: each sample takes its own value (a float stands for every sample).
    sizes = {len(v) for v in (*values, k) if type(v) is _ndarray}
    if len(sizes) > 1:
        raise different_batch_sizes("gather", sizes)
    columns = np.stack(np.broadcast_arrays(*values, k)[:-1])
    return columns[k, np.arange(len(k))]


def _gather_vjp(g: Any, out: Any, index: Any, *values: Any) -> tuple[Any, ...]:
    k = _checked_index(data(index), len(values))
    if type(k) is int:
        grads: list[Any] = [0.0] * len(values)
        grads[k] = g
        return (0.0, *grads)
    # Per sample: g where the sample chose this value, 0 elsewhere (the core sums a scalar
    # value's share over the batch).
    return (np.zeros(len(k)), *[g * (k == j).astype(np.float64) for j in range(len(values))])


_GATHER = register_op("gather", _gather, _gather_vjp, nary=True)


def gather(values: Sequence[Operand], index: Operand) -> Value:
    """``values[index]`` as a graph node, with the index a ``Value`` (data, not structure).

    Args:
        values: the values to choose from (``Value`` s or numbers), at least one.
        index: a ``Value`` (or number) holding an integer from 0 to ``len(values) - 1``; a
            batched index chooses per sample.

    Raises:
        ValueError: if ``values`` is empty or the index is not an integer.
        IndexError: if the index is out of range.
        TypeError: if an entry is not a ``Value`` or a number.

    Example:
        >>> from autograd import Value, gather
        >>> row = [Value(0.5), Value(-1.0), Value(2.0)]
        >>> y = gather(row, Value(1))
        >>> y.data
        -1.0
        >>> (3 * y).backward()
        >>> [x.grad for x in row]
        [0.0, 3.0, 0.0]
    """
    if isinstance(values, (Value, str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"gather: values must be a list of Values, got {type(values).__name__}")
    if not values:
        raise ValueError("gather: there is nothing to choose from (values is empty)")
    return apply_op(_GATHER, (*_lift_all((index,), "index"), *_lift_all(values, "values")))


# --- logsumexp ----------------------------------------------------------------------------------


def _exp(x: Any) -> Any:
    if type(x) is _ndarray:
        return np.exp(x)
    return math.exp(x) if isinstance(x, (float, int)) else x.exp()


def _logsumexp(*values: Any) -> Any:
    if any(type(v) is _ndarray for v in values):
        return _logsumexp_batch(values)
    top = max(values)
    if not -math.inf < top < math.inf:
        # +inf: the result is +inf; -inf: every input is -inf (log 0); NaN, or a NaN first.
        return math.nan if any(v != v for v in values) else top
    # top + log(1 + the other terms): log1p keeps the digits of a sum near 1 that log loses.
    rest, skipped = 0.0, False
    for v in values:
        if v == top and not skipped:
            skipped = True
        else:
            rest += math.exp(v - top)
    return top + math.log1p(rest)


def _logsumexp_batch(values: Sequence[Any]) -> Any:
    sizes = {len(v) for v in values if type(v) is _ndarray}
    if len(sizes) > 1:
        raise different_batch_sizes("logsumexp", sizes)
    stacked = np.stack(np.broadcast_arrays(*values))
    top = stacked.max(axis=0)  # NaN if a sample has one
    finite = np.isfinite(top)
    with np.errstate(invalid="ignore"):
        terms = np.exp(stacked - np.where(finite, top, 0.0))
    terms[stacked.argmax(axis=0), np.arange(stacked.shape[1])] = 0.0  # the top's own term, 1
    return np.where(finite, top + np.log1p(terms.sum(axis=0)), top)


def _logsumexp_vjp(g: Any, out: Any, *values: Any) -> tuple[Any, ...]:
    # d/dv_i = exp(v_i - out), the softmax: written with exp so that it differentiates again.
    return tuple(g * _exp(v - out) for v in values)


_LOGSUMEXP = register_op("logsumexp", _logsumexp, _logsumexp_vjp, nary=True)


def logsumexp(values: Iterable[Operand]) -> Value:
    """``log(sum(exp(v) for v in values))`` as one node, shifted by the maximum inside the rule.

    Stable for any inputs (no overflow; ``+inf`` in, ``+inf`` out; all ``-inf`` gives
    ``-inf``); its gradient is the softmax of ``values``. A softmax is
    ``[(v - lse).exp() for v in values]`` with ``lse = logsumexp(values)``, and the
    cross-entropy of a target is ``logsumexp(logits) - gather(logits, target)``.

    Raises:
        ValueError: if ``values`` is empty.
        TypeError: if an entry is not a ``Value`` or a number.

    Example:
        >>> from autograd import Value, logsumexp
        >>> x = [Value(1000.0), Value(1000.0)]      # exp(1000) overflows; this does not
        >>> y = logsumexp(x)
        >>> round(y.data - 1000.0, 6)               # log(2)
        0.693147
        >>> y.backward()
        >>> [v.grad for v in x]
        [0.5, 0.5]
    """
    if isinstance(values, (Value, str, bytes)):
        raise TypeError(f"logsumexp: values must be a list of Values, got {type(values).__name__}")
    parents = _lift_all(values, "values")
    if not parents:
        raise ValueError("logsumexp: the log of an empty sum is undefined (values is empty)")
    return apply_op(_LOGSUMEXP, parents)
