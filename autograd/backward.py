"""Reverse-mode backpropagation over the recorded graph, without recursion.

Two entry points:

* :func:`backward` (what ``Value.backward`` calls): fills ``.grad`` on every node, PyTorch style.
* :func:`gradients`: returns d(root)/d(x) for chosen nodes and touches no ``.grad``. With
  ``create_graph=True`` the gradients are themselves ``Value`` graphs, so they can be
  differentiated again (this is how ``grad(grad(f))`` works).

For a scalar node whose rule is arithmetic alone (``mul``, ``dot``, ``sigmoid``'s derivative
...), :func:`backward` does not call the rule and loop over the gradients it returns: it calls
a small function written once per op and number of inputs from the rule's own expression
(:mod:`autograd.rule_expressions`), ``p0.grad += g * x1; p1.grad += g * x0``. Same float
operations, same order, same bits; a third less time for a network's backward pass.

Example:
    >>> from autograd import Value, gradients
    >>> x = Value(3.0)
    >>> (dy,) = gradients(x ** 3, [x], create_graph=True)     # 3x^2, as a graph
    >>> dy.data, gradients(dy, [x])[0]                         # and its derivative 6x
    (27.0, 18.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd.anomaly import _AnomalyMode, _building_derivatives, _check_gradients
from autograd.grad_mode import enable_grad
from autograd.ops import Op
from autograd.rule_expressions import WrittenRules, define, expression
from autograd.value import Value, _constant, _plain

__all__ = ["backward", "gradients", "topological_order"]

_ndarray = np.ndarray


def topological_order(root: Value) -> list[Value]:
    """Every node that ``root`` depends on, inputs before the ops that use them, root last.

    Iterative depth-first search (a chain of a million nodes is fine); the order follows the
    parents' order, so it is the same on every run.
    """
    order: list[Value] = []
    seen = {root}
    stack = [(root, iter(root._prev))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent not in seen:
                seen.add(parent)
                if not parent._prev:  # a leaf has nothing to wait for: place it now
                    order.append(parent)
                    continue
                stack.append((parent, iter(parent._prev)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def _seed_like(root_data: Any, seed: Any) -> Any:
    if isinstance(root_data, _ndarray):
        return np.broadcast_to(np.asarray(seed, dtype=np.float64), root_data.shape).copy()
    return float(seed) if not isinstance(seed, Value) else seed


def _sum_over_batch(grad: Any) -> Any:
    """What a scalar parent of a batched node receives: the sum of its per-sample gradients.

    A rule may have summed already (``dot`` does, with one matrix product): numbers pass through.
    """
    if type(grad) is _ndarray:
        return float(grad.sum())
    if isinstance(grad, Value):
        return grad.sum()  # a no-op for a scalar Value
    return grad


def backward(root: Value, seed: Any = 1.0) -> None:
    """Add d(root)/d(leaf) * seed to each leaf's ``.grad``; recompute interior ``.grad``."""
    _backpropagate(root, topological_order(root), seed)


def _backpropagate(root: Value, order: list[Value], seed: Any) -> None:
    """:func:`backward` along a given topological ``order`` (a :class:`~autograd.Tape` keeps one).

    Leaves may be left out of ``order``: they only receive gradients, which happens through
    their children. Each node's rule is called once, with the node's gradient complete (every
    child comes later in ``order``, so it has already pushed its share).
    """
    for node in order:
        if node._prev:
            node.grad = 0.0
    root.grad += _seed_like(root.data, seed)
    check = _AnomalyMode.enabled
    for node in reversed(order):
        parents = node._prev
        if not parents:
            continue
        scalar = type(node.data) is not _ndarray
        if scalar and not check:
            # A scalar node whose rule is arithmetic alone: one call, written out for its op.
            push = _push_table.get((id(node._op), len(parents)), _UNKNOWN)
            if push is _UNKNOWN:
                push = _push_for(node._op, len(parents))
            if push is not None:
                push(node)
                continue
        if scalar and len(parents) == 1:
            # A scalar unary op (an activation: half the nodes of a network) needs no list of
            # inputs and no loop over its parents.
            (parent,) = parents
            grads = node._op.vjp(node.grad, node.data, parent.data)  # type: ignore[union-attr]
            if check:
                _check_gradients(node, node.grad, grads)
            parent.grad += grads[0]
            continue
        grads = node._op.vjp(node.grad, node.data, *[p.data for p in parents])  # type: ignore[union-attr]
        if check:
            _check_gradients(node, node.grad, grads)
        if type(node.data) is _ndarray:
            for parent, grad in zip(parents, grads):
                if type(parent.data) is not _ndarray:
                    grad = _sum_over_batch(grad)
                parent.grad += grad
        else:
            for parent, grad in zip(parents, grads):
                parent.grad += grad


def _make_push(op: Op, n_inputs: int) -> Callable[[Value], None] | None:
    template = expression(op.vjp, n_inputs + 2)
    if not isinstance(template, list) or len(template) != n_inputs:
        return None
    parents = [f"p{k}" for k in range(n_inputs)]
    lines = ["def push(node):", "    g = node.grad", f"    {', '.join(parents)}, = node._prev"]
    names = ["g", "out", *[f"x{k}" for k in range(n_inputs)]]
    joined = "\n".join(template)
    if "{1}" in joined:
        lines.append("    out = node.data")
    for k in range(n_inputs):
        if f"{{{k + 2}}}" in joined:
            lines.append(f"    x{k} = p{k}.data")
    lines += [f"    p{k}.grad += {part.format(*names)}" for k, part in enumerate(template)]
    push: Callable[[Value], None] = define(lines, "push", f"push for {op.name}")
    return push


# ``_push_for(op, n_inputs)``: a function doing ``op``'s backward step for one node of
# ``n_inputs`` scalar inputs, ``parent.grad += <the rule's expression>`` for each input, or
# ``None`` when the rule is not arithmetic alone (or too wide to write out).
_pushes = WrittenRules(_make_push)
_push_for = _pushes.get
_push_table = _pushes.table
_UNKNOWN = object()


def gradients(root: Value, wrt: Sequence[Value], seed: Any = 1.0, create_graph: bool = False) -> list[Any]:
    """d(root)/d(x) for each ``x`` in ``wrt``, without touching any ``.grad``.

    Args:
        root: the value to differentiate.
        wrt: the nodes to differentiate with respect to (leaves or interior nodes).
        seed: the upstream gradient of ``root`` (1.0: plain derivative).
        create_graph: return the gradients as ``Value`` graphs that can be differentiated
            again (higher-order derivatives); otherwise floats (or arrays for batched nodes).

    A node that ``root`` does not depend on gets gradient 0.

    Raises:
        TypeError: if ``root`` is not a ``Value`` or ``wrt`` is not a list of ``Value`` s.
    """
    _check_gradients_args(root, wrt)
    order = topological_order(root)
    targets = set(wrt)
    grads: dict[Value, Any] = {}
    if create_graph:
        with enable_grad(), _building_derivatives():
            grads[root] = _constant(_seed_like(root.data, _plain(seed)))
            _accumulate(order, grads, targets, lambda node: node, lambda node: node._prev)
    else:
        grads[root] = _seed_like(root.data, seed)
        _accumulate(order, grads, targets, lambda node: node.data, lambda node: [p.data for p in node._prev])
    return [grads.get(x, 0.0) for x in wrt]


def _check_gradients_args(root: Any, wrt: Any) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"gradients: root must be a Value, got {type(root).__name__}")
    if isinstance(wrt, (str, bytes, Value)) or not isinstance(wrt, Sequence):
        raise TypeError(f"gradients: wrt must be a list of Values, got {type(wrt).__name__}")
    for i, x in enumerate(wrt):
        if not isinstance(x, Value):
            raise TypeError(f"gradients: wrt[{i}] must be a Value, got {type(x).__name__}")


def _accumulate(
    order: list[Value], grads: dict[Value, Any], keep: set[Value], out_of: Any, inputs_of: Any
) -> None:
    """Walk ``order`` backwards, pushing each node's gradient to its parents (dict, not ``.grad``).

    A gradient is dropped once it has been passed on, unless its node is in ``keep``.
    """
    check = _AnomalyMode.enabled
    for node in reversed(order):
        if not node._prev:
            continue
        g = grads.get(node) if node in keep else grads.pop(node, None)
        if g is None:
            continue
        local = node._op.vjp(g, out_of(node), *inputs_of(node))  # type: ignore[union-attr]
        if check:
            _check_gradients(node, g, local)
        batched = type(node.data) is _ndarray
        for parent, grad in zip(node._prev, local):
            if batched and type(parent.data) is not _ndarray:
                grad = _sum_over_batch(grad)
            grads[parent] = grads[parent] + grad if parent in grads else grad
