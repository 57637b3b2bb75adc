"""Function transforms in the style of JAX and HIPS autograd: ``grad``, ``value_and_grad``, ``hessian``.

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

from collections.abc import Callable, Sequence
from typing import Any, Union

import numpy as np

from autograd.backward import gradients
from autograd.grad_mode import enable_grad
from autograd.ops import OPS
from autograd.value import Value

__all__ = ["grad", "value_and_grad", "hessian"]

ArgNums = Union[int, Sequence[int]]
_IDENTITY = OPS["identity"]


class _Tracing:
    depth = 0  # how many transforms are running f right now


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
    wrt = []
    for n in nums:
        arg = args[n]
        # A fresh node even for a traced Value: differentiating through ``identity(arg)``
        # counts only the uses made inside ``f``, never the outer transform's own uses of
        # ``arg`` (no "perturbation confusion").
        leaf = arg._unary(_IDENTITY) if isinstance(arg, Value) else Value(arg)
        call_args[n] = leaf
        wrt.append(leaf)
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


def hessian(f: Callable[..., Any]) -> Callable[..., list[list[float]]]:
    """Return a function computing the matrix of second derivatives of ``f`` (a list of lists).

    Example:
        >>> from autograd import hessian
        >>> hessian(lambda x, y: x * x * y)(1.0, 2.0)
        [[4.0, 2.0], [2.0, 0.0]]
    """

    def wrapped(*args: Any) -> list[list[float]]:
        nums = tuple(range(len(args)))
        out, wrt, _ = _trace(f, args, nums)
        first = _derivatives(out, wrt, nested=True)
        rows = []
        for g in first:
            if isinstance(g, Value):
                rows.append([float(d) for d in gradients(g, wrt)])
            else:
                rows.append([0.0] * len(wrt))
        return rows

    return wrapped
