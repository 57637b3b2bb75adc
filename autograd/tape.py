"""Record a graph once and replay it: forward and backward again without building new nodes.

Every ``backward`` sorts the graph, and every forward pass builds a node per op. When the same
computation runs again and again on new numbers (a training loop over a fixed batch), a
:class:`Tape` keeps the nodes of one run and their topological order: :meth:`Tape.forward`
recomputes each node's data from its parents' data, in that order, with the op's own forward
rule, and :meth:`Tape.backward` is the usual backward pass along the stored order.

When every node holds a float (scalar values, no batches) the tape can go one step further and
write the graph out as straight-line Python, one assignment per op (:attr:`Tape.source`, see
:mod:`autograd.straight_line`), which replays two to four times faster than walking the
nodes, with the same numbers to the last bit. Writing it costs time and memory in proportion
to the graph, once: about 30-100 us and 0.6 kB kept per edge (wide ``dot`` nodes to small ops,
measured on a loaded 2-core machine; while Python compiles it, at most about 10 MB more, see
:mod:`autograd.straight_line`). So by default only graphs of up to ``STRAIGHT_LINE_EDGES``
edges get one (about a second at most); pass ``straight_line=True`` to write one for a bigger
graph you replay for a hundred steps or more (up to ``STRAIGHT_LINE_MAX_EDGES``, a minute and
600 MB, unless you raise it), or ``False`` to always walk. Leaves that no longer hold floats, and
:func:`~autograd.detect_anomaly`, fall back to the node walk.

Change the leaves' ``data`` between replays (an optimizer step, new inputs of the same shape).
Writing a leaf's ``data`` checks it as ``Value(...)`` does; a replay refuses a batched leaf whose
number of samples changed (the batch size is part of the recording: ``mean`` divided by it).
Like ``torch.jit.trace``, a tape replays the ops that ran when it was recorded: Python control
flow that looked at the data (``if x > 0: ...``) is not re-evaluated. It replays only the
nodes its root depends on: a value computed alongside that the root does not use (a
prediction, when the loss starts from the logit before the sigmoid) keeps its old data.

Example:
    >>> from autograd import Tape, Value
    >>> w, x = Value(2.0), Value(3.0)
    >>> tape = Tape(w * x + w)          # records the graph of w * x + w
    >>> w.data = 5.0
    >>> tape.forward()                   # 5 * 3 + 5, on the recorded nodes
    20.0
    >>> tape.backward()
    >>> w.grad, x.grad
    (4.0, 5.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.anomaly import check_replayed, is_anomaly_enabled
from autograd.op_rules import different_batch_sizes
from autograd.straight_line import NOT_SCALAR, StraightLine, compile_scalar_graph
from autograd.value import Value, _Writes, backpropagate, refuse_stale, topological_order
from autograd.vectorized import NOT_FLOATS, LevelPlan, plan_levels

__all__ = ["Tape", "STRAIGHT_LINE_EDGES", "STRAIGHT_LINE_MAX_EDGES"]

# Up to this many edges, a scalar tape is written out as straight-line code by default.
STRAIGHT_LINE_EDGES = 10_000
# Above this many, even ``straight_line=True`` refuses (past a minute and 600 MB of code):
# set ``autograd.tape.STRAIGHT_LINE_MAX_EDGES`` higher to write a bigger graph anyway.
STRAIGHT_LINE_MAX_EDGES = 1_000_000


class Tape:
    """The graph of ``root``, recorded for replay.

    Args:
        root: the output of a computation already run once (a loss, usually).
        straight_line: replay through generated straight-line code (``True``), by walking the
            nodes (``False``), or decide by size (``None``: scalar graphs of up to
            ``STRAIGHT_LINE_EDGES`` edges). The code is written on the first replay.
        vectorized: replay with numpy, one array operation per group of like nodes
            (:mod:`autograd.vectorized`): for big graphs of floats, several times faster than
            the walk, with gradients equal to the walk's to rounding, not to the bit. Planned
            on the first replay; where it cannot (batches, anomaly mode, a non-finite number)
            the tape walks.

    Attributes:
        root: the recorded output.
        order: every node of the graph in topological order (inputs first, ``root`` last).

    Raises:
        TypeError: if ``root`` is not a ``Value``.
        ValueError: if ``straight_line=True`` and the graph holds batched values (or anything
            but floats), which only the node walk replays, or has more than
            ``STRAIGHT_LINE_MAX_EDGES`` edges; or if both ``straight_line`` and ``vectorized``
            are ``True``.
    """

    __slots__ = (
        "root", "order", "_ops", "_program", "_wanted", "_leaves_scalar", "_sizes", "_fresh", "vectorized",
        "_plan",
    )  # fmt: skip

    def __init__(self, root: Value, straight_line: bool | None = None, vectorized: bool = False) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"Tape records the graph of a Value, got {type(root).__name__}")
        if straight_line not in (None, True, False):
            raise TypeError(f"Tape: straight_line must be True, False or None, got {straight_line!r}")
        if vectorized not in (True, False):
            raise TypeError(f"Tape: vectorized must be True or False, got {vectorized!r}")
        if vectorized and straight_line:
            raise ValueError("Tape: choose straight_line=True or vectorized=True, not both")
        self.vectorized = vectorized
        self._plan: LevelPlan | bool | None = None  # planned on the first replay; False: cannot
        self.root = root
        order = self.order = topological_order(root)
        self._ops = [node for node in order if node._a is not None]  # the nodes an op made, in order
        # Each leaf's batch size (None: a float). It is part of what was recorded: ``mean``
        # divided by it, and an op may have met it.
        self._sizes = {node: _size(node._data) for node in order if node._a is None}
        scalar = set(map(type, [node._data for node in order])) == {float}
        if straight_line and not scalar:
            kinds = sorted({type(node.data).__name__ for node in self.order} - {"float"})
            raise ValueError(
                f"Tape(straight_line=True) needs a graph of floats; this one holds {', '.join(kinds)}"
            )
        may_write = straight_line or (straight_line is None and not vectorized)  # else no need to count
        edges = sum(len(node._many) or 1 + (node._b is not None) for node in self._ops) if may_write else 0
        if straight_line and edges > STRAIGHT_LINE_MAX_EDGES:
            raise ValueError(
                f"Tape(straight_line=True): the graph has {edges:,} edges, more than"
                f" autograd.tape.STRAIGHT_LINE_MAX_EDGES = {STRAIGHT_LINE_MAX_EDGES:,}; raise that"
                " limit to write its code anyway, or pass straight_line=None to walk the nodes"
            )
        if straight_line is None:
            straight_line = not vectorized and scalar and edges <= STRAIGHT_LINE_EDGES
        self._wanted = straight_line and scalar and bool(self._ops)
        self._program: StraightLine | None = None  # written on first use: recording stays cheap
        self._leaves_scalar = True  # the leaves held floats at recording / at the last forward
        self._fresh = _Writes.count  # no data written since: the nodes match their inputs

    @property
    def source(self) -> str | None:
        """The straight-line Python this tape replays, or ``None`` when it walks the nodes."""
        program = self._straight_line()
        return None if program is None else program.source

    def forward(self) -> Any:
        """Recompute every node from the leaves' current data; return the root's new data."""
        check = is_anomaly_enabled()
        plan = self._levels() if self.vectorized else None
        if plan is not None and check:
            plan.forget()  # the checked walk recomputes the nodes: the plan's numbers go stale
        elif plan is not None:
            out = plan.forward()
            if out is not None and out is not NOT_FLOATS:
                self._fresh = _Writes.count
                return out
        program = self._straight_line()
        if program is not None and not check:
            out = program.forward()
            self._leaves_scalar = out is not NOT_SCALAR
            if self._leaves_scalar:
                self._fresh = _Writes.count
                return out
        batched = self._check_leaves()
        stamp = _Writes.count  # each node is stamped as written now, as ``Value.data``'s setter does
        for node in self._ops:
            op: Any = node.op
            if batched or check or op.fast_forward is None:
                inputs = [p._data for p in node.parents]
                if batched:
                    _check_batch_sizes(node, inputs)
                node._data = op.forward(*inputs)
            else:  # the speed layer's forward (a ``dot``'s written out): the same bits, no list
                node._data = op.fast_forward(node.parents)
            node._stamp = stamp
            if check:
                check_replayed(node)
        self._fresh = _Writes.count
        return self.root.data

    def _check_leaves(self) -> bool:
        """The recorded batch sizes, for the leaves' new data (the write itself checked the data
        as ``Value(...)`` does); True if batched."""
        batched = False
        for leaf, size in self._sizes.items():
            if size is None and type(leaf._data) is float:  # the common case: nothing to check
                continue
            name = f" {leaf.label!r}" if leaf.label else ""
            now = _size(leaf._data)
            if size is not None and now != size:
                raise ValueError(
                    f"Tape: leaf{name} held {size} samples when the tape was recorded and now holds "
                    f"{'a float' if now is None else now}; a tape replays one batch size (mean() "
                    f"divided by it): build the graph again and record a new Tape"
                )
            batched = batched or now is not None
        return batched

    def backward(self, seed: Any = None) -> None:
        """``root.backward(seed)`` along the recorded order (leaves accumulate, as usual).
        Raises ``RuntimeError`` if a leaf's data changed since the last :meth:`forward`."""
        if self._fresh != _Writes.count:  # some data was written since: not necessarily ours
            refuse_stale(self.order)
            self._fresh = _Writes.count
        number = 1.0 if seed is None else float(seed) if isinstance(seed, (int, float)) else None
        if number is not None and not is_anomaly_enabled():  # the fast replays take a number seed
            program = self._straight_line()
            if program is not None and self._leaves_scalar:
                program.backward(number)
                return
            if isinstance(self._plan, LevelPlan) and self._plan.backward(number):  # planned by a forward
                return
        backpropagate(self.root, self._ops, seed)  # leaves only receive: no need to visit them

    def _levels(self) -> LevelPlan | None:
        if self._plan is None:
            self._plan = (self.vectorized and bool(self._ops) and plan_levels(self.order)) or False
        return self._plan if isinstance(self._plan, LevelPlan) else None

    def _straight_line(self) -> StraightLine | None:
        if self._wanted and self._program is None:
            self._program = compile_scalar_graph(self.order, self.root)
        return self._program

    def __len__(self) -> int:
        return len(self.order)

    def __repr__(self) -> str:
        return f"Tape({len(self.order)} nodes, root={self.root!r})"


def _size(data: Any) -> int | None:
    return None if type(data) is float else len(data)


def _check_batch_sizes(node: Value, inputs: list[Any]) -> None:
    """Refuse batched inputs of different sizes, as building the node afresh does (numpy would
    stretch a 1-sample batch over the others)."""
    sizes = {len(x) for x in inputs if type(x) is np.ndarray}
    if len(sizes) > 1:
        raise different_batch_sizes(str(node.op), sizes)
