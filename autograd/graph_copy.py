"""Pickling and deep-copying ``Value`` graphs, without recursion (a chain of 100,000 nodes is fine).

A graph is written as its topological order: one record ``(data, grad, label, op, parent
indices)`` per node, rebuilt in that order. Ops travel by name (``Op`` pickles as a name
and comes back as the table's own op, ``CONSTANT`` included, so a copy still knows which
inputs were constants). Leaves are pickled as themselves, so a parameter shared by two
pickled values stays one parameter; interior nodes shared by two *separately* pickled roots
are written once per root (pickle one root, or a list holding the leaves, to share them).
``copy.deepcopy`` shares everything it is asked to copy at once, through its memo.

:func:`install` puts the methods on ``Value`` (``import autograd`` does it).

Example:
    >>> import copy, pickle
    >>> from autograd import Value
    >>> x = Value(2.0, label="x")
    >>> y = pickle.loads(pickle.dumps(x * 3 + 1))
    >>> y.data, [p.op for p in y.parents[0].parents]
    (7.0, [None, Op('const')])
    >>> z = copy.deepcopy(x * x)
    >>> z.backward(); z.parents[0].grad, x.grad
    (4.0, 0.0)
"""

from __future__ import annotations

import copy
from typing import Any

from autograd.value import Value, _node, topological_order

__all__ = ["install"]

Record = tuple[Any, Any, str, Any, tuple[int, ...]]


def _reduce_ex(self: Value, protocol: Any) -> tuple[Any, ...]:
    if not self._prev:
        return (_rebuild, ([_record(self, {})],))
    order = topological_order(self)
    index = {node: i for i, node in enumerate(order)}
    records = [node if not node._prev else _record(node, index) for node in order]
    return (_rebuild, (records,))


def _record(node: Value, index: dict[Value, int]) -> Record:
    return (node.data, node.grad, node.label, node.op, tuple(index[p] for p in node._prev))


def _rebuild(records: list[Record | Value]) -> Value:
    nodes: list[Value] = []
    for record in records:
        if isinstance(record, Value):  # a leaf, unpickled (and shared) on its own
            nodes.append(record)
            continue
        data, grad, label, op, parents = record
        node = _node(data, op, tuple(nodes[i] for i in parents))
        node.grad, node.label = grad, label
        nodes.append(node)
    return nodes[-1]


def _deepcopy(self: Value, memo: dict[int, Any]) -> Value:
    for node in topological_order(self):
        if id(node) not in memo:
            twin = _node(copy.deepcopy(node.data, memo), node.op, tuple(memo[id(p)] for p in node._prev))
            twin.grad, twin.label = copy.deepcopy(node.grad, memo), node.label
            memo[id(node)] = twin
    return memo[id(self)]  # type: ignore[no-any-return]


def install() -> None:
    """Give ``Value`` its pickling and deep-copying methods."""
    Value.__reduce_ex__ = _reduce_ex  # type: ignore[assignment,method-assign]
    Value.__deepcopy__ = _deepcopy  # type: ignore[attr-defined]
