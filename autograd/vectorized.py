"""Replay a recorded graph of floats with numpy: one array operation per group of like nodes.

A tape's node walk (:class:`~autograd.Tape`) pays Python's price per node and per edge. Most
nodes of a model's graph come in crowds that could run side by side: the 16 neurons of a layer,
the same layer at every position of a sequence. Give each node its *level* (1 + the highest
level of its inputs; leaves are 0): nodes of one level never use each other. Nodes of one level,
op and number of inputs form a *group*, and a group runs as one batched op: its inputs' data
gathered from one flat array (``data[inputs]``, shape ``(inputs, nodes)``) and handed to the
op's own rules, which already take a batch (one number per sample: here, one per node). The
backward pass runs the groups in reverse and adds each group's products into a flat array of
gradients with one ``np.bincount`` (a sum per slot; ``np.add.at`` does the same, twice as
slowly). Workload M's graph of 7,000 nodes and 50,000 edges falls into about 50 groups.

The numbers: the forward pass does the walk's float operations in the walk's order (``dot`` and
``sum`` add their terms one after another), so ``+``, ``-``, ``*``, ``/``, ``dot``, ``sum``, ``relu``
... give the walk's bits; numpy's ``exp``, ``log``, ``tanh`` ... may differ from ``math``'s in
the last bit. The backward pass adds each node's incoming gradients in another order than the
walk, so gradients agree with it to rounding (a few units in the last place), not bit for bit.
Where anything is not finite (an infinite derivative, a NaN), or a rule raises, the replay is
done again by the node walk, whose scalar rules own every special case: the vectorized replay
never differs from the walk but by rounding. Graphs holding batches (arrays), ops outside
chainrule's own table, and anomaly mode also go to the walk.

Example:
    >>> from autograd import Tape, Value, dot
    >>> w, x = [Value(0.5), Value(-1.0)], [Value(2.0), Value(3.0)]
    >>> tape = Tape(dot(w, x) * w[0], vectorized=True)
    >>> x[0].data = 4.0
    >>> tape.forward()                   # (0.5 * 4 - 1 * 3) * 0.5
    -0.5
    >>> tape.backward()
    >>> [v.grad for v in w]              # [4 * 0.5 + (-1), 3 * 0.5]
    [1.0, 1.5]
"""

from __future__ import annotations

from itertools import chain
from typing import Any

import numpy as np

from autograd.bulk import floats_of, grads_of
from autograd.ops import OPS, Op
from autograd.value import Value, _Writes

__all__ = ["LevelPlan", "NOT_FLOATS", "plan_levels"]

NOT_FLOATS = object()  # what a replay returns when a leaf holds a batch: walk the nodes instead

# The ops whose rules, given arrays, compute each element on its own (``batch_sum`` reduces).
_PER_ELEMENT = {name for name in OPS if name != "batch_sum"}


class _Group:
    """Nodes of one level, op and width: their slots and their inputs' slots."""

    __slots__ = ("op", "inputs", "outputs", "width")

    def __init__(self, op: Op, inputs: np.ndarray, outputs: np.ndarray) -> None:
        self.op, self.inputs, self.outputs, self.width = op, inputs, outputs, len(inputs)


class LevelPlan:
    """A graph's groups of like nodes, replayed with numpy (see the module's documentation).

    Made by :func:`plan_levels`. :meth:`forward` and :meth:`backward` do what a tape's node
    walk does (each op node's data and gradient written, each leaf's gradient accumulated)
    or, when they cannot, return ``False`` having changed nothing, for the walk to do it.
    """

    def __init__(self, order: list[Value], groups: list[_Group]) -> None:
        self.leaves = [node for node in order if node._a is None]
        self.ops = [node for node in order if node._a is not None]
        slots = np.arange(len(order))
        is_leaf = np.array([node._a is None for node in order], dtype=bool)
        self.leaf_slots, self.op_slots = slots[is_leaf], slots[~is_leaf]
        self.groups = groups
        self.size = len(order)
        self._data: np.ndarray | None = None  # every node's data, from the last forward

    def forward(self) -> Any:
        """Every op node's data from the leaves' data; the root's data, or ``NOT_FLOATS`` (a leaf
        holds a batch) or ``None`` (a rule raised or a number is not finite) with nothing changed."""
        self._data = None  # until this forward succeeds, a backward is the walk's
        leaf_data = floats_of(self.leaves)
        if leaf_data is None:
            return NOT_FLOATS
        data = np.empty(self.size)
        data[self.leaf_slots] = leaf_data
        try:
            with np.errstate(all="ignore"):
                for group in self.groups:
                    data[group.outputs] = _forward(group, data[group.inputs])
        except Exception:  # the walk raises it again, with the scalar rule's message
            return None
        if not np.isfinite(data).all():
            return None
        self._data = data
        stamp = _Writes.count  # as the walk stamps each node it writes
        for node, x in zip(self.ops, data[self.op_slots].tolist()):
            node._data = x
            node._stamp = stamp
        return data[-1].item()

    def forget(self) -> None:
        """The nodes were recomputed by something else (the walk): the next backward is not ours."""
        self._data = None

    def backward(self, seed: float) -> bool:
        """Add d(root)/d(leaf) * seed to each leaf's grad (op nodes get theirs); False, with
        nothing changed, when the last forward was not this plan's or a number is not finite."""
        data = self._data
        old = grads_of(self.leaves)
        if data is None or old is None:
            return False
        grads = np.zeros(self.size)
        grads[-1] = seed
        with np.errstate(all="ignore"):
            for group in reversed(self.groups):
                g = grads[group.outputs]
                grads += np.bincount(group.inputs.ravel(), _products(group, data, g).ravel(), self.size)
        if not np.isfinite(grads).all():
            return False
        for node, x in zip(self.ops, grads[self.op_slots].tolist()):
            node.grad = x
        for leaf, x in zip(self.leaves, (old + grads[self.leaf_slots]).tolist()):
            leaf.grad = x
        return True


def plan_levels(order: list[Value]) -> LevelPlan | None:
    """The plan of a topological ``order`` whose last node is the root, or ``None`` if an op is
    not one of chainrule's own (its rules may not take a batch element by element)."""
    index = {node: i for i, node in enumerate(order)}
    slot_of = index.__getitem__
    levels = [0] * len(order)
    level_of = levels.__getitem__
    crowds: dict[tuple[int, int, int], tuple[Any, list[int], list[list[int]]]] = {}
    for i, node in enumerate(order):  # the least Python per node: graphs are big
        a = node._a
        if a is None:
            continue
        if node._many:
            inputs = list(map(slot_of, node._many))
            level = levels[i] = 1 + max(map(level_of, inputs))
        elif node._b is None:
            inputs = [index[a]]
            level = levels[i] = 1 + levels[inputs[0]]
        else:
            inputs = [index[a], index[node._b]]
            level = levels[i] = 1 + max(levels[inputs[0]], levels[inputs[1]])
        crowd = crowds.get((level, id(node.op), len(inputs)))
        if crowd is None:
            op: Any = node.op
            if op.name not in _PER_ELEMENT or OPS[op.name] is not op:
                return None
            crowd = crowds[level, id(op), len(inputs)] = (op, [], [])
        crowd[1].append(i)
        crowd[2].append(inputs)
    groups = []
    for (_, _, width), (op, outputs, rows) in sorted(crowds.items(), key=lambda item: item[0][0]):
        flat = np.fromiter(chain.from_iterable(rows), dtype=np.intp, count=width * len(rows))
        groups.append(_Group(op, flat.reshape(len(rows), width).T.copy(), np.array(outputs, dtype=np.intp)))
    return LevelPlan(order, groups)


def _forward(group: _Group, inputs: np.ndarray) -> Any:
    if len(group.outputs) == 1:  # numpy sums a lone column pairwise: the walk's rule adds in turn
        return group.op.forward(*inputs[:, 0].tolist())
    name = group.op.name
    if name == "dot":  # w . x [+ bias], the terms added in turn (a reduction across rows is)
        n = group.width // 2
        total = (inputs[:n] * inputs[n : 2 * n]).sum(axis=0)
        return total + inputs[-1] if group.width % 2 else total
    if name == "sum":
        return inputs.sum(axis=0)
    return group.op.forward(*inputs)


def _products(group: _Group, data: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Each input's share of the group's gradients ``g``: shape (inputs, nodes)."""
    inputs = data[group.inputs]
    name = group.op.name
    if name == "dot":
        n = group.width // 2
        shares = np.empty(inputs.shape)
        np.multiply(inputs[n : 2 * n], g, out=shares[:n])
        np.multiply(inputs[:n], g, out=shares[n : 2 * n])
        if group.width % 2:
            shares[-1] = g
        return shares
    if name == "sum":
        return np.broadcast_to(g, inputs.shape)
    grads = group.op.vjp(g, data[group.outputs], *inputs)
    return np.array(np.broadcast_arrays(*grads, g)[:-1])
