"""Function transforms in the style of JAX and HIPS autograd: ``grad``, ``value_and_grad``,
``jacobian``, ``hessian``, and :func:`gradients`, which they are built on.

``f`` takes numbers and returns a ``Value`` (or a number); the transforms return plain floats.
They nest: called inside another transform, a transform returns ``Value`` graphs instead, so
``grad(grad(f))`` is the second derivative.

Example:
    >>> from autograd import grad
    >>> f = lambda x: x ** 3
    >>> grad(f)(2.0), grad(grad(f))(2.0), grad(grad(grad(f)))(2.0)
    (12.0, 12.0, 6.0)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Union

import numpy as np

from autograd.anomaly import building_derivatives, check_gradients, is_anomaly_enabled
from autograd.grad_mode import enable_grad
from autograd.ops import OPS
from autograd.value import CONSTANT, Value, _node, _seed_like, refuse_stale, sum_over_batch, topological_order

__all__ = ["grad", "value_and_grad", "jacobian", "hessian", "gradients"]

ArgNums = Union[int, Sequence[int]]
_IDENTITY = OPS["identity"]


class _TracingDepth(threading.local):
    depth = 0  # how many transforms are running f right now, in this thread


_Tracing = _TracingDepth()


def _normalise_argnums(argnums: ArgNums, nargs: int) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise ValueError("argnums must name at least one argument")
    for n in nums:
        if not isinstance(n, int) or not -nargs <= n < nargs:
            raise ValueError(
                f"argnums {argnums!r} out of range for a function called with {nargs} argument(s)"
            )
    return tuple(n % nargs for n in nums)


def _trace(
    f: Callable[..., Any], args: tuple[Any, ...], nums: tuple[int, ...]
) -> tuple[Any, list[Value], bool]:
    """Call ``f`` with the chosen arguments as graph leaves; say whether we are nested."""
    nested = _Tracing.depth > 0 or any(isinstance(a, Value) for a in args)
    call_args = list(args)
    leaves: dict[int, Value] = {}
    for n in dict.fromkeys(nums):  # argnums=(0, 0): one leaf, its derivative given twice
        arg = args[n]
        # A fresh node even for a traced Value: differentiating through ``identity(arg)``
        # counts only the uses made inside ``f``, never the outer transform's own uses of
        # ``arg`` (no "perturbation confusion").
        leaves[n] = call_args[n] = arg._unary(_IDENTITY) if isinstance(arg, Value) else Value(arg)
    wrt = [leaves[n] for n in nums]
    _Tracing.depth += 1
    try:
        with enable_grad():  # a transform differentiates even when called inside no_grad()
            out = f(*call_args)
    finally:
        _Tracing.depth -= 1
    return out, wrt, nested


def _derivatives(out: Any, wrt: list[Value], nested: bool) -> list[Any]:
    if not isinstance(out, Value):
        if isinstance(out, (int, float)):
            return [0.0] * len(wrt)  # f does not depend on its arguments
        raise TypeError(f"the function must return a Value or a number, got {type(out).__name__}")
    if isinstance(out.data, np.ndarray):
        raise TypeError("the function must return a scalar Value; reduce a batched one with .sum()")
    return gradients(out, wrt, create_graph=nested)


def _entry(d: Any, nested: bool) -> Any:
    """A derivative as the user gets it: a graph when nested, else a float."""
    if nested and isinstance(d, Value):
        return d
    return d.item() if isinstance(d, Value) else float(d)


def value_and_grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., tuple[Any, Any]]:
    """Return a function computing ``(f(*args), df/d args[argnums])``.

    With an int ``argnums`` the gradient is one float; with a sequence it is a tuple.

    Example:
        >>> from autograd import value_and_grad
        >>> value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
        (12.0, (4.0, 3.0))
    """

    def wrapped(*args: Any) -> tuple[Any, Any]:
        nums = _normalise_argnums(argnums, len(args))
        out, wrt, nested = _trace(f, args, nums)
        derivs = _derivatives(out, wrt, nested)
        value = out if nested or not isinstance(out, Value) else out.data
        return value, derivs[0] if isinstance(argnums, int) else tuple(derivs)

    return wrapped


def grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """Return a function computing the derivative of ``f`` with respect to ``args[argnums]``.

    Example:
        >>> from autograd import grad
        >>> grad(lambda x: x.sin())(0.0)
        1.0
    """
    vg = value_and_grad(f, argnums)

    def wrapped(*args: Any) -> Any:
        return vg(*args)[1]

    return wrapped


def jacobian(f: Callable[..., Any]) -> Callable[..., list[list[float]]]:
    """Return a function computing ``d f_i / d x_j`` for a function of several outputs.

    ``f`` takes numbers and returns a sequence of ``Value`` s (or numbers: constant outputs);
    row ``i`` of the result holds the derivatives of output ``i`` with respect to every
    argument, in order (one reverse pass per output). A single ``Value`` counts as one output.
    The entries are floats; inside another transform they are ``Value`` graphs (it nests, like
    ``grad``: a float there would be a constant to the outer transform).

    Raises:
        TypeError: if ``f`` returns something other than scalar values or numbers.

    Example:
        >>> from autograd import jacobian
        >>> jacobian(lambda r, t: [r * t.cos(), r * t.sin()])(2.0, 0.0)   # polar -> cartesian
        [[1.0, -0.0], [0.0, 2.0]]
    """

    def wrapped(*args: Any) -> list[list[float]]:
        if not args:
            raise ValueError("jacobian needs at least one argument to differentiate")
        out, wrt, nested = _trace(f, args, tuple(range(len(args))))
        outputs = [out] if isinstance(out, Value) else out
        if isinstance(outputs, (str, bytes)) or not isinstance(outputs, Sequence):
            raise TypeError(
                f"jacobian: the function must return a Value or a sequence of them, got {type(out).__name__}"
            )
        rows = []
        for i, output in enumerate(outputs):
            try:
                rows.append([_entry(d, nested) for d in _derivatives(output, wrt, nested)])
            except TypeError as error:
                raise TypeError(f"jacobian: output {i}: {error}") from None
        return rows

    return wrapped


def hessian(f: Callable[..., Any]) -> Callable[..., list[list[float]]]:
    """Return a function computing the matrix of second derivatives of ``f`` (a list of lists).

    Like ``jacobian``, its entries are floats, or ``Value`` graphs inside another transform.

    Example:
        >>> from autograd import hessian
        >>> hessian(lambda x, y: x * x * y)(1.0, 2.0)
        [[4.0, 2.0], [2.0, 0.0]]
    """

    def wrapped(*args: Any) -> list[list[float]]:
        nums = tuple(range(len(args)))
        out, wrt, nested = _trace(f, args, nums)
        first = _derivatives(out, wrt, nested=True)
        rows = []
        for g in first:
            if isinstance(g, Value):
                rows.append([_entry(d, nested) for d in gradients(g, wrt, create_graph=nested)])
            else:
                rows.append([0.0] * len(wrt))
        return rows

    return wrapped


def gradients(root: Value, wrt: Sequence[Value], seed: Any = None, create_graph: bool = False) -> list[Any]:
    """d(root)/d(x) for each ``x`` in ``wrt``, without touching any ``.grad``.

    Args:
        root: the value to differentiate.
        wrt: the nodes to differentiate with respect to (leaves or interior nodes).
        seed: the upstream gradient of ``root``: by default 1 for a scalar root (the plain
            derivative); a batched root needs one (as for ``backward``). With
            ``create_graph=True`` it may be a ``Value``, and the gradients depend on it.
        create_graph: return the gradients as ``Value`` graphs that can be differentiated
            again (higher-order derivatives); otherwise floats (or arrays for batched nodes).

    A node that ``root`` does not depend on gets gradient 0. Gradients live in a dict, each
    dropped once passed on (as in HIPS autograd), so a graph of derivatives stays small.

    Raises:
        TypeError: if ``root`` is not a ``Value`` or ``wrt`` is not a list of ``Value`` s.

    Example:
        >>> from autograd import Value, gradients
        >>> x = Value(3.0)
        >>> (dy,) = gradients(x ** 3, [x], create_graph=True)     # 3x^2, as a graph
        >>> dy.data, gradients(dy, [x])[0]                         # and its derivative 6x
        (27.0, 18.0)
    """
    _check_gradients_args(root, wrt)
    order = topological_order(root)
    refuse_stale(order)
    grads: dict[Value, Any] = {}
    if create_graph:
        with enable_grad(), building_derivatives():
            grads[root] = _graph_seed(root, seed)
            _accumulate(order, grads, set(wrt), lambda node: node, lambda node: node.parents)
    else:
        grads[root] = _seed_like(root.data, seed)
        inputs_of = lambda node: [p.data for p in node.parents]  # noqa: E731
        _accumulate(order, grads, set(wrt), lambda node: node.data, inputs_of)
    return [grads.get(x, 0.0) for x in wrt]


def _graph_seed(root: Value, seed: Any) -> Value:
    if not isinstance(seed, Value):
        return _node(_seed_like(root.data, seed), CONSTANT, ())
    if np.shape(seed.data) != np.shape(root.data):
        raise ValueError(f"gradients: a Value seed must have the root's shape {np.shape(root.data)}, "
                         f"got {np.shape(seed.data)}")  # fmt: skip
    return seed


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

    A gradient is dropped once it has been passed on, unless its node is in ``keep``. Only the
    nodes through which ``root`` depends on a node of ``keep`` get one (as in PyTorch): the
    others' would be computed for nothing, and anomaly mode would check them.
    """
    check = is_anomaly_enabled()
    needed = set(keep)
    for node in order:
        if any(p in needed for p in node.parents):
            needed.add(node)
    for node in reversed(order):
        if node.is_leaf or node not in needed:
            continue
        g = grads.get(node) if node in keep else grads.pop(node, None)
        if g is None:
            continue
        local = node.op.vjp(g, out_of(node), *inputs_of(node))  # type: ignore[union-attr]
        if check:  # only the gradients that are passed on
            check_gradients(node, g, [grad if p in needed else 0.0 for p, grad in zip(node.parents, local)])
        batched = type(node.data) is np.ndarray
        for parent, grad in zip(node.parents, local):
            if parent not in needed:
                continue
            if batched and type(parent.data) is not np.ndarray:
                grad = sum_over_batch(grad)
            grads[parent] = grads[parent] + grad if parent in grads else grad
