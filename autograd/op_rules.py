"""The op table's longer rules (:mod:`autograd.ops`): guarded forwards, long derivatives.
They take floats or 1-D arrays; a derivative may also take ``Value`` nodes.

Example:
    >>> sigmoid(0.0), gate(math.inf, -2.0), sign(-2.0)
    (0.5, 0.0, -1.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

_ndarray = np.ndarray


def data(x: Any) -> Any:
    """The plain number(s) behind ``x`` (not ``getattr(x, "data", x)``: an array's ``.data`` is memory)."""
    return x if isinstance(x, (float, int, _ndarray)) else x.data


def _is_array(x: Any) -> bool:
    return type(x) is _ndarray


def elementwise(scalar_fn: Callable[[float], float], array_fn: Callable[[Any], Any], name: str) -> Any:
    """One input: a float (``math``, fast), an array (numpy) or a ``Value`` (its method ``name``)."""

    def f(a: Any) -> Any:
        if type(a) is _ndarray:
            return array_fn(a)
        if not isinstance(a, (float, int)):
            return getattr(a, name)()
        try:
            return scalar_fn(a)
        except ValueError:  # math.sin(inf) raises; IEEE floats (numpy, PyTorch) give nan
            return math.nan

    return f


def different_batch_sizes(name: str, sizes: set[int]) -> ValueError:
    """The error for batched values of different sizes meeting in op ``name``."""
    return ValueError(
        f"{name}: batched values of different sizes meet ({' and '.join(map(str, sorted(sizes)))} "
        f"samples); every batched value in one graph must hold the same number of samples"
    )


# --- guarded forwards ----------------------------------------------------------------------


def divide(a: Any, b: Any) -> Any:
    zero = np.any(np.asarray(b) == 0) if _is_array(a) or _is_array(b) else b == 0
    if zero:
        raise ZeroDivisionError(f"div: division by zero ({a!r} / {b!r})")
    return a / b


def power(a: Any, b: Any) -> Any:
    if _is_array(a) or _is_array(b):
        if np.any((np.asarray(a) == 0) & (np.asarray(b) < 0)):
            raise ZeroDivisionError(f"pow: zero raised to a negative power ({a!r} ** {b!r})")
        if np.any((np.asarray(a) < 0) & np.isfinite(b) & (np.asarray(b) != np.round(b))):
            raise ValueError(f"pow: negative base with a non-integer exponent ({a!r} ** {b!r})")
        with np.errstate(over="ignore"):
            return _refuse_overflow("pow", np.power(a, b), a, b)
    if a == 0 and b < 0:
        raise ZeroDivisionError(f"pow: zero raised to a negative power ({a!r} ** {b!r})")
    if a < 0 and math.isfinite(b) and not float(b).is_integer():  # (-2) ** inf is inf (IEEE)
        raise ValueError(f"pow: negative base with a non-integer exponent ({a!r} ** {b!r})")
    try:
        return float(a) ** b
    except OverflowError:
        raise OverflowError(f"pow: result too large for a float ({a!r} ** {b!r})") from None


def _refuse_overflow(name: str, out: np.ndarray, *inputs: Any) -> np.ndarray:
    """Raise ``OverflowError`` where finite inputs gave an infinite result, as ``math`` does."""
    finite = np.ones(out.shape, dtype=bool)
    for x in inputs:
        finite &= np.isfinite(x)
    overflowed = np.isinf(out) & finite
    if overflowed.any():
        sample = int(np.flatnonzero(overflowed)[0])
        raise OverflowError(f"{name}: result too large for a float (sample {sample} of the batch)")
    return out


def exp(a: Any) -> Any:
    if _is_array(a):
        with np.errstate(over="ignore"):
            return _refuse_overflow("exp", np.exp(a), a)
    try:
        return math.exp(a)
    except OverflowError:
        raise OverflowError(f"exp: result too large for a float (exp({a!r}))") from None


def log(a: Any) -> Any:
    if not isinstance(a, (float, int, _ndarray)):
        return a.log()  # a Value, in a derivative being differentiated
    if np.any(a <= 0) if _is_array(a) else a <= 0:
        raise ValueError(f"log: defined only for positive inputs, got {a!r}")
    return np.log(a) if _is_array(a) else math.log(a)


def sqrt(a: Any) -> Any:
    if np.any(a < 0) if _is_array(a) else a < 0:
        raise ValueError(f"sqrt: defined only for non-negative inputs, got {a!r}")
    return np.sqrt(a) if _is_array(a) else math.sqrt(a)


def _sigmoid(a: Any) -> Any:
    # Stable for any |a|: exp is only ever taken of a non-positive number.
    if _is_array(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


sigmoid = elementwise(_sigmoid, _sigmoid, "sigmoid")


def softplus(a: Any) -> Any:
    # log(1 + e^a) = max(a, 0) + log1p(e^-|a|): finite for any |a|.
    if _is_array(a):
        return np.maximum(a, 0.0) + np.log1p(np.exp(-np.abs(a)))
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


def relu(a: Any) -> Any:
    # ``0.0 if a <= 0``, not ``a if a > 0``: NaN passes through, as in numpy and PyTorch.
    return np.maximum(a, 0.0) if type(a) is _ndarray else (0.0 if a <= 0 else a)


def _as_matrix(weights: tuple[Any, ...], inputs: tuple[Any, ...]) -> tuple[Any, Any] | None:
    """For a batched neuron (numbers as weights, a batch for every input): the weights as a
    vector and the inputs as an (n, batch) matrix, for one matrix product; else ``None``."""
    if set(map(type, inputs)) == {_ndarray} and _ndarray not in set(map(type, weights)):
        sizes = {len(x) for x in inputs}
        if len(sizes) > 1:
            raise different_batch_sizes("dot", sizes)
        return np.array(weights, dtype=np.float64), np.array(inputs)
    return None


def dot(*args: Any) -> Any:
    """``w0 * x0 + ... + w(n-1) * x(n-1) [+ bias]`` from ``(w0, ..., x0, ..., [bias])``."""
    n = len(args) // 2
    # The type test first: scalar values never pay for the batched check.
    if n and type(args[n]) is _ndarray and (matrix := _as_matrix(args[:n], args[n : 2 * n])):
        total = matrix[0] @ matrix[1]
    else:  # a plain loop: on Python 3.11 faster than sum(map(...)) for a neuron
        total = 0.0
        for i in range(n):
            total += args[i] * args[n + i]
    return total + args[-1] if len(args) % 2 else total


# --- derivatives ---------------------------------------------------------------------------


def pow_vjp(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # d/da a**b = b * a**(b-1) as arithmetic (differentiable again); b / a * a**b at b == 0 (the
    # same 0, keeping d2/da db = 1/a, no overflow at a tiny a); +inf at a == 0 with 0 < b < 1 (as
    # PyTorch), its derivative -inf (as sqrt's). Each sample of a batch takes its own form.
    ad, bd = data(a), data(b)
    batched = _is_array(ad) or _is_array(bd)
    da: Any
    if ad is not a and a.op == "const":  # a number in a derivative graph: no term (it may overflow)
        da = None
    elif batched and np.any((ad == 0) & (bd < 1) | (bd == 0)):
        m = np.asarray((ad == 0) & (bd < 1), dtype=np.float64) * np.ones_like(bd)  # the +inf samples
        k, r = np.asarray(bd != 0, dtype=np.float64), a + m  # r: 1 where the +inf form is taken
        da = b / (r * (1 - k) + k) * r ** (b - k) if np.any(bd == 0) else b * r ** (b - 1)
        if m.any():
            da = -b * out / (1 + a * m) * m + da * (1 - m) + np.where(m * bd > 0, np.inf, 0)
    elif not batched and bd == 0:
        da = 0.0 if ad == 0 else b / a
    elif not batched and ad == 0 and bd < 1:
        da = -b * out / (a + 1.0) + math.inf
    else:
        try:
            da = b * a ** (b - 1)
        except OverflowError:  # a ** (b-1) overflows where the derivative may not (tiny a, b)
            if np.any(ad == 0):
                raise
            da = b * out / a
    # d/db a**b = out * log(a): real for a > 0; 0 at a == 0, b >= 0 (the limit); else nan. Kept a
    # graph per sample (log of 1 where a <= 0, times 0 or nan), so its derivatives are too.
    if _is_array(ad) and not np.all(ad > 0):
        mask = np.where(ad > 0, 1.0, np.where((ad == 0) & (bd >= 0), 0.0, np.nan))
        positive = np.where(ad > 0, 1.0, 0.0)  # a * 0 + 1 where a <= 0, not a + (1 - a): 1e300 cancels
        db = out * log(a * positive + (1.0 - positive)) * mask
    elif _is_array(ad) or ad > 0:
        db = out * log(a)
    elif ad == 0:  # per sample for a batched exponent: NaN where it is NaN
        db = np.where(bd >= 0, 0.0, math.nan) if _is_array(bd) else (0.0 if bd >= 0 else out * math.nan)
    else:
        db = out * math.nan
    return (0.0 if da is None else g * da), g * db


def sqrt_vjp(g: Any, out: Any, a: Any) -> tuple[Any]:
    # sqrt'(0) = +inf, as in PyTorch, written 0.5 / (out + 1) + inf there: its derivative,
    # -0.5 * sqrt'(0), is -inf (PyTorch's), and the other samples of a batch keep 0.5 / out.
    od = data(out)
    if _is_array(od) and np.any(od == 0):
        m = np.asarray(od == 0, dtype=np.float64)
        return (g * (0.5 / (out + m) + np.where(od == 0, math.inf, 0.0)),)
    return (g * (0.5 / (out + 1.0) + math.inf),) if not _is_array(od) and od == 0 else (g * 0.5 / out,)


def dot_vjp(g: Any, out: Any, *args: Any) -> tuple[Any, ...]:
    # d/dw_i = x_i, d/dx_i = w_i, d/dbias = 1.
    n = len(args) // 2
    if n and type(args[n]) is _ndarray and (matrix := _as_matrix(args[:n], args[n : 2 * n])):
        # Batched: each weight's gradient summed over the batch (x @ g), each input's per sample.
        w, x = matrix
        g = g if type(g) is _ndarray else np.full(x.shape[1], g)  # a number: each sample's (a 0 from gate)
        grads = [*(x @ g).tolist(), *np.outer(w, g)]
        return (*grads, g) if len(args) % 2 else tuple(grads)
    grads = [g] * len(args)  # the bias (if any) keeps g
    for i in range(n):
        grads[i] = g * args[n + i]
        grads[n + i] = g * args[i]
    return tuple(grads)


def gate(g: Any, a: Any, op: Any = None) -> Any:
    """``g`` where ``a > 0`` or is NaN, else 0 (PyTorch's ``threshold_backward``): relu's derivative
    as a selection. Given a ``Value``, an ``op`` node (the table's gate): differentiable again."""
    if type(a) is float and type(g) is float:  # the common case first
        return 0.0 if a <= 0 else g
    if data(g) is not g or data(a) is not a:  # Values: a node of parents (g, a), numbers lifted
        return g._binary(op, a) if data(g) is not g else a._binary(op, g, True)
    if type(a) is _ndarray or type(g) is _ndarray:
        return np.where(a <= 0, 0.0, g)
    return 0.0 if a <= 0 else g


def sign(x: Any) -> Any:
    """-1, 0 or 1 (a constant: abs's derivative); 0 for NaN, as PyTorch's ``abs`` derivative."""
    d = data(x)
    return (d > 0) - (d < 0).astype(float) if type(d) is _ndarray else float((d > 0) - (d < 0))
