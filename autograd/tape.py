"""Record a graph once and replay it: forward and backward again without building new nodes.

Every ``backward`` sorts the graph, and every forward pass builds a node per op. When the same
computation runs again and again on new numbers (a training loop over a fixed batch), a
:class:`Tape` keeps the nodes of one run and their topological order: :meth:`Tape.forward`
recomputes each node's data from its parents' data, in that order, with the op's own forward
rule, and :meth:`Tape.backward` is the usual backward pass along the stored order.

Change the leaves' ``data`` between replays (an optimizer step, new inputs of the same shape).
Like ``torch.jit.trace``, a tape replays the ops that ran when it was recorded: Python control
flow that looked at the data (``if x > 0: ...``) is not re-evaluated.

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

from autograd.anomaly import _AnomalyMode, _check_replayed
from autograd.backward import _backpropagate, topological_order
from autograd.value import Value

__all__ = ["Tape"]


class Tape:
    """The graph of ``root``, recorded for replay.

    Args:
        root: the output of a computation already run once (a loss, usually).

    Attributes:
        root: the recorded output.
        order: every node of the graph in topological order (inputs first, ``root`` last).
    """

    __slots__ = ("root", "order", "_ops")

    def __init__(self, root: Value) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"Tape records the graph of a Value, got {type(root).__name__}")
        self.root = root
        self.order = topological_order(root)
        self._ops = [node for node in self.order if node._prev]  # the nodes an op made, in order

    def forward(self) -> Any:
        """Recompute every node from the leaves' current data; return the root's new data."""
        check = _AnomalyMode.enabled
        for node in self._ops:
            node.data = node._op.forward(*[p.data for p in node._prev])  # type: ignore[union-attr]
            if check:
                _check_replayed(node)
        return self.root.data

    def backward(self, seed: Any = 1.0) -> None:
        """``root.backward(seed)`` along the recorded order (leaves accumulate, as usual)."""
        _backpropagate(self.root, self._ops, seed)  # leaves only receive: no need to visit them

    def __len__(self) -> int:
        return len(self.order)

    def __repr__(self) -> str:
        return f"Tape({len(self.order)} nodes, root={self.root!r})"
