"""The table of primitive operations: each op's forward rule and its local derivative, once.

One vocabulary: ``a``, ``b`` (or ``*args``) are the inputs, ``out`` the forward result, ``g``
the upstream gradient (d loss / d out); a vector-Jacobian product (``vjp``) returns one
gradient per input. Inputs are floats, 1-D arrays (one value per sample) or -- when a
derivative is itself differentiated -- ``Value`` nodes: rules are written with arithmetic so
that one line serves all three. Longer rules live in :mod:`autograd.op_rules`. Adding an op
is one :func:`register_op` call plus its tests.

Example:
    >>> OPS["mul"].forward(2.0, 3.0), OPS["mul"].vjp(1.0, 6.0, 2.0, 3.0)
    (6.0, (3.0, 2.0))
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import op_rules as r

__all__ = ["Op", "OPS", "CONSTANT", "register_op", "op_named"]


class Op:
    """A primitive: its name, forward rule and vector-Jacobian product; equal to its name.

    The speed layer (:mod:`autograd.speed`) may fill two slots, which the core then uses:
    ``fast_forward(parents)`` (the op's data from its parent nodes) and ``fast_step(node)``
    (the op's step of the backward pass). Each must give the same bits as the plain rules.
    """

    __slots__ = ("name", "forward", "vjp", "nary", "fast_forward", "fast_step")

    def __init__(self, name: str, forward: Callable[..., Any], vjp: Callable[..., Any], nary: bool = False):
        self.name, self.forward, self.vjp, self.nary = name, forward, vjp, nary
        self.fast_forward: Callable[[tuple[Any, ...]], Any] | None = None
        self.fast_step: Callable[[Any], None] | None = None

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, str) and other == self.name)

    def __hash__(self) -> int:
        return hash(self.name)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    def __reduce__(self) -> Any:  # pickled and deep-copied by name: the rules stay in the table
        return (op_named, (self.name,))


OPS: dict[str, Op] = {}
# Marks a number that an operator wrapped into a ``Value`` (``x * 2``: the ``2``); not in the table.
CONSTANT = Op("const", lambda: None, lambda g, out: ())


def op_named(name: str) -> Op:
    """The op called ``name`` (``"const"`` included): how a pickled op finds itself again."""
    return CONSTANT if name == "const" else OPS[name]


def register_op(name: str, forward: Callable[..., Any], vjp: Callable[..., Any], nary: bool = False) -> Op:
    """Add a primitive to the table and return it.

    ``forward(*inputs)`` takes floats and 1-D arrays; ``vjp(g, out, *inputs)`` also ``Value``
    nodes. The speed layer runs both on symbols to write them out, so a rule may test for
    arrays and compare values, but must not compute a float differently from another number.
    """
    if name in OPS:
        raise ValueError(f"an op named {name!r} is already registered")
    if not (callable(forward) and callable(vjp)):
        raise TypeError(f"register_op({name!r}): forward and vjp must be callables")
    OPS[name] = op = Op(name, forward, vjp, nary)
    return op


# arithmetic
register_op("add", operator.add, lambda g, out, a, b: (g, g))
register_op("sub", operator.sub, lambda g, out, a, b: (g, -g))
register_op("mul", operator.mul, lambda g, out, a, b: (g * b, g * a))
register_op("div", r.divide, lambda g, out, a, b: (g / b, -g * out / b))
register_op("neg", operator.neg, lambda g, out, a: (-g,))
register_op("identity", lambda a: a, lambda g, out, a: (g,))
register_op("pow", r.power, r.pow_vjp)

# n-ary: one node for a whole sum or weighted sum
register_op("sum", lambda *args: sum(args, 0.0), lambda g, out, *args: (g,) * len(args), nary=True)
# dot(w1..wn, x1..xn[, bias]) = sum(w_i * x_i) + bias
register_op("dot", r.dot, r.dot_vjp, nary=True)

# exponentials
register_op("exp", r.exp, lambda g, out, a: (g * out,))
register_op("log", r.log, lambda g, out, a: (g / a,))
register_op("sqrt", r.sqrt, r.sqrt_vjp)
register_op("softplus", r.softplus, lambda g, out, a: (g * r.sigmoid(a),))

# squashing
register_op("tanh", r.elementwise(math.tanh, np.tanh, "tanh"), lambda g, out, a: (g * (1 - out * out),))
register_op("sigmoid", r.sigmoid, lambda g, out, a: (g * out * (1 - out),))

# trigonometry
_sin, _cos = r.elementwise(math.sin, np.sin, "sin"), r.elementwise(math.cos, np.cos, "cos")
register_op("sin", _sin, lambda g, out, a: (g * _cos(a),))
register_op("cos", _cos, lambda g, out, a: (-g * _sin(a),))

# kinks: relu'(0) = abs'(0) = 0, as in PyTorch (sign(0) = 0) and micrograd. relu's derivative
# selects, gate(g, a) = g where a > 0, else 0 (``g * step(a)`` would make inf * 0 = nan).
register_op("relu", r.relu, lambda g, out, a: (r.gate(g, a, _GATE),))
_GATE: Op = register_op("gate", r.gate, lambda g, out, x, a: (r.gate(g, a, _GATE), 0.0))
register_op("abs", r.elementwise(abs, np.abs, "abs"), lambda g, out, a: (g * r.sign(a),))

# batches: reduce the per-sample values of a batched node to one scalar
register_op("batch_sum", lambda a: float(np.sum(a)), lambda g, out, a: (g * np.ones_like(r.data(a)),))
