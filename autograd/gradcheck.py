"""Check analytic gradients against central finite differences.

``gradcheck(f, *xs)`` checks first derivatives, like ``torch.autograd.gradcheck``; with
``order=2`` it also checks second derivatives (finite differences of the analytic gradient
against the analytic Hessian), like ``gradgradcheck`` or JAX's ``check_grads(order=2)``.

Example:
    >>> from autograd import gradcheck
    >>> gradcheck(lambda x, y: (x * y).tanh(), 0.3, -1.2)
    True
    >>> gradcheck(lambda x, y: (x * y).tanh(), 0.3, -1.2, order=2)
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd.functional import hessian, value_and_grad
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
    f: Callable[..., Any],
    *xs: float,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    order: int = 1,
) -> bool:
    """Compare ``f``'s analytic derivatives at ``xs`` with central finite differences.

    ``f`` takes numbers and returns a scalar ``Value``. Each argument passes when
    ``|analytic - numeric| <= atol + rtol * |numeric|``; the defaults suit float64 with
    ``eps = 1e-6`` (truncation error ~eps**2, rounding error ~1e-16 / eps). With ``order=2``
    each entry of the Hessian is also compared with the central difference of the analytic
    gradient (the same step and tolerances).

    Returns:
        True when every derivative passes.

    Raises:
        AssertionError: naming every failing derivative with its analytic and numeric value.
        ValueError: with no argument, ``eps <= 0``, a negative tolerance, or an order other
            than 1 or 2.
    """
    if not xs:
        raise ValueError("gradcheck needs at least one argument to differentiate")
    if not (atol >= 0 and rtol >= 0):
        raise ValueError(f"gradcheck: atol and rtol must be >= 0, got atol={atol!r}, rtol={rtol!r}")
    if type(order) is not int or order not in (1, 2):
        raise ValueError(f"gradcheck: order must be 1 or 2, got {order!r}")
    point = [float(x) for x in xs]
    gradient = _gradient(f, point)
    numeric = numeric_grad(f, *point, eps=eps)

    def close(analytic: float, numeric: float) -> bool:
        return abs(analytic - numeric) <= atol + rtol * abs(numeric)

    failures = [
        f"gradient mismatch for argument {i}: analytic {a!r}, numeric {n!r}"
        for i, (a, n) in enumerate(zip(gradient, numeric))
        if not close(a, n)
    ]
    if order == 2:
        analytic_hessian = hessian(f)(*point)
        for j in range(len(point)):
            up, down = list(point), list(point)
            up[j] += eps
            down[j] -= eps
            column = [(u - d) / (2 * eps) for u, d in zip(_gradient(f, up), _gradient(f, down))]
            failures += [
                f"second derivative mismatch for arguments ({i}, {j}): "
                f"analytic {analytic_hessian[i][j]!r}, numeric {column[i]!r}"
                for i in range(len(point))
                if not close(analytic_hessian[i][j], column[i])
            ]
    if failures:
        raise AssertionError("; ".join(failures) + f" (eps={eps}, atol={atol}, rtol={rtol})")
    return True


def _gradient(f: Callable[..., Any], point: list[float]) -> list[float]:
    _, derivatives = value_and_grad(f, argnums=tuple(range(len(point))))(*point)
    return [float(d) for d in derivatives]
