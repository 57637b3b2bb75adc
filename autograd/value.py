"""``Value``: a scalar (or one value per sample) that records the operations applied to it.

Example:
    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
    >>> c = a * b + a.exp()
    >>> c.backward()
    >>> round(a.grad, 6), b.grad          # dc/da = b + e^a, dc/db = a
    (10.389056, 2.0)
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Union

import numpy as np

from autograd.anomaly import _AnomalyMode, _on_new_node
from autograd.grad_mode import _GradMode
from autograd.ops import OPS, Op, different_batch_sizes
from autograd.rule_expressions import WrittenRules, define, expression

__all__ = ["Value", "dot", "sum_values", "Number"]

Number = Union[int, float, np.integer, np.floating]
Operand = Union["Value", int, float, np.integer, np.floating, np.ndarray]

_ndarray = np.ndarray
_new = object.__new__

_ADD, _SUB, _MUL, _DIV, _NEG, _POW = (OPS[n] for n in ("add", "sub", "mul", "div", "neg", "pow"))
_SUM, _DOT, _BATCH_SUM = OPS["sum"], OPS["dot"], OPS["batch_sum"]
# Marks a number that an operator wrapped into a ``Value`` (``x * 2``: the ``2``).
CONSTANT = Op("const", lambda: None, lambda g, out: ())


def _check_data(data: Any) -> float | np.ndarray:
    """Validate what a user passes to ``Value(...)`` and convert it to float64."""
    if type(data) is float:  # the common case: nothing to check or convert
        return data
    if isinstance(data, (bool, np.bool_)) or not isinstance(data, (numbers.Real, np.ndarray)):
        raise TypeError(
            f"Value expects a real number (int, float, numpy scalar) or a 1-D numpy array, "
            f"got {type(data).__name__}: {data!r}"
        )
    if isinstance(data, np.ndarray):
        if data.ndim == 0:
            return _check_data(data.item())
        if data.ndim != 1 or data.dtype.kind not in "iuf":
            raise TypeError(
                f"Value expects a 1-D array of real numbers (one per sample), "
                f"got an array of shape {data.shape} and dtype {data.dtype}"
            )
        if data.size == 0:
            raise ValueError("Value expects at least one sample, got an empty array")
        return data.astype(np.float64)
    return float(data)


def _result(data: Any, op: Op, parents: tuple[Value, ...]) -> Value:
    """Make the node for ``op(*parents)`` without re-validating ``data`` (the hot path)."""
    if type(data) is _ndarray:
        _check_batch_sizes(data, op, parents)
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    if _GradMode.enabled:
        node._op = op
        node._prev = parents
    else:
        node._op = None
        node._prev = ()
    if _AnomalyMode.enabled:
        _on_new_node(node, op.name, parents)
    return node


def _check_batch_sizes(data: np.ndarray, op: Op, parents: tuple[Value, ...]) -> None:
    """Refuse batched values of different sizes: numpy would stretch a 1-sample batch over an
    n-sample one, and its gradient would come back with n entries instead of 1."""
    for parent in parents:
        parent_data = parent.data
        if type(parent_data) is _ndarray and parent_data.shape != data.shape:
            raise different_batch_sizes(op.name, {len(p.data) for p in parents if type(p.data) is _ndarray})


def _constant(data: Any) -> Value:
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    node._op = CONSTANT
    node._prev = ()
    return node


def _lift(x: Any) -> Value | Any:
    """``x`` as a ``Value``: numbers and arrays become constants; anything else NotImplemented."""
    if type(x) is Value:
        return x
    if isinstance(x, Value):
        return x
    if type(x) is float or (isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))):
        return _constant(float(x))
    if isinstance(x, np.ndarray):
        return _constant(_check_data(x))
    return NotImplemented


class Value:
    """A node of the computation graph: a number, its gradient, and how it was made.

    Args:
        data: an int, float or numpy scalar (stored as a Python float), or a 1-D numpy array
            holding one value per sample (stored as float64; see "Batched values" in the README).
        label: a name used in ``repr`` and in graph pictures.

    Attributes:
        data: the forward value.
        grad: d(root)/d(self) after ``root.backward()``; ``0.0`` until a backward reaches it.
            Leaves accumulate over calls (as in PyTorch: reset with ``v.grad = 0.0`` or an
            optimizer's ``zero_grad``); interior nodes are recomputed by each ``backward``.
        label: the name given at creation.

    Raises:
        TypeError: if ``data`` is not a real number or a 1-D numeric array.
        ValueError: if ``data`` is an empty array.

    Example:
        >>> x = Value(3.0, label="x")
        >>> y = x ** 2
        >>> y.backward()
        >>> x.grad
        6.0
    """

    __slots__ = ("data", "grad", "label", "_op", "_prev", "__weakref__")
    # Make numpy hand ``array <op> Value`` back to our reflected operators.
    __array_ufunc__ = None

    data: Any
    grad: Any
    label: str
    _op: Op | None
    _prev: tuple[Value, ...]

    def __init__(self, data: Number | np.ndarray, label: str = "") -> None:
        self.data = _check_data(data)
        self.grad = 0.0
        self.label = str(label)
        self._op = None
        self._prev = ()

    # --- the graph -----------------------------------------------------------------------

    @property
    def op(self) -> str:
        """The name of the op that made this node: ``""`` for a leaf, ``"const"`` for a constant."""
        return self._op.name if self._op is not None else ""

    @property
    def parents(self) -> tuple[Value, ...]:
        """The op's inputs, in order (``a + a`` has the same parent twice)."""
        return self._prev

    @property
    def is_leaf(self) -> bool:
        """True for a node no op made (a parameter, an input or a constant)."""
        return not self._prev

    def backward(self, seed: Any = 1.0) -> None:
        """Backpropagate from this node: add d(self)/d(leaf) * seed to every leaf's ``grad``.

        Interior nodes' ``grad`` is recomputed; leaves accumulate, so calling ``backward``
        twice doubles a leaf's gradient (as in PyTorch). A batched node is seeded with
        ``seed`` for every sample, i.e. it backpropagates the gradient of its sum.

        Example:
            >>> a = Value(3.0)
            >>> (a * a * a).backward()
            >>> a.grad
            27.0
        """
        from autograd.backward import backward

        backward(self, seed)

    def item(self) -> float:
        """The data as a Python float (scalar values only)."""
        if isinstance(self.data, _ndarray):
            raise TypeError(f"item() needs a scalar Value, this one holds {self.data.size} samples")
        return float(self.data)

    def __float__(self) -> float:
        return self.item()

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        op = f", op={self.op!r}" if self._prev else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label}{op})"

    # --- applying ops --------------------------------------------------------------------

    def _unary(self, op: Op) -> Value:
        return _result(op.forward(self.data), op, (self,))

    def _binary(self, op: Op, other: Any, reflected: bool = False) -> Value:
        other = other if type(other) is Value else _lift(other)
        if other is NotImplemented:
            return NotImplemented
        a, b = (other, self) if reflected else (self, other)
        return _result(op.forward(a.data, b.data), op, (a, b))

    def __add__(self, other: Operand) -> Value:
        return self._binary(_ADD, other)

    def __radd__(self, other: Operand) -> Value:
        return self._binary(_ADD, other, reflected=True)

    def __sub__(self, other: Operand) -> Value:
        return self._binary(_SUB, other)

    def __rsub__(self, other: Operand) -> Value:
        return self._binary(_SUB, other, reflected=True)

    def __mul__(self, other: Operand) -> Value:
        return self._binary(_MUL, other)

    def __rmul__(self, other: Operand) -> Value:
        return self._binary(_MUL, other, reflected=True)

    def __truediv__(self, other: Operand) -> Value:
        return self._binary(_DIV, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return self._binary(_DIV, other, reflected=True)

    def __pow__(self, other: Operand) -> Value:
        return self._binary(_POW, other)

    def __rpow__(self, other: Operand) -> Value:
        return self._binary(_POW, other, reflected=True)

    def __neg__(self) -> Value:
        return self._unary(_NEG)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return self.abs()

    # Comparisons look at the data only (they are not differentiable); ``==`` stays identity
    # so that values can live in sets and dicts.
    def __lt__(self, other: Any) -> Any:
        return self.data < _plain(other)

    def __le__(self, other: Any) -> Any:
        return self.data <= _plain(other)

    def __gt__(self, other: Any) -> Any:
        return self.data > _plain(other)

    def __ge__(self, other: Any) -> Any:
        return self.data >= _plain(other)

    __hash__ = object.__hash__

    # --- functions (each dispatches into the op table) -----------------------------------

    def exp(self) -> Value:
        """e ** self. Raises ``OverflowError`` when the result exceeds the float range (~e**709.78)."""
        return self._unary(OPS["exp"])

    def log(self) -> Value:
        """Natural logarithm. Raises ``ValueError`` for inputs <= 0."""
        return self._unary(OPS["log"])

    def sqrt(self) -> Value:
        """Square root. Raises ``ValueError`` for negative inputs; sqrt'(0) is +inf."""
        return self._unary(OPS["sqrt"])

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return self._unary(OPS["tanh"])

    def sigmoid(self) -> Value:
        """1 / (1 + e ** -self), computed without overflow for any input."""
        return self._unary(OPS["sigmoid"])

    def softplus(self) -> Value:
        """log(1 + e ** self), computed without overflow for any input."""
        return self._unary(OPS["softplus"])

    def relu(self) -> Value:
        """max(self, 0); its derivative at 0 is 0."""
        return self._unary(OPS["relu"])

    def abs(self) -> Value:
        """|self|; its derivative at 0 is 0."""
        return self._unary(OPS["abs"])

    def sin(self) -> Value:
        """Sine (radians)."""
        return self._unary(OPS["sin"])

    def cos(self) -> Value:
        """Cosine (radians)."""
        return self._unary(OPS["cos"])

    def sum(self) -> Value:
        """Sum over the samples of a batched value (a scalar value is returned unchanged)."""
        if not isinstance(self.data, _ndarray):
            return self
        return self._unary(_BATCH_SUM)

    def mean(self) -> Value:
        """Mean over the samples of a batched value (a scalar value is returned unchanged)."""
        if not isinstance(self.data, _ndarray):
            return self
        return self._unary(_BATCH_SUM) * (1.0 / self.data.size)


def _plain(x: Any) -> Any:
    return x.data if isinstance(x, Value) else x


def _lift_all(items: Iterable[Any], what: str) -> tuple[Value, ...]:
    lifted = []
    for i, item in enumerate(items):
        value = _lift(item)
        if value is NotImplemented:
            raise TypeError(f"{what}[{i}] must be a Value or a number, got {type(item).__name__}")
        lifted.append(value)
    return tuple(lifted)


def sum_values(values: Iterable[Operand]) -> Value:
    """The sum of many values as a single graph node (Python's ``sum`` makes a chain).

    Example:
        >>> from autograd import Value, sum_values
        >>> xs = [Value(1.0), Value(2.0), Value(3.0)]
        >>> s = sum_values(xs)
        >>> s.data, len(s.parents)
        (6.0, 3)
    """
    parents: tuple[Any, ...] = tuple(values)
    if set(map(type, parents)) != {Value}:
        parents = _lift_all(parents, "values")
    forward = _forwards.get(_SUM, len(parents))  # sum's rule is the same for arrays
    if forward is not None:
        return _result(forward(parents), _SUM, parents)
    return _result(_SUM.forward(*[p.data for p in parents]), _SUM, parents)


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
    return _dot_node(parents)


def _dot_node(parents: tuple[Value, ...]) -> Value:
    """The node :func:`dot` makes once its arguments are checked: ``parents`` are ``Value`` s
    already, the weights, then as many inputs, then the bias if there is one.

    ``nn`` neurons, whose weights and inputs are always values, call it directly.
    """
    n = len(parents) // 2
    if n and type(parents[n].data) is not _ndarray:  # scalar inputs (``ops._dot``'s own test)
        forward = _forwards.get(_DOT, len(parents))
        if forward is not None:
            return _result(forward(parents), _DOT, parents)
    return _result(_DOT.forward(*[p.data for p in parents]), _DOT, parents)


def _make_forward(op: Op, n_inputs: int) -> Callable[[tuple[Value, ...]], Any] | None:
    """The forward of this module's n-ary ``op`` for ``n_inputs`` inputs, as one function of
    the parents written out from the rule's own expression (:mod:`autograd.rule_expressions`):
    ``p0.data * p2.data + ...``, with no list of inputs and no loop. Same float operations in
    the same order as the rule. ``None`` for a rule that is not arithmetic alone."""
    template = expression(op.forward, n_inputs)
    if not isinstance(template, str):
        return None
    parents = [f"p{k}" for k in range(n_inputs)]
    body = template.format(*[f"{p}.data" for p in parents])
    lines = ["def forward(parents):", f"    {', '.join(parents)}, = parents", f"    return {body}"]
    forward: Callable[[tuple[Value, ...]], Any] = define(lines, "forward", f"forward for {op.name}")
    return forward


_forwards = WrittenRules(_make_forward)  # _forwards.get(op, n_inputs) -> function or None
