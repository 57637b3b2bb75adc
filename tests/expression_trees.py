"""Random expression trees over every op, evaluated by chainrule or by PyTorch.

A tree is nested tuples, e.g. ``("mul", ("var", 0), ("sin", ("const", 1.5)))``. ``evaluate``
walks it with a backend: ``VALUE_BACKEND`` (chainrule ``Value`` nodes, scalar or batched) or
a PyTorch backend built in ``test_against_torch``. Constants stay plain floats, so binary ops
see ``Value <op> number`` and ``number <op> Value`` too.

Guards keep the comparison meaningful rather than hide errors:

* structural: ``log`` and ``sqrt`` take ``softplus`` of their argument (positive), a ``Value``
  exponent takes the base ``softplus(l) + 0.25`` (>= 0.25);
* at evaluation (``OutOfDomain``, which a test turns into a hypothesis rejection): every
  intermediate stays within ``LIMIT`` in magnitude, ``exp``/``**`` inputs are checked before
  they could overflow, denominators and negative-power bases stay >= ``MIN_DENOMINATOR`` in
  magnitude, and ``softplus`` under ``log``/``sqrt`` takes arguments >= -30 (no underflow to 0);
* kinks: the sign of every ``relu``/``abs`` input is recorded in ``Trace.kinks``; a finite
  difference is only compared when its whole stencil sees the same signs.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

from autograd import Value, dot, logsumexp, sum_values

__all__ = [
    "Backend",
    "OutOfDomain",
    "Trace",
    "VALUE_BACKEND",
    "LIMIT",
    "evaluate",
    "trees",
    "example_of_every_kind",
]

LIMIT = 1e4  # largest |intermediate| allowed
LOG_LIMIT = math.log(LIMIT)
MIN_DENOMINATOR = 0.1
SOFTPLUS_FLOOR = -30.0  # softplus(-30) ~ 9e-14: log and sqrt of it stay well conditioned

UNARY = ("neg", "exp", "log", "sqrt", "softplus", "tanh", "sigmoid", "sin", "cos", "relu", "abs")
BINARY = ("add", "sub", "mul", "div", "pow")
INTEGER_POWERS = (0, 1, 2, 3, -1, -2)
NUMBER_BASES = (0.5, 2.0, 3.0)


class OutOfDomain(Exception):
    """The expression left the region where the comparison is meaningful (not an engine error)."""


@dataclass
class Backend:
    """How to evaluate a tree: the ops, how to make a node from a float, how to read numbers."""

    ops: dict[str, Callable[..., Any]]
    lift: Callable[[float], Any]
    numbers: Callable[[Any], Any]  # -> float or numpy array


@dataclass
class Trace:
    """What an evaluation saw: kink signs in evaluation order, the largest |intermediate| ..."""

    kinks: list[tuple[float, ...]] = field(default_factory=list)
    scale: float = 0.0
    zero_exponent: bool = False  # a Value exponent was exactly 0 somewhere


def _value_numbers(x: Any) -> Any:
    return x.data if isinstance(x, Value) else x


VALUE_BACKEND = Backend(
    ops={
        "neg": operator.neg,
        "exp": Value.exp,
        "log": Value.log,
        "sqrt": Value.sqrt,
        "softplus": Value.softplus,
        "tanh": Value.tanh,
        "sigmoid": Value.sigmoid,
        "sin": Value.sin,
        "cos": Value.cos,
        "relu": Value.relu,
        "abs": abs,
        "add": operator.add,
        "sub": operator.sub,
        "mul": operator.mul,
        "div": operator.truediv,
        "pow": operator.pow,
        "sum": sum_values,
        "logsumexp": logsumexp,
        "dot": dot,
    },
    lift=Value,
    numbers=_value_numbers,
)


def _require(condition: Any, why: str) -> None:
    if not np.all(condition):
        raise OutOfDomain(why)


def evaluate(tree: tuple, xs: Sequence[Any], backend: Backend, trace: Trace | None = None) -> Any:
    """Evaluate ``tree`` with variables ``xs``; raise ``OutOfDomain`` when a guard fails."""
    trace = trace if trace is not None else Trace()

    def lifted(x: Any) -> Any:
        return backend.lift(x) if isinstance(x, float) else x

    def record(result: Any) -> Any:
        magnitude = float(np.max(np.abs(backend.numbers(result))))
        _require(magnitude <= LIMIT, "intermediate too large")
        trace.scale = max(trace.scale, magnitude)
        return result

    def softplus_for_log(x: Any) -> Any:
        _require(backend.numbers(x) >= SOFTPLUS_FLOOR, "softplus would underflow")
        return record(backend.ops["softplus"](lifted(x)))

    def walk(node: tuple) -> Any:
        kind, *args = node
        ops = backend.ops
        if kind == "var":
            return xs[args[0]]
        if kind == "const":
            return args[0]
        if kind in UNARY:
            a = walk(args[0])
            n = backend.numbers(a)
            if kind == "exp":
                _require(n <= LOG_LIMIT, "exp would exceed LIMIT")
            elif kind in ("relu", "abs"):
                trace.kinks.append(tuple(np.sign(np.atleast_1d(n))))
            elif kind in ("log", "sqrt"):
                a = softplus_for_log(a)
            return record(ops[kind](lifted(a)))
        if kind == "powi":  # a ** k, k an integer constant (any sign of base)
            k, a = args[0], walk(args[1])
            if k < 0:
                _require(np.abs(backend.numbers(a)) >= MIN_DENOMINATOR, "negative power of ~0")
            return record(ops["pow"](a, k))
        if kind == "rpow":  # c ** a, c a number
            c, a = args[0], walk(args[1])
            _require(backend.numbers(a) * math.log(c) <= LOG_LIMIT, "power would exceed LIMIT")
            return record(ops["pow"](c, a))
        if kind in BINARY:
            a, b = walk(args[0]), walk(args[1])
            if kind == "div":
                _require(np.abs(backend.numbers(b)) >= MIN_DENOMINATOR, "denominator near 0")
            if kind == "pow":  # Value exponent: positive base
                a = record(ops["add"](softplus_for_log(a), 0.25))
                _require(backend.numbers(b) * np.log(backend.numbers(a)) <= LOG_LIMIT, "power too large")
                b = lifted(b)  # Value ** Value, the case micrograd lacks
                trace.zero_exponent |= bool(np.any(backend.numbers(b) == 0))
            return record(ops[kind](a, b))  # two constants: plain float arithmetic
        if kind in ("sum", "logsumexp"):
            return record(ops[kind]([lifted(walk(child)) for child in args[0]]))
        if kind == "dot":
            pairs, bias = args
            weights = [lifted(walk(w)) for w, _ in pairs]
            inputs = [lifted(walk(x)) for _, x in pairs]
            return record(ops["dot"](weights, inputs, None if bias is None else lifted(walk(bias))))
        raise ValueError(f"unknown node kind {kind!r}")

    return walk(tree)


def trees(n_vars: int, max_leaves: int = 8) -> st.SearchStrategy[tuple]:
    """Random expression trees over ``n_vars`` variables using every op."""
    leaves = st.one_of(
        st.tuples(st.just("var"), st.integers(0, n_vars - 1)),
        st.tuples(st.just("var"), st.integers(0, n_vars - 1)),  # variables twice as likely
        st.tuples(st.just("const"), st.floats(-2, 2, allow_nan=False).map(float)),
    )

    def extend(children: st.SearchStrategy[tuple]) -> st.SearchStrategy[tuple]:
        return st.one_of(
            st.tuples(st.sampled_from(UNARY), children),
            st.tuples(st.sampled_from(BINARY), children, children),
            st.tuples(st.just("powi"), st.sampled_from(INTEGER_POWERS), children),
            st.tuples(st.just("rpow"), st.sampled_from(NUMBER_BASES), children),
            st.tuples(
                st.sampled_from(["sum", "logsumexp"]), st.lists(children, min_size=1, max_size=4).map(tuple)
            ),
            st.tuples(
                st.just("dot"),
                st.lists(st.tuples(children, children), min_size=1, max_size=3).map(tuple),
                st.none() | children,
            ),
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves)


def example_of_every_kind() -> list[tuple]:
    """One small tree per node kind (used to check that the generator reaches every op)."""
    x, y = ("var", 0), ("var", 1)
    examples: list[tuple] = [(kind, x) for kind in UNARY]
    examples += [(kind, x, y) for kind in BINARY]
    examples += [("powi", 2, x), ("rpow", 2.0, x), ("sum", (x, y)), ("logsumexp", (x, y))]
    examples += [("dot", ((x, y),), x)]
    return examples
