"""Check analytic gradients against central finite differences.

Example:
    >>> from autograd import gradcheck
    >>> gradcheck(lambda x, y: (x * y).tanh(), 0.3, -1.2)
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd.functional import value_and_grad
from autograd.grad_mode import no_grad
from autograd.value import Value

__all__ = ["gradcheck", "numeric_grad"]


def _evaluate(f: Callable[..., Any], args: list[float]) -> float:
    with no_grad():
        out = f(*[Value(a) for a in args])
    return float(out.data if isinstance(out, Value) else out)


def numeric_grad(f: Callable[..., Any], *xs: float, eps: float = 1e-6) -> list[float]:
    """Central finite differences ``(f(x + eps) - f(x - eps)) / (2 eps)`` for each argument.

    Example:
        >>> from autograd import numeric_grad
        >>> [round(d, 6) for d in numeric_grad(lambda x: x * x, 3.0)]
        [6.0]
    """
    if not eps > 0:  # also refuses NaN
        raise ValueError(f"numeric_grad: eps must be a positive step, got {eps!r}")
    derivs = []
    for i in range(len(xs)):
        up = [float(x) for x in xs]
        down = list(up)
        up[i] += eps
        down[i] -= eps
        derivs.append((_evaluate(f, up) - _evaluate(f, down)) / (2 * eps))
    return derivs


def gradcheck(
    f: Callable[..., Any], *xs: float, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-4
) -> bool:
    """Compare ``f``'s analytic gradient at ``xs`` with central finite differences.

    ``f`` takes numbers and returns a scalar ``Value``. Each argument passes when
    ``|analytic - numeric| <= atol + rtol * |numeric|``; the defaults suit float64 with
    ``eps = 1e-6`` (truncation error ~eps**2, rounding error ~1e-16 / eps).

    Returns:
        True when every argument passes.

    Raises:
        AssertionError: naming every failing argument with its analytic and numeric value.
        ValueError: with no argument, ``eps <= 0``, or a negative tolerance.
    """
    if not xs:
        raise ValueError("gradcheck needs at least one argument to differentiate")
    if not (atol >= 0 and rtol >= 0):
        raise ValueError(f"gradcheck: atol and rtol must be >= 0, got atol={atol!r}, rtol={rtol!r}")
    _, analytic = value_and_grad(f, argnums=tuple(range(len(xs))))(*[float(x) for x in xs])
    numeric = numeric_grad(f, *xs, eps=eps)
    failures = [
        f"gradient mismatch for argument {i}: analytic {a!r}, numeric {n!r}"
        for i, (a, n) in enumerate(zip(analytic, numeric))
        if not abs(a - n) <= atol + rtol * abs(n)
    ]
    if failures:
        raise AssertionError("; ".join(failures) + f" (eps={eps}, atol={atol}, rtol={rtol})")
    return True
