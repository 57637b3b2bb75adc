"""``Value``: a number that records the operations applied to it, and the backward pass.

The engine's core, with the op table (:mod:`autograd.ops`) and grad mode. Read it top to
bottom: making nodes, the ``Value`` class, then :func:`topological_order` and
:func:`backpropagate`. Speed-ups, anomaly checks, tapes and pictures plug in from outside.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any, Union

import numpy as np

from autograd.grad_mode import _mode
from autograd.op_rules import different_batch_sizes
from autograd.ops import CONSTANT, OPS, Op

__all__ = ["Value", "apply_op", "topological_order", "backward", "backpropagate", "refuse_stale", "Hooks"]

Number = Union[int, float, np.integer, np.floating]
Operand = Union["Value", int, float, np.integer, np.floating, np.ndarray]

_ndarray = np.ndarray
_ADD, _SUB, _MUL, _DIV, _NEG, _POW = (OPS[n] for n in ("add", "sub", "mul", "div", "neg", "pow"))
_BATCH_SUM = OPS["batch_sum"]
_PLACE = object()  # topological_order's marker: the node below it is placed when it comes off


class _Writes:
    count = 0  # writes to any Value's data; a node is stamped with it when made and when written


class Hooks:
    """Where a debugging layer plugs in (anomaly mode, while active): ``on_new_node(node, op,
    parents)`` runs for every node an op makes, ``after_step(node)`` after each backward step."""

    on_new_node: Callable[[Value, Op, tuple[Value, ...]], None] | None = None
    after_step: Callable[[Value], None] | None = None


# --- making nodes ----------------------------------------------------------------------------


def _check_data(data: Any) -> float | np.ndarray:
    """Validate what a user passes to ``Value(...)`` and convert it to float64."""
    if type(data) is float:  # the common case: nothing to check or convert
        return data
    if isinstance(data, (bool, np.bool_)) or not isinstance(data, (numbers.Real, np.ndarray)):
        raise TypeError(f"Value expects a real number (int, float, numpy scalar) or a 1-D numpy "
                        f"array, got {type(data).__name__}: {data!r}")  # fmt: skip
    if not isinstance(data, np.ndarray):
        return float(data)
    if data.ndim == 0:
        return _check_data(data.item())
    if data.ndim != 1 or data.dtype.kind not in "iuf":
        raise TypeError(f"Value expects a 1-D array of real numbers (one per sample), got an array "
                        f"of shape {data.shape} and dtype {data.dtype}")  # fmt: skip
    if data.size == 0:
        raise ValueError("Value expects at least one sample, got an empty array")
    return data.astype(np.float64)


def _node(data: Any, op: Op | None, parents: tuple[Value, ...]) -> Value:
    """A new node, without re-validating ``data`` (the hot path)."""
    node = object.__new__(Value)
    node._data = data
    node.grad = 0.0
    node.label = ""
    node.op = op
    node._a = parents[0] if parents else None
    node._b = parents[1] if len(parents) > 1 else None
    node._many = parents if len(parents) > 2 else ()
    node._stamp = _Writes.count
    return node


def _result(data: Any, op: Op, parents: tuple[Value, ...]) -> Value:
    """The node for ``op(*parents)``; it records its op and parents only in grad mode."""
    if type(data) is _ndarray:
        _check_batch_sizes(data, op, parents)
    node = _node(data, op, parents) if _mode.enabled else _node(data, None, ())
    if Hooks.on_new_node is not None:
        Hooks.on_new_node(node, op, parents)
    return node


def apply_op(op: Op, parents: tuple[Value, ...]) -> Value:
    """The node for ``op`` applied to ``parents`` (how to use an op you registered yourself)."""
    fast = op.fast_forward
    return _result(fast(parents) if fast else op.forward(*[p._data for p in parents]), op, parents)


def _check_batch_sizes(data: np.ndarray, op: Op, parents: tuple[Value, ...]) -> None:
    """Refuse batched values of different sizes: numpy would stretch a 1-sample batch over an
    n-sample one, and its gradient would come back with n entries instead of 1."""
    for parent in parents:
        if type(parent._data) is _ndarray and parent._data.shape != data.shape:
            raise different_batch_sizes(op.name, {len(p.data) for p in parents if type(p.data) is _ndarray})


def _lift(x: Any) -> Value | Any:
    """``x`` as a ``Value``: numbers and arrays become constants; anything else NotImplemented."""
    if isinstance(x, Value):
        return x
    if type(x) in (float, int) or (isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))):
        return _node(float(x), CONSTANT, ())
    if isinstance(x, np.ndarray):
        return _node(_check_data(x), CONSTANT, ())
    return NotImplemented


# --- the Value class -------------------------------------------------------------------------


class Value:
    """A node of the computation graph: a number, its gradient, and how it was made.

    Args:
        data: an int, float or numpy scalar (stored as a Python float), or a 1-D numpy array
            holding one value per sample (stored as float64; see "Batched values" in the README).
        label: a name used in ``repr`` and in graph pictures.

    Attributes:
        grad: d(root)/d(self) after ``root.backward()``; leaves accumulate over calls (reset
            with ``zero_grad``), interior nodes are recomputed by each ``backward``.
        label: the name given at creation.
        op: the :class:`~autograd.Op` that made this node (it compares equal to its name:
            ``node.op == "mul"``); ``None`` for a leaf, ``"const"`` for a wrapped number.

    Raises ``TypeError`` if ``data`` is not a real number or a 1-D numeric array, and
    ``ValueError`` for an empty array.

    Operators ``+ - * / **`` and unary ``-``, ``abs()``; methods ``exp`` (``OverflowError``
    past ~e**709.78), ``log`` (``ValueError`` at <= 0), ``sqrt`` (``ValueError`` below 0;
    sqrt'(0) = inf), ``tanh``, ``sigmoid`` and ``softplus`` (no overflow for any input),
    ``relu`` and ``abs`` (derivative 0 at 0), ``sin``, ``cos`` (radians), ``sum``, ``mean``.

    Example:
        >>> x = Value(3.0, label="x")
        >>> y = x ** 2
        >>> y.backward()
        >>> x.grad, y.op
        (6.0, Op('pow'))
    """

    # Parents sit in slots ``_a``, ``_b`` (``None`` if absent), all in ``_many`` past two: a node
    # is then one object for Python's garbage collector to track, not two (a node and a tuple).
    __slots__ = ("_data", "grad", "label", "op", "_a", "_b", "_many", "_stamp", "__weakref__")
    __array_ufunc__ = None  # make numpy hand ``array <op> Value`` back to our reflected operators

    def __init__(self, data: Number | np.ndarray, label: str = "") -> None:
        self._data: Any = _check_data(data)
        self.grad: Any = 0.0
        self.label = str(label)
        self.op: Op | None = None
        self._a: Value | None = None
        self._b: Value | None = None
        self._many: tuple[Value, ...] = ()
        self._stamp = _Writes.count

    @property
    def data(self) -> Any:
        """The forward value (a float or a 1-D float64 array); a write is checked as ``Value()``."""
        return self._data

    @data.setter
    def data(self, new: Any) -> None:
        self._data = _check_data(new)
        _Writes.count += 1
        self._stamp = _Writes.count

    @property
    def parents(self) -> tuple[Value, ...]:
        """The op's inputs, in order (``a + a`` has the same parent twice)."""
        if self._many or self._a is None:
            return self._many
        return (self._a,) if self._b is None else (self._a, self._b)

    @property
    def is_leaf(self) -> bool:
        """True for a node no op made (a parameter, an input or a constant)."""
        return self._a is None

    def backward(self, seed: Any = None) -> None:
        """Backpropagate from this node: add d(self)/d(leaf) * seed to every leaf's ``grad``.

        Leaves accumulate, so calling ``backward`` twice doubles a leaf's gradient (as in
        PyTorch). ``seed`` is 1 for a scalar node; a batched node needs one (or ``.sum()`` first).

        Example:
            >>> a = Value(3.0)
            >>> (a * a * a).backward()
            >>> a.grad
            27.0
        """
        backpropagate(self, topological_order(self, leaves=False), seed)

    def item(self) -> float:
        """The data as a Python float (scalar values only)."""
        if isinstance(self.data, _ndarray):
            raise TypeError(f"item() needs a scalar Value, this one holds {self.data.size} samples")
        return float(self.data)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        op = f", op={self.op.name!r}" if self._a is not None and self.op else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label}{op})"

    # --- applying ops: every method dispatches into the op table ----------------------------

    def _unary(self, op: Op) -> Value:
        return _result(op.forward(self._data), op, (self,))

    def _binary(self, op: Op, other: Any, reflected: bool = False) -> Value:
        other = other if type(other) is Value else _lift(other)
        if other is NotImplemented:
            return NotImplemented
        a, b = (other, self) if reflected else (self, other)
        try:
            return _result(op.forward(a._data, b._data), op, (a, b))
        except ValueError:  # numpy's "could not be broadcast" for 2 and 3 samples: say it clearly
            _check_batch_sizes(a._data if type(a._data) is _ndarray else b._data, op, (a, b))
            raise

    # fmt: off
    def __add__(self, other: Operand) -> Value: return self._binary(_ADD, other)
    def __radd__(self, other: Operand) -> Value: return self._binary(_ADD, other, reflected=True)
    def __sub__(self, other: Operand) -> Value: return self._binary(_SUB, other)
    def __rsub__(self, other: Operand) -> Value: return self._binary(_SUB, other, reflected=True)
    def __mul__(self, other: Operand) -> Value: return self._binary(_MUL, other)
    def __rmul__(self, other: Operand) -> Value: return self._binary(_MUL, other, reflected=True)
    def __truediv__(self, other: Operand) -> Value: return self._binary(_DIV, other)
    def __rtruediv__(self, other: Operand) -> Value: return self._binary(_DIV, other, reflected=True)
    def __pow__(self, other: Operand) -> Value: return self._binary(_POW, other)
    def __rpow__(self, other: Operand) -> Value: return self._binary(_POW, other, reflected=True)
    def __neg__(self) -> Value: return self._unary(_NEG)
    def __pos__(self) -> Value: return self
    def __abs__(self) -> Value: return self._unary(OPS["abs"])
    # Functions of one value (the class docstring lists what each does at its edges).
    def exp(self) -> Value: return self._unary(OPS["exp"])
    def log(self) -> Value: return self._unary(OPS["log"])
    def sqrt(self) -> Value: return self._unary(OPS["sqrt"])
    def tanh(self) -> Value: return self._unary(OPS["tanh"])
    def sigmoid(self) -> Value: return self._unary(OPS["sigmoid"])
    def softplus(self) -> Value: return self._unary(OPS["softplus"])
    def relu(self) -> Value: return self._unary(OPS["relu"])
    def abs(self) -> Value: return self._unary(OPS["abs"])
    def sin(self) -> Value: return self._unary(OPS["sin"])
    def cos(self) -> Value: return self._unary(OPS["cos"])

    # Comparisons look at the data only (they are not differentiable); ``==`` stays identity
    # so that values can live in sets and dicts.
    def __lt__(self, other: Any) -> Any: return self.data < _plain(other)
    def __le__(self, other: Any) -> Any: return self.data <= _plain(other)
    def __gt__(self, other: Any) -> Any: return self.data > _plain(other)
    def __ge__(self, other: Any) -> Any: return self.data >= _plain(other)
    # fmt: on

    def sum(self) -> Value:
        """Sum over the samples of a batched value (a scalar value is returned unchanged)."""
        return self._unary(_BATCH_SUM) if isinstance(self.data, _ndarray) else self

    def mean(self) -> Value:
        """Mean over the samples of a batched value (a scalar value is returned unchanged)."""
        return self._unary(_BATCH_SUM) * (1.0 / self.data.size) if isinstance(self.data, _ndarray) else self


def _plain(x: Any) -> Any:
    return x.data if isinstance(x, Value) else x


# --- the backward pass -----------------------------------------------------------------------


def topological_order(root: Value, leaves: bool = True) -> list[Value]:
    """Every node that ``root`` depends on, inputs before the ops that use them, root last: an
    iterative depth-first search (a chain of a million nodes is fine), the same on every run.
    ``leaves=False``: only the nodes an op made (the backward pass needs no more)."""
    order: list[Value] = []
    seen = set()
    stack: list[Any] = [root]  # nodes to visit; an op node's inputs go above it and its marker
    while stack:
        node = stack.pop()
        if node is _PLACE:  # every input of the node below the marker is placed by now
            order.append(stack.pop())
        elif node not in seen:
            seen.add(node)
            if node._a is None:  # a leaf has nothing to wait for: place it now
                order.append(node)
                continue
            stack += (node, _PLACE)
            if node._many:  # inputs pushed last first, so that the first is visited first
                stack += [p for p in node._many[::-1] if (leaves or p._a is not None) and p not in seen]
            else:
                if node._b is not None and (leaves or node._b._a is not None):
                    stack.append(node._b)
                if leaves or node._a._a is not None:
                    stack.append(node._a)
    return order


def backward(root: Value, seed: Any = None) -> None:
    """``root.backward(seed)``: add d(root)/d(leaf) * seed to each leaf's ``.grad``."""
    backpropagate(root, topological_order(root, leaves=False), seed)


def backpropagate(root: Value, order: list[Value], seed: Any = None) -> None:
    """The backward pass along a topological ``order`` of ``root``'s graph (leaves may be left
    out: they only receive). Each node's step runs once its gradient is complete: every node
    that uses it comes later in ``order`` and has pushed its share already."""
    oldest = _Writes.count
    for node in order:
        if node._a is not None:
            node.grad = 0.0
            if node._stamp < oldest:
                oldest = node._stamp
    if oldest != _Writes.count:  # some data was written since this graph began: check it
        refuse_stale(order)
    root.grad += _seed_like(root._data, seed)
    after_step = Hooks.after_step
    for node in reversed(order):
        if node._a is not None:
            (node.op.fast_step or chain_rule)(node)  # type: ignore[union-attr]
            if after_step is not None:
                after_step(node)


def chain_rule(node: Value) -> None:
    """One step of the backward pass: each parent's gradient grows by the node's gradient times
    the local derivative (the op's ``vjp`` computes both products at once)."""
    parents = node.parents
    grads = node.op.vjp(node.grad, node._data, *[p._data for p in parents])  # type: ignore[union-attr]
    batched = type(node._data) is _ndarray
    for parent, grad in zip(parents, grads):
        if batched and type(parent._data) is not _ndarray:
            grad = sum_over_batch(grad)
        parent.grad += grad


def refuse_stale(order: list[Value]) -> None:
    """Raise ``RuntimeError`` if a node's input in ``order`` was written after the node was made:
    backward would mix old and new data. Build the graph again, or replay it with a ``Tape``."""
    for node in order:
        for parent in node.parents:
            if parent._stamp > node._stamp:
                raise RuntimeError(f"backward: the data of {parent!r} changed after the {node.op} node "
                                   "used it: build the graph again, or replay it with a Tape")  # fmt: skip


def sum_over_batch(grad: Any) -> Any:
    """What a scalar parent of a batched node receives: the sum of its per-sample gradients
    (a number passes through: ``dot``'s rule sums with one matrix product)."""
    if type(grad) is _ndarray:
        return float(grad.sum())
    return grad.sum() if isinstance(grad, Value) else grad


def _seed_like(root_data: Any, seed: Any) -> Any:
    if isinstance(seed, Value):  # it would turn every .grad into a graph
        raise TypeError("backward: the seed must be a number or an array, not a Value")
    if isinstance(root_data, _ndarray):
        if seed is None:  # summing silently would hide a forgotten reduction (PyTorch, JAX refuse)
            raise ValueError(f"backward of a batched value ({root_data.size} samples) needs a seed: "
                             "reduce it first (.sum() or .mean()) or pass backward(seed=...)")  # fmt: skip
        return np.broadcast_to(np.asarray(seed, dtype=np.float64), root_data.shape).copy()
    return 1.0 if seed is None else float(seed)
