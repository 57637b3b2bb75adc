"""PyTorch's binary cross-entropy on a probability, built from the engine's ops.

PyTorch's ``binary_cross_entropy(p, t)`` is one primitive with its own derivative rule:

* value: ``-(t * max(log p, -100) + (1 - t) * max(log1p(-p), -100))``;
* gradient: ``(p - t) / max(p (1 - p), EPS)`` with ``EPS`` = 1e-12 rounded to float32
  (ATen's ``Loss.cpp``).

In the middle of [0, 1] the gradient is the derivative of the value. Within about 1e-12 of 0
or 1 it is not: there the true derivative grows like ``1/p`` (and is infinite at p = 0) while
PyTorch's stays below ``1/EPS``. :func:`torch_bce` gives both, as a graph of ordinary nodes
with the same structure for every ``p`` (so a recorded :class:`~autograd.Tape` replays it
correctly whatever the new data):

* ``slope``: a graph whose *derivative* is PyTorch's gradient everywhere: the cross-entropy
  of ``p`` clamped to the middle region, plus, in each end region, a quadratic whose slope
  is ``(p - t) / EPS``. ``relu`` switches each piece on in its own region only.
* ``value``: PyTorch's value, computed from ``p`` with clamped logs.
* the result is ``detached(value) + gradient_only(slope)``: the value of ``value``, exactly,
  and the gradient of ``slope``.

Both rest on one fact of floating point: for ``|x|`` below half the spacing of floats near
``BIG`` (2**62, spacing 1024), ``(x + BIG) - BIG`` is exactly 0, while its derivative in ``x``
is 1. So ``gradient_only(x) = (x + BIG) - BIG`` has the value 0 and the gradient of ``x``,
and ``detached(x) = x - gradient_only(x)`` has the value ``x`` and a gradient of exactly 0
(``g`` and ``-g`` meet in ``x``). Here ``|x|`` is at most a few hundred.

Example:
    >>> from autograd import Value
    >>> p = Value(0.0)
    >>> loss = torch_bce(p, 1.0)
    >>> loss.backward()
    >>> loss.data, p.grad          # log(0) taken as -100; gradient -1/EPS, not -infinity
    (100.0, -1000000003995.8029)
"""

from __future__ import annotations

import math
from typing import Any

from autograd import Value

__all__ = ["torch_bce", "EPS", "LOW_EDGE", "HIGH_EDGE"]

EPS = 9.999999960041972e-13  # 1e-12 as a float32, as ATen uses it
# The largest p with (1 - p) * p < EPS, and the smallest such p near 1: PyTorch's gradient
# uses EPS at and beyond these edges (checked in the tests).
LOW_EDGE = float.fromhex("0x1.1979980001357p-40")  # 9.99999996005197e-13
HIGH_EDGE = float.fromhex("0x1.fffffffffdcd1p-1")  # 0.999999999999
_AFTER_LOW = math.nextafter(LOW_EDGE, 1.0)
_BEFORE_HIGH = math.nextafter(HIGH_EDGE, 0.0)
_LOG_FLOOR = math.exp(-100.0)  # log(max(x, e^-100)) = max(log x, -100)
_BIG = 2.0**62  # spacing 1024: (x + _BIG) - _BIG == 0 for any |x| < 512


def torch_bce(p: Value, t: Any) -> Value:
    """Binary cross-entropy of probability ``p`` (scalar or batched) and target ``t``, with
    PyTorch's value and gradient (see the module's docstring)."""
    return _detached(_value(p, t)) + _gradient_only(_slope(p, t))


def _value(p: Value, t: Any) -> Value:
    return -(_floored_log(p) * t + _log1p_of_minus(p) * (1 - t))


def _slope(p: Value, t: Any) -> Value:
    """A graph whose derivative in ``p`` is ``(p - t) / max(p (1 - p), EPS)``; its value is
    of no use (at most a few tens)."""
    # ``min(x, b) = x - relu(x - b)`` and ``max(x, a) = x + relu(a - x)`` keep ``x`` exact where
    # it is not clamped, and relu'(0) = 0 puts each edge in exactly one region. Where a piece
    # is clamped, ``x`` gets its gradient twice, ``+h`` and ``-h``; each piece has its own
    # ``x`` (``p + 0.0``) so that the two meet there and cancel exactly, before ``p`` adds up
    # the pieces (in ``p`` itself, a large ``h`` would swamp the small gradients of the others).
    below = _at_most(p + 0.0, LOW_EDGE)  # p up to LOW_EDGE, then constant
    above = _at_least(p + 0.0, HIGH_EDGE)  # p from HIGH_EDGE on, constant before
    middle = _at_least(_at_most(p + 0.0, _BEFORE_HIGH), _AFTER_LOW)  # p between, constant outside
    # d/dp of each end piece: (p - t) / EPS, written about its edge so its value stays small.
    low_end = (below * below * 0.5 - below * t) / EPS
    high_end = ((above - 1) * (above - 1) * 0.5 + (above - 1) * (1 - t)) / EPS
    return low_end + high_end - (middle.log() * t + (1 - middle).log() * (1 - t))


def _at_most(x: Value, b: float) -> Value:
    return x - (x - b).relu()


def _at_least(x: Value, a: float) -> Value:
    return x + (a - x).relu()


def _floored_log(x: Value) -> Value:
    """``max(log x, -100)``, finite at ``x`` = 0."""
    return (x + (_LOG_FLOOR - x).relu()).log()


def _log1p_of_minus(p: Value) -> Value:
    """``max(log1p(-p), -100)``: ``log(u)`` for ``u = 1 - p`` (rounded), corrected by
    ``((1 - p) - u) / u``, which is exact in floats as ``-((u - 1) + p) / u`` (so tiny ``p``
    keeps its ``-p`` instead of rounding to 0)."""
    u = 1 - p
    floored = u + (_LOG_FLOOR - u).relu()
    return floored.log() - ((u - 1) + p) / floored


def _gradient_only(x: Value) -> Value:
    """Exactly 0, with the gradient of ``x`` (``|x|`` must stay below 512)."""
    return (x + _BIG) - _BIG


def _detached(x: Value) -> Value:
    """``x``, with a gradient of exactly 0 (``|x|`` must stay below 512)."""
    return x - _gradient_only(x)
