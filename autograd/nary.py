"""Sums and weighted sums as single graph nodes: ``sum_values`` and ``dot``.

``sum(xs)`` in Python makes a chain of ``n - 1`` additions and ``sum(w * x ...)`` ``2n`` nodes;
these make one node each (the ops ``sum`` and ``dot`` of the table), with the same numbers.
Fewer nodes is less to build and less to walk backwards: this is how a neuron is computed.

Example:
    >>> from autograd import Value, dot, sum_values
    >>> w, x = [Value(0.5), Value(-1.0)], [Value(2.0), Value(3.0)]
    >>> dot(w, x).data, sum_values(x).data
    (-2.0, 5.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from autograd.ops import OPS
from autograd.value import Operand, Value, _lift, apply_op

__all__ = ["dot", "sum_values"]

_SUM, _DOT = OPS["sum"], OPS["dot"]


def _lift_all(items: Iterable[Any], what: str) -> tuple[Value, ...]:
    lifted = []
    for i, item in enumerate(items):
        value = item if type(item) is Value else _lift(item)
        if value is NotImplemented:
            raise TypeError(f"{what}[{i}] must be a Value or a number, got {type(item).__name__}")
        lifted.append(value)
    return tuple(lifted)


def sum_values(values: Iterable[Operand]) -> Value:
    """The sum of many values as a single graph node (Python's ``sum`` makes a chain).

    Example:
        >>> from autograd import Value, sum_values
        >>> s = sum_values([Value(1.0), Value(2.0), 3.0])
        >>> s.data, len(s.parents)
        (6.0, 3)
    """
    parents: tuple[Any, ...] = tuple(values)
    if set(map(type, parents)) != {Value}:
        parents = _lift_all(parents, "values")
    return apply_op(_SUM, parents)


def dot(weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand | None = None) -> Value:
    """``sum(w * x for w, x in zip(weights, inputs)) + bias`` as one node with 2n(+1) inputs.

    This is a neuron's weighted sum: one node instead of 2n binary ones.

    Raises:
        ValueError: if ``weights`` and ``inputs`` differ in length.

    Example:
        >>> from autograd import Value, dot
        >>> w, x = [Value(0.5), Value(-1.0)], [Value(2.0), Value(3.0)]
        >>> y = dot(w, x, bias=Value(0.25))
        >>> y.data, len(y.parents)
        (-1.75, 5)
    """
    if len(weights) != len(inputs):
        raise ValueError(f"dot needs as many weights as inputs, got {len(weights)} and {len(inputs)}")
    parents: tuple[Any, ...] = (*weights, *inputs) if bias is None else (*weights, *inputs, bias)
    if set(map(type, parents)) != {Value}:  # fast check; the slow path says what is wrong
        parents = _lift_all(weights, "weights") + _lift_all(inputs, "inputs")
        if bias is not None:
            parents += _lift_all((bias,), "bias")
    return apply_op(_DOT, parents)
