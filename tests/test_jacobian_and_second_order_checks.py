"""``jacobian`` (functions of several outputs) and ``gradcheck(order=2)`` (second derivatives)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from autograd import Value, grad, gradcheck, hessian, jacobian
from autograd.op_rules import data as _data
from autograd.ops import Op


def polar(r, t):
    return [r * t.cos(), r * t.sin()]


def mixed(x, y, z):
    return [x * y + z.exp(), (x / y).tanh(), (z * z + 1).log() - x.sigmoid(), x ** y.softplus()]


def mixed_torch(x, y, z):
    return torch.stack(
        [
            x * y + z.exp(),
            (x / y).tanh(),
            (z * z + 1).log() - x.sigmoid(),
            x ** torch.nn.functional.softplus(y),
        ]
    )


@pytest.mark.parametrize("point", [(1.3, 0.7, -0.4), (0.2, -1.5, 2.0), (2.5, 0.3, 0.0)])
def test_jacobian_equals_pytorchs(point):
    ours = np.array(jacobian(mixed)(*point))
    theirs = torch.autograd.functional.jacobian(
        mixed_torch, tuple(torch.tensor(p, dtype=torch.float64) for p in point)
    )
    expected = torch.stack(theirs, dim=1).numpy()
    assert ours.shape == (4, 3)
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-14)


def test_jacobian_against_finite_differences():
    point = [1.1, 0.4]
    rows = jacobian(polar)(*point)
    eps = 1e-6
    for j in range(2):
        up, down = list(point), list(point)
        up[j] += eps
        down[j] -= eps
        f_up = [v.data for v in polar(*map(Value, up))]
        f_down = [v.data for v in polar(*map(Value, down))]
        for i in range(2):
            assert rows[i][j] == pytest.approx((f_up[i] - f_down[i]) / (2 * eps), rel=1e-7, abs=1e-9)


def test_jacobian_of_a_gradient_is_the_hessian():
    def f(x, y):
        return x * x * y + (x * y).sin()

    gradient = grad(f, argnums=(0, 1))
    np.testing.assert_allclose(
        jacobian(lambda x, y: list(gradient(x, y)))(0.8, -1.3), hessian(f)(0.8, -1.3), rtol=1e-14
    )


def test_a_single_value_is_one_row_and_a_number_is_a_row_of_zeros():
    assert jacobian(lambda x, y: x * y)(2.0, 5.0) == [[5.0, 2.0]]
    assert jacobian(lambda x, y: [x, 3.0, y * 0.0])(2.0, 5.0) == [[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]]


def test_jacobian_refuses_what_it_cannot_differentiate():
    with pytest.raises(TypeError, match="must return a Value or a sequence of them, got str"):
        jacobian(lambda x: "x")(1.0)
    with pytest.raises(TypeError, match=r"jacobian: output 1: .*scalar Value"):
        jacobian(lambda x: [x, x * np.array([1.0, 2.0])])(1.0)
    with pytest.raises(TypeError, match=r"jacobian: output 0: .*got list"):
        jacobian(lambda x: [[x]])(1.0)
    with pytest.raises(ValueError, match="at least one argument"):
        jacobian(lambda: [Value(1.0)])()


# --- gradcheck(order=2) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "f, point",
    [
        (lambda x, y: (x * y).tanh(), (0.3, -1.2)),
        (lambda x, y: x**y + (x / y).log(), (1.7, 0.6)),
        (lambda x: x.sigmoid() * x.sin(), (0.9,)),
        (lambda x, y, z: (x * y * z).exp() - z.softplus() * y, (0.2, -0.5, 0.7)),
    ],
)
def test_second_order_check_passes_on_correct_rules(f, point):
    assert gradcheck(f, *point, order=2)


# A square whose derivative is right at first order but written with a constant (``_data``),
# so the derivative of the derivative is lost: d2/dx2 comes out 0 instead of 2.
FLAT_SQUARE = Op("flat_square", lambda a: a * a, lambda g, out, a: (g * 2.0 * _data(a),))


def test_second_order_check_catches_a_derivative_that_is_not_differentiable():
    def f(x):
        return x._unary(FLAT_SQUARE)

    assert gradcheck(f, 1.5)  # first order is right
    expected = r"second derivative mismatch for arguments \(0, 0\): analytic 0.0"
    with pytest.raises(AssertionError, match=expected):
        gradcheck(f, 1.5, order=2)


def test_second_order_check_names_each_failing_pair():
    def f(x, y):
        return x._unary(FLAT_SQUARE) * y

    with pytest.raises(AssertionError) as failure:
        gradcheck(f, 1.5, 2.0, order=2)
    message = str(failure.value)
    assert "(0, 0)" in message and "(0, 1)" not in message and "(1, 1)" not in message


@pytest.mark.parametrize("order", [0, 3, True, 1.0])
def test_gradcheck_order_must_be_1_or_2(order):
    with pytest.raises(ValueError, match="order must be 1 or 2"):
        gradcheck(lambda x: x * x, 1.0, order=order)


def test_second_order_tolerances_are_the_first_orders():
    # For x^4 at 1 the central difference of the gradient 4x^3 is 12 + 4 eps^2: a tolerance
    # below that error must fail, one above it must pass.
    f = lambda x: x * x * x * x  # noqa: E731
    eps = 1e-3
    assert gradcheck(f, 1.0, eps=eps, rtol=0.0, atol=1e-4, order=2)
    with pytest.raises(AssertionError, match="second derivative"):
        gradcheck(f, 1.0, eps=eps, rtol=0.0, atol=1e-7, order=2)
    assert math.isclose(hessian(f)(1.0)[0][0], 12.0)
