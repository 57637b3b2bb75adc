"""How a ``Value`` behaves in Python's protocols: ``float()``, ``bool()``, pickle and deepcopy.

**float() refuses while recording.** ``float(v)`` and the ``math`` functions (which call it)
turn a value into a number the graph cannot see: in ``x * math.sin(x)`` the sine is a
constant, and ``x.grad`` silently misses its derivative. So, as JAX does for traced values,
``float(v)`` raises while grad mode is on (inside every transform, and in normal code);
read the number on purpose with ``v.item()`` or ``v.data``, or convert inside ``no_grad()``.
Constants (``op == "const"``) convert. **bool() refuses**: ``if loss:`` almost always means
``if loss.data > 0`` or ``if loss is not None``.

**Pickle and deepcopy, without recursion** (a chain of 100,000 nodes is fine). A graph is
written as its topological order: one record ``(data, grad, label, op, parent indices)`` per
node, rebuilt in that order. Ops travel by name (``Op`` pickles as a name and comes back as
the table's own op, ``CONSTANT`` included, so a copy still knows which inputs were
constants). Leaves are pickled as themselves, so a parameter shared by two pickled values
stays one parameter; interior nodes shared by two *separately* pickled roots are written once
per root. ``copy.deepcopy`` shares everything it copies at once, through its memo. Notes a
layer keeps about a node outside it (anomaly mode's mark on a value made under ``no_grad``)
travel too: the layer registers a reader and a writer in :data:`NODE_NOTES`.

:func:`install` puts these methods on ``Value`` (``import autograd`` does it).

Example:
    >>> import copy, math, pickle
    >>> from autograd import Value, no_grad
    >>> x = Value(2.0, label="x")
    >>> math.sin(x)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: float() of a Value while recording a graph would silently drop its derivative ...
    >>> with no_grad():
    ...     round(math.sin(x), 6)
    0.909297
    >>> y = pickle.loads(pickle.dumps(x * 3 + 1))
    >>> y.data, [p.op for p in y.parents[0].parents]
    (7.0, [None, Op('const')])
    >>> z = copy.deepcopy(x * x)
    >>> z.backward(); z.parents[0].grad, x.grad
    (4.0, 0.0)
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from autograd.grad_mode import _mode
from autograd.ops import CONSTANT
from autograd.value import Value, _node, topological_order

__all__ = ["NODE_NOTES", "install"]

Notes = dict[str, Any]
Record = tuple[Any, Any, str, Any, tuple[int, ...], Notes]

# name -> (read, write): read(node) gives a picklable note or None (no note), write(node, note)
# puts it on a copy. Layers register here; this module imports none of them.
NODE_NOTES: dict[str, tuple[Callable[[Value], Any], Callable[[Value, Any], None]]] = {}


def _float(self: Value) -> float:
    if _mode.enabled and self.op is not CONSTANT:
        raise TypeError(
            "float() of a Value while recording a graph would silently drop its derivative "
            "(math functions call float() too): use the Value's own methods (x.sin()), read the "
            "number on purpose with .item() or .data, or convert inside no_grad()"
        )
    return self.item()


def _bool(self: Value) -> bool:
    raise TypeError("the truth of a Value is ambiguous: compare its data (v.data != 0) or test v is None")


def _reduce_ex(self: Value, protocol: Any) -> tuple[Any, ...]:
    if self.is_leaf:
        return (_rebuild, ([_record(self, {})],))
    order = topological_order(self)
    index = {node: i for i, node in enumerate(order)}
    records = [node if node.is_leaf else _record(node, index) for node in order]
    return (_rebuild, (records,))


def _record(node: Value, index: dict[Value, int]) -> Record:
    return (node.data, node.grad, node.label, node.op, tuple(index[p] for p in node.parents), _notes_of(node))


def _notes_of(node: Value) -> Notes:
    notes = {name: read(node) for name, (read, _) in NODE_NOTES.items()}
    return {name: note for name, note in notes.items() if note is not None}


def _write_notes(node: Value, notes: Notes) -> None:
    for name, note in notes.items():
        if name in NODE_NOTES:
            NODE_NOTES[name][1](node, note)


def _rebuild(records: list[Record | Value]) -> Value:
    nodes: list[Value] = []
    for record in records:
        if isinstance(record, Value):  # a leaf, unpickled (and shared) on its own
            nodes.append(record)
            continue
        data, grad, label, op, parents, *notes = record  # pickles made before notes have none
        node = _node(data, op, tuple(nodes[i] for i in parents))
        node.grad, node.label = grad, label
        _write_notes(node, notes[0] if notes else {})
        nodes.append(node)
    return nodes[-1]


def _deepcopy(self: Value, memo: dict[int, Any]) -> Value:
    for node in topological_order(self):
        if id(node) not in memo:
            twin = _node(copy.deepcopy(node.data, memo), node.op, tuple(memo[id(p)] for p in node.parents))
            twin.grad, twin.label = copy.deepcopy(node.grad, memo), node.label
            _write_notes(twin, _notes_of(node))
            memo[id(node)] = twin
    copied: Value = memo[id(self)]
    return copied


def install() -> None:
    """Give ``Value`` its ``float()``, ``bool()``, pickling and deep-copying methods."""
    Value.__float__ = _float  # type: ignore[attr-defined]
    Value.__bool__ = _bool  # type: ignore[attr-defined]
    Value.__reduce_ex__ = _reduce_ex  # type: ignore[assignment,method-assign]
    Value.__deepcopy__ = _deepcopy  # type: ignore[attr-defined]
