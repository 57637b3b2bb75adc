"""The table of primitive operations: each op's forward rule and its local derivative, once.

Every rule below uses one vocabulary:

* ``a``, ``b`` (or ``*args``) are the op's inputs, ``out`` is its forward result;
* ``g`` is the upstream gradient (d loss / d out);
* a vector-Jacobian product (``vjp``) returns one gradient per input, in input order.

For a batched op (``g`` holds one gradient per sample) a scalar input's gradient is the sum
over the batch; the backward pass does that sum, unless the rule returns it already summed
(``dot`` does: one matrix product gives every weight's summed gradient).

Inputs are floats, 1-D numpy arrays (one value per sample), or -- when a derivative is itself
being differentiated -- :class:`~autograd.Value` nodes. The rules are written with arithmetic
and the ``_call`` helper only, so the same line serves all three. A composite (``a - b``,
``a / b`` written as ``a * b**-1`` ...) needs no rule of its own; only primitives live here.

Adding an op is one :func:`register_op` call plus its tests.

Example:
    >>> OPS["tanh"].forward(0.0)
    0.0
    >>> OPS["mul"].vjp(1.0, 6.0, 2.0, 3.0)
    (3.0, 2.0)
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Op", "OPS", "register_op"]

_ndarray = np.ndarray


@dataclass(frozen=True, slots=True)
class Op:
    """A primitive: its name, forward rule and vector-Jacobian product."""

    name: str
    forward: Callable[..., Any]
    vjp: Callable[..., tuple[Any, ...]]
    nary: bool = False

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


OPS: dict[str, Op] = {}


def register_op(
    name: str, forward: Callable[..., Any], vjp: Callable[..., tuple[Any, ...]], nary: bool = False
) -> Op:
    """Add a primitive to the table and return it.

    ``forward(*inputs)`` must accept floats and 1-D float64 arrays; ``vjp(g, out, *inputs)``
    must be written with arithmetic (and :func:`_call`) so it also accepts ``Value`` nodes.

    Both rules are also run once on symbols (:mod:`autograd.rule_expressions`): where a rule is
    arithmetic alone its expression replaces the call in ``backward`` and in straight-line
    tapes. So a rule must compute the same thing whatever kind of number it is given: it may
    test for arrays (``type(x) is np.ndarray``) and compare values, but must not take a
    different arithmetic path for a float than for any other number-like object.
    """
    if name in OPS:
        raise ValueError(f"an op named {name!r} is already registered")
    if not (callable(forward) and callable(vjp)):
        raise TypeError(f"register_op({name!r}): forward and vjp must be callables")
    op = Op(name, forward, vjp, nary)
    OPS[name] = op
    return op


def _call(name: str, x: Any) -> Any:
    """Apply the unary op ``name`` to a float, an array or a ``Value`` (higher-order rules)."""
    if isinstance(x, (float, int, _ndarray)):
        return OPS[name].forward(x)
    return x._unary(OPS[name])


def _data(x: Any) -> Any:
    """The plain number(s) behind ``x``: used where a rule only needs a constant (a step)."""
    # Not ``getattr(x, "data", x)``: a numpy array's ``.data`` is its memory buffer.
    return x if isinstance(x, (float, int, _ndarray)) else x.data


def _is_array(x: Any) -> bool:
    return type(x) is _ndarray


def _math(scalar_fn: Callable[[float], float], array_fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """One forward for both floats (``math``: fast on scalars) and arrays (``numpy``)."""

    def forward(a: Any) -> Any:
        if type(a) is _ndarray:
            return array_fn(a)
        try:
            return scalar_fn(a)
        except ValueError:  # math.sin(inf) raises; IEEE floats (numpy, PyTorch) give nan
            return math.nan

    return forward


# --- forwards that need more than one line -------------------------------------------------


def different_batch_sizes(name: str, sizes: set[int]) -> ValueError:
    """The error for batched values of different sizes meeting in op ``name``."""
    return ValueError(
        f"{name}: batched values of different sizes meet ({' and '.join(map(str, sorted(sizes)))} "
        f"samples); every batched value in one graph must hold the same number of samples"
    )


def _divide(a: Any, b: Any) -> Any:
    if _is_array(b) or _is_array(a):
        if np.any(np.asarray(b) == 0):
            raise ZeroDivisionError(f"div: division by zero ({a!r} / {b!r})")
        return a / b
    if b == 0:
        raise ZeroDivisionError(f"div: division by zero ({a!r} / {b!r})")
    return a / b


def _power(a: Any, b: Any) -> Any:
    if _is_array(a) or _is_array(b):
        if np.any((np.asarray(a) == 0) & (np.asarray(b) < 0)):
            raise ZeroDivisionError(f"pow: zero raised to a negative power ({a!r} ** {b!r})")
        if np.any((np.asarray(a) < 0) & (np.asarray(b) != np.round(b))):
            raise ValueError(f"pow: negative base with a non-integer exponent ({a!r} ** {b!r})")
        with np.errstate(over="ignore"):
            return _refuse_overflow("pow", np.power(a, b), a, b)
    if a == 0 and b < 0:
        raise ZeroDivisionError(f"pow: zero raised to a negative power ({a!r} ** {b!r})")
    if a < 0 and not float(b).is_integer():
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


def _exp(a: Any) -> Any:
    if _is_array(a):
        with np.errstate(over="ignore"):
            out = np.exp(a)
        return _refuse_overflow("exp", out, a)
    try:
        return math.exp(a)
    except OverflowError:
        raise OverflowError(f"exp: result too large for a float (exp({a!r}))") from None


def _log(a: Any) -> Any:
    if _is_array(a):
        if np.any(a <= 0):
            raise ValueError(f"log: defined only for positive inputs, got {a!r}")
        return np.log(a)
    if a <= 0:
        raise ValueError(f"log: defined only for positive inputs, got {a!r}")
    return math.log(a)


def _sqrt(a: Any) -> Any:
    if _is_array(a):
        if np.any(a < 0):
            raise ValueError(f"sqrt: defined only for non-negative inputs, got {a!r}")
        return np.sqrt(a)
    if a < 0:
        raise ValueError(f"sqrt: defined only for non-negative inputs, got {a!r}")
    return math.sqrt(a)


def _sigmoid(a: Any) -> Any:
    # Stable for any |a|: exp is only ever taken of a non-positive number.
    if _is_array(a):
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _softplus(a: Any) -> Any:
    # log(1 + e^a) = max(a, 0) + log1p(e^-|a|): finite for any |a|.
    if _is_array(a):
        return np.maximum(a, 0.0) + np.log1p(np.exp(-np.abs(a)))
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


def _relu(a: Any) -> Any:
    return np.maximum(a, 0.0) if type(a) is _ndarray else (a if a > 0 else 0.0)


def _as_matrix(weights: tuple[Any, ...], inputs: tuple[Any, ...]) -> tuple[Any, Any] | None:
    """For a batched neuron (numbers as weights, a batch for every input): the weights as a
    vector and the inputs as an (n, batch) matrix. ``None`` for any other mix.

    ``dot`` is then one numpy matrix product instead of n Python-level operations on arrays.
    """
    if set(map(type, inputs)) == {_ndarray} and _ndarray not in set(map(type, weights)):
        sizes = {len(x) for x in inputs}
        if len(sizes) > 1:
            raise different_batch_sizes("dot", sizes)
        return np.array(weights, dtype=np.float64), np.array(inputs)
    return None


def _dot(*args: Any) -> Any:
    n = len(args) // 2
    # The type test first: scalar values never pay for the batched check.
    if n and type(args[n]) is _ndarray and (matrix := _as_matrix(args[:n], args[n : 2 * n])):
        w, x = matrix
        total = w @ x
    else:
        # A plain loop: on Python 3.11 it beats sum(map(...)) and a comprehension for a neuron.
        total = 0.0
        for i in range(n):
            total += args[i] * args[n + i]
    return total + args[-1] if len(args) % 2 else total


# --- derivatives that need more than one line ----------------------------------------------


def _pow_vjp(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # d/da a**b = b * a**(b-1), written as arithmetic on the inputs so that it can be
    # differentiated again. At b == 0 it is written b / a: the same 0, but its derivatives
    # stay finite (no 0 * a**-2) and d2/da db = 1/a is kept. Where a**(b-1) fails (a == 0 with
    # b < 1) it is a constant: +inf for 0 < b < 1 (as in PyTorch), 0 at b == 0.
    ad, bd = _data(a), _data(b)
    da: Any
    db: Any
    if _is_array(ad) or _is_array(bd):
        if np.any((ad == 0) & (bd < 1)):
            with np.errstate(divide="ignore", invalid="ignore"):
                da = np.where(bd == 0, 0.0, bd * np.power(ad, bd - 1.0))
        elif np.any(bd == 0):  # per sample: b / a * a**b where b == 0, b * a**(b-1) elsewhere
            k = np.asarray(bd != 0, dtype=np.float64)
            da = b / (a * (1 - k) + k) * a ** (b - k)
        else:
            da = b * a ** (b - 1)
    elif bd == 0:
        da = 0.0 if ad == 0 else b / a
    elif ad == 0 and bd < 1:
        da = math.inf
    else:
        try:
            da = b * a ** (b - 1)
        except OverflowError:  # a ** (b-1) overflows where the derivative may not (tiny a, b)
            da = b * out / a
    # d/db a**b = out * log(a): real only for a > 0. At a == 0 (b > 0) the limit is 0;
    # for a < 0 it is undefined and reported as nan (this is the case for every constant
    # exponent applied to a negative base; the nan lands on the constant and goes nowhere).
    if _is_array(ad) and not np.all(ad > 0):
        with np.errstate(divide="ignore", invalid="ignore"):
            db = np.where(
                ad > 0, _data(out) * np.log(np.where(ad > 0, ad, 1.0)), np.where(ad == 0, 0.0, np.nan)
            )
    elif _is_array(ad) or ad > 0:
        db = out * _call("log", a)
    else:
        db = 0.0 if ad == 0 else math.nan
    return g * da, g * db


def _sqrt_vjp(g: Any, out: Any, a: Any) -> tuple[Any]:
    # sqrt'(0) = +inf, as in PyTorch (a constant there; elsewhere 0.5 / out stays differentiable).
    od = _data(out)
    if _is_array(od) and np.any(od == 0):
        with np.errstate(divide="ignore"):
            return (g * (0.5 / od),)
    if not _is_array(od) and od == 0:
        return (g * math.inf,)
    return (g * 0.5 / out,)


def _dot_vjp(g: Any, out: Any, *args: Any) -> tuple[Any, ...]:
    # d/dw_i = x_i, d/dx_i = w_i, d/dbias = 1.
    n = len(args) // 2
    if n and type(args[n]) is _ndarray and (matrix := _as_matrix(args[:n], args[n : 2 * n])):
        # Batched: each weight's gradient summed over the batch (x @ g), each input's per sample.
        w, x = matrix
        grads = [*(x @ g).tolist(), *np.outer(w, g)]
        return (*grads, g) if len(args) % 2 else tuple(grads)
    grads = [g] * len(args)  # the bias (if any) keeps g
    for i in range(n):
        grads[i] = g * args[n + i]
        grads[n + i] = g * args[i]
    return tuple(grads)


def _step(x: Any) -> Any:
    """1 where x > 0, else 0 (a constant: its own derivative is zero almost everywhere)."""
    if type(x) is float:  # the common case first: one test, no call
        return 1.0 if x > 0 else 0.0
    d = _data(x)
    return (d > 0).astype(float) if type(d) is _ndarray else (1.0 if d > 0 else 0.0)


def _sign(x: Any) -> Any:
    d = _data(x)
    return np.sign(d) if type(d) is _ndarray else float((d > 0) - (d < 0))


# --- the table -----------------------------------------------------------------------------

# arithmetic
register_op("add", operator.add, lambda g, out, a, b: (g, g))
register_op("sub", operator.sub, lambda g, out, a, b: (g, -g))
register_op("mul", operator.mul, lambda g, out, a, b: (g * b, g * a))
register_op("div", _divide, lambda g, out, a, b: (g / b, -g * out / b))
register_op("neg", operator.neg, lambda g, out, a: (-g,))
register_op("identity", lambda a: a, lambda g, out, a: (g,))
register_op("pow", _power, _pow_vjp)

# n-ary: one node for a whole sum or weighted sum
register_op("sum", lambda *args: sum(args, 0.0), lambda g, out, *args: (g,) * len(args), nary=True)
# dot(w1..wn, x1..xn[, bias]) = sum(w_i * x_i) + bias
register_op("dot", _dot, _dot_vjp, nary=True)

# exponentials
register_op("exp", _exp, lambda g, out, a: (g * out,))
register_op("log", _log, lambda g, out, a: (g / a,))
register_op("sqrt", _sqrt, _sqrt_vjp)
register_op("softplus", _softplus, lambda g, out, a: (g * _call("sigmoid", a),))

# squashing
register_op("tanh", _math(math.tanh, np.tanh), lambda g, out, a: (g * (1 - out * out),))
register_op("sigmoid", _sigmoid, lambda g, out, a: (g * out * (1 - out),))

# trigonometry
register_op("sin", _math(math.sin, np.sin), lambda g, out, a: (g * _call("cos", a),))
register_op("cos", _math(math.cos, np.cos), lambda g, out, a: (-g * _call("sin", a),))

# kinks
# relu'(0) = 0, as in PyTorch and micrograd.
register_op("relu", _relu, lambda g, out, a: (g * _step(a),))
# abs'(0) = 0 (the subgradient PyTorch picks: sign(0) = 0).
register_op("abs", _math(abs, np.abs), lambda g, out, a: (g * _sign(a),))

# batches: reduce the per-sample values of a batched node to one scalar
register_op(
    "batch_sum",
    lambda a: float(np.sum(a)),
    lambda g, out, a: (g * np.ones_like(_data(a)),),
)
