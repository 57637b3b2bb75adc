"""The speed layer: each op's rules written out as small Python functions, plugged into the
core's two slots per op (``Op.fast_forward`` and ``Op.fast_step``) and into ``Value``'s
operator methods.

The core (:mod:`autograd.value`) computes a node's step of the backward pass by calling the
op's ``vjp`` and looping over the gradients it returns. Here the same step is written once per
op and number of inputs: where the rule is arithmetic alone (``mul``, ``dot``, ``sigmoid``'s
derivative ...) its expression, found by running it on symbols (:mod:`autograd.rule_expressions`),
is written in place of the call, ``p0.grad += g * x1; p1.grad += g * x0``; any other rule is
called with its inputs unpacked, without a list or a loop. ``dot`` and ``sum`` also get their
forward written out per width (``0.0 + p0.data * p2.data + ...``), and each operator method of
``Value`` (``__mul__``, ``exp`` ...) is replaced, as CPython's ``heapq`` is by ``_heapq``, by one
that makes its node in place: the forward's expression inline, no helper calls on the common
path (grad mode on, no anomaly hooks, scalar data), the core's own ``_result`` otherwise.
Same float operations, same order, same bits as the plain core: ``tests/test_speed_layer.py``
runs random graphs with this layer on and off and compares every bit.

``import autograd`` switches the layer on; :func:`disable` and :func:`enable` switch it.

Example:
    >>> from autograd import OPS, Value
    >>> from autograd import speed
    >>> x = Value(3.0)
    >>> with speed.disabled():
    ...     y = x * x
    ...     OPS["mul"].fast_step is None
    True
    >>> OPS["mul"].fast_step is not None
    True
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from autograd.grad_mode import _Switched
from autograd.ops import OPS, Op
from autograd.rule_expressions import MAX_WRITTEN_ARGS, define, expression
from autograd.value import Hooks, Value, _lift, _result, _Writes, chain_rule

__all__ = ["enable", "disable", "disabled", "is_enabled"]

_GENERATED_NAMESPACE = {"ndarray": np.ndarray, "chain_rule": chain_rule}


# Where a node keeps its parents (see ``Value.__slots__``): the first two in slots, more in a tuple.
_PARENT_SLOTS = {1: "node._a", 2: "node._a, node._b"}


def _make_step(op: Op, n_inputs: int) -> Callable[[Value], None]:
    """``op``'s backward step for a node of ``n_inputs`` inputs, written out."""
    parents = [f"p{k}" for k in range(n_inputs)]
    lines = [
        "def step(node):",
        "    if type(node._data) is ndarray:",  # batched nodes sum over the batch: the core does it
        "        return chain_rule(node)",
        "    g = node.grad",
        f"    {', '.join(parents)} = {_PARENT_SLOTS.get(n_inputs, 'node._many')}",
    ]
    template = expression(op.vjp, n_inputs + 2)
    if isinstance(template, list) and len(template) == n_inputs:
        joined = "\n".join(template)
        if "{1}" in joined:
            lines.append("    out = node._data")
        lines += [f"    x{k} = p{k}._data" for k in range(n_inputs) if f"{{{k + 2}}}" in joined]
        names = ["g", "out", *[f"x{k}" for k in range(n_inputs)]]
        lines += [f"    p{k}.grad += {part.format(*names)}" for k, part in enumerate(template)]
    else:  # not arithmetic alone: call the rule, without a list of inputs or a loop
        grads = [f"t{k}" for k in range(n_inputs)]
        inputs = ", ".join(f"{p}._data" for p in parents)
        lines.append(f"    {', '.join(grads)}, = vjp(g, node._data, {inputs})")
        lines += [f"    p{k}.grad += t{k}" for k in range(n_inputs)]
    step: Callable[[Value], None] = define(
        lines, "step", f"step for {op.name}", {**_GENERATED_NAMESPACE, "vjp": op.vjp}
    )
    return step


def _make_forward(op: Op, n_inputs: int) -> Callable[[tuple[Value, ...]], Any] | None:
    """The forward of n-ary ``op`` for ``n_inputs`` inputs, as one function of the parents:
    ``p0.data * p2.data + ...``, with no list of inputs and no loop; ``None`` for a rule that
    is not arithmetic alone."""
    template = expression(op.forward, n_inputs)
    if not isinstance(template, str):
        return None
    parents = [f"p{k}" for k in range(n_inputs)]
    body = template.format(*[f"{p}._data" for p in parents])
    lines = ["def forward(parents):", f"    {', '.join(parents)}, = parents", f"    return {body}"]
    forward: Callable[[tuple[Value, ...]], Any] = define(lines, "forward", f"forward for {op.name}")
    return forward


class _ByWidth(dict):
    """One op's written functions by number of inputs, each written on first use by
    ``make(op, n)``. Widths past ``MAX_WRITTEN_ARGS`` get ``None`` and are not remembered (the
    sizes of big sums are unbounded)."""

    def __init__(self, make: Callable[[Op, int], Any], op: Op) -> None:
        super().__init__()
        self.make, self.op = make, op

    def __missing__(self, n: int) -> Any:
        if not 0 < n <= MAX_WRITTEN_ARGS:
            return None
        function = self[n] = self.make(self.op, n)
        return function


def _n_inputs(op: Op) -> int | None:
    """How many inputs a fixed-width op takes (its vjp's arguments after ``g, out``)."""
    if op.nary:
        return None
    try:
        parameters = inspect.signature(op.vjp).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters):
        return None
    return len(parameters) - 2


def _nary_step(op: Op) -> Callable[[Value], None]:
    steps = _ByWidth(_make_step, op)
    wide = _WIDE_STEPS.get(op.name, chain_rule)

    def step(node: Value) -> None:
        (steps[len(node._many) or len(node.parents)] or wide)(node)

    return step


# Past MAX_WRITTEN_ARGS inputs a step is a loop, not an expression: ``sum`` and ``dot`` are the
# ops made to be wide (a neuron of 128 inputs). The same products, added in the parents' order
# (every weight, then every input, then the bias), as the core's step: the same bits.
def _wide_sum_step(node: Value) -> None:
    if type(node._data) is np.ndarray:
        return chain_rule(node)
    g = node.grad
    for parent in node._many:
        parent.grad += g


def _wide_dot_step(node: Value) -> None:
    if type(node._data) is np.ndarray:
        return chain_rule(node)
    g, parents = node.grad, node._many
    n = len(parents) // 2
    for i in range(n):
        parents[i].grad += g * parents[n + i]._data
    for i in range(n):
        parents[n + i].grad += g * parents[i]._data
    if len(parents) % 2:
        parents[-1].grad += g


_WIDE_STEPS = {"sum": _wide_sum_step, "dot": _wide_dot_step}


def _nary_forward(op: Op) -> Callable[[tuple[Value, ...]], Any]:
    forwards, rule = _ByWidth(_make_forward, op), op.forward
    scalar_only = op.name == "dot"  # dot's array path is a matrix product, not the expression

    def forward(parents: tuple[Value, ...]) -> Any:
        n = len(parents)
        written = forwards[n]
        if written is None or (scalar_only and type(parents[n // 2]._data) is np.ndarray):
            return rule(*[p._data for p in parents])
        return written(parents)

    return forward


def _install(op: Op) -> None:
    if op.nary:
        op.fast_step = _nary_step(op)
        if op.name in ("sum", "dot"):
            op.fast_forward = _nary_forward(op)
        return
    n = _n_inputs(op)
    if n is not None and 0 < n <= MAX_WRITTEN_ARGS:
        op.fast_step = _make_step(op, n)


# Value's operator methods that dispatch into the table: method name -> (op name, reflected).
_BINARY = {"__add__": "add", "__sub__": "sub", "__mul__": "mul", "__truediv__": "div", "__pow__": "pow"}
_METHODS = {
    **{method: (name, False) for method, name in _BINARY.items()},
    **{"__r" + method[2:]: (name, True) for method, name in _BINARY.items()},
    "__neg__": ("neg", False),
    "__abs__": ("abs", False),
    **{name: (name, False) for name in ("exp", "log", "sqrt", "tanh", "sigmoid", "softplus", "relu")},
    **{name: (name, False) for name in ("abs", "sin", "cos")},
}
_PLAIN_METHODS = {method: Value.__dict__[method] for method in _METHODS}


def _make_method(method: str, op: Op, reflected: bool) -> Callable[..., Any]:
    """``Value.<method>`` making its node in one function (see the module's docstring)."""
    binary = op.name in _BINARY.values()
    inputs = (["other", "self"] if reflected else ["self", "other"]) if binary else ["self"]
    template = expression(op.forward, len(inputs))
    data = [f"{name}._data" for name in inputs]
    forward = template.format(*data) if isinstance(template, str) else f"forward({', '.join(data)})"
    lines = [f"def {method}({'self, other' if binary else 'self'}):"]
    if binary:
        lines += [
            "    if type(other) is not Value:",
            "        other = lift(other)",
            "        if other is NotImplemented:",
            "            return NotImplemented",
        ]
    lines += [
        "    try:",
        f"        data = {forward}",
        "    except Exception:  # the core's own method raises it, with the core's message",
        f"        return plain({'self, other' if binary else 'self'})",
        "    if switched.off or hooks.on_new_node is not None or type(data) is ndarray:",
        f"        return result(data, OP, ({', '.join(inputs)},))  # no_grad, anomaly mode, or a batch",
        "    node = new(Value)",
        "    node._data = data",
        "    node.grad = 0.0",
        '    node.label = ""',
        "    node.op = OP",
        f"    node._a = {inputs[0]}",
        f"    node._b = {inputs[1] if binary else None}",
        "    node._many = ()",
        "    node._stamp = writes.count",
        "    return node",
    ]
    namespace = {
        **_GENERATED_NAMESPACE,
        "Value": Value,
        "lift": _lift,
        "result": _result,
        "new": object.__new__,
        "switched": _Switched,
        "hooks": Hooks,
        "writes": _Writes,
        "OP": op,
        "forward": op.forward,
        "plain": _PLAIN_METHODS[method],
    }
    function: Callable[..., Any] = define(lines, method, f"Value.{method}", namespace)
    plain = _PLAIN_METHODS[method]
    function.__doc__, function.__wrapped__ = plain.__doc__, plain  # type: ignore[attr-defined]
    # Found again by name (pickle, which looks a function up by its module and qualified name).
    function.__qualname__, function.__module__ = f"Value.{method}", Value.__module__
    return function


class _State:
    enabled = False


def enable() -> None:
    """Fill every registered op's fast slots and write out ``Value``'s operator methods (what
    ``import autograd`` does)."""
    for op in OPS.values():
        _install(op)
    for method, (name, reflected) in _METHODS.items():
        setattr(Value, method, _make_method(method, OPS[name], reflected))
    _State.enabled = True


def disable() -> None:
    """Empty every op's fast slots and put back ``Value``'s plain methods: the core runs alone."""
    for op in OPS.values():
        op.fast_step = op.fast_forward = None
    for method, plain in _PLAIN_METHODS.items():
        setattr(Value, method, plain)
    _State.enabled = False


def is_enabled() -> bool:
    """True while the speed layer is switched on."""
    return _State.enabled


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Context manager: run the block on the plain core (for checking that speed is only speed)."""
    was = _State.enabled
    disable()
    try:
        yield
    finally:
        if was:
            enable()
